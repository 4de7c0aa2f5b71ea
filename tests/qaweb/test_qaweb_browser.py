"""The QA web app in real headless Chromium against the app served on 127.0.0.1: log in, throttling,
search in Mandarin and English, the call page's audio and transcript in sync, roles and masking,
CSRF, scorecards, exports. Every page visited is saved as a screenshot under the run's folder."""

from __future__ import annotations

import json

import pytest

from qaweb_testing import PASSWORDS, login, shot, wait_until, watch


@pytest.fixture(scope="module")
def pages(site, browser):
    """One logged-in browser context per account, made once."""
    made = {}

    def get(name: str):
        if name not in made:
            context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                          accept_downloads=True)
            page = watch(context.new_page())
            login(page, site, name)
            made[name] = page
        return made[name]
    yield get
    for page in made.values():
        page.context.close()


def test_log_in_lands_on_the_call_list_in_either_language(site, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = watch(context.new_page())
    page.goto(f"{site.url}/qa/calls/")
    assert page.url.startswith(f"{site.url}/qa/login")  # not logged in: sent to the login page
    page.goto(f"{site.url}/qa/login?lang=zh-CN")
    assert page.inner_text("h1") == "登录"
    shot(page, site, "login-zh")
    page.goto(f"{site.url}/qa/login?lang=en-US&next=/qa/calls/")
    assert page.inner_text("h1") == "Log in"
    shot(page, site, "login-en")
    page.fill("input[name=name]", "sam")
    page.fill("input[name=password]", PASSWORDS["sam"])
    page.click("button[type=submit]")
    assert page.url == f"{site.url}/qa/calls/"
    assert page.inner_text("#result-count").startswith("3 calls")  # English kept after log-in
    cookie = next(c for c in context.cookies() if c["name"] == "session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    shot(page, site, "calls-en-supervisor")
    context.close()


def test_wrong_passwords_are_throttled(site, browser):
    page = watch(browser.new_context().new_page())
    for attempt in range(4):
        login(page, site, "locky", "wrong-password")
        assert "/qa/login" in page.url and page.is_visible("#login-error")
        assert "用户名或密码错误" in page.inner_text("#login-error")
    login(page, site, "locky", "wrong-password")  # the 5th failure locks the name
    assert "失败次数过多" in page.inner_text("#login-error")
    shot(page, site, "login-locked")
    login(page, site, "locky")  # even the right password is refused while locked
    assert "/qa/login" in page.url and "失败次数过多" in page.inner_text("#login-error")
    page.context.close()


def test_search_finds_mandarin_and_english_calls_with_highlights(site, pages):
    page = pages("sam")
    page.goto(f"{site.url}/qa/calls/?q=退货")
    found = page.eval_on_selector_all("tr.call-row", "rows => rows.map(r => r.dataset.sid)")
    assert sorted(found) == ["CAzh0001", "CAzh0002"]
    assert page.eval_on_selector_all("tr.snippets mark", "ms => ms.map(m => m.textContent)") == ["退货", "退货"]
    assert page.inner_text("#result-count").startswith("共 2 通")
    shot(page, site, "search-zh")
    page.click("a[data-lang=en-US]")  # the other language, same search
    assert page.inner_text("#result-count").startswith("2 calls") and page.input_value("#q") == "退货"
    page.click("a[data-lang=zh-CN]")
    page.fill(".save-form input[name=name]", "退货来电")  # a supervisor keeps this search
    page.click(".save-form button")
    page.click(".saved-list a:has-text('退货来电')")
    assert page.input_value("#q") == "退货" and page.locator("tr.call-row").count() == 2
    page.fill("#q", "problem")
    page.press("#q", "Enter")
    page.wait_for_url("**q=problem**")
    assert page.eval_on_selector_all("tr.call-row", "rows => rows.map(r => r.dataset.sid)") == ["CAen0001"]
    assert page.inner_text("tr.snippets mark") == "problem"
    shot(page, site, "search-en")


def test_reviewer_sees_masked_numbers_and_supervisor_the_real_ones(site, pages):
    reviewer = pages("rita")
    reviewer.goto(f"{site.url}/qa/calls/")
    numbers = reviewer.eval_on_selector_all("td.caller", "cells => cells.map(c => c.textContent.trim())")
    assert sorted(numbers) == ["+86 138****8000", "+86 139****2222"]  # only her two calls, masked
    shot(reviewer, site, "calls-zh-reviewer")
    reviewer.goto(f"{site.url}/qa/calls/CAen0001/")
    assert reviewer.inner_text("#caller-number") == "+86 139****2222"
    supervisor = pages("sam")
    supervisor.goto(f"{site.url}/qa/calls/")
    numbers = supervisor.eval_on_selector_all("td.caller", "cells => cells.map(c => c.textContent.trim())")
    assert sorted(numbers) == ["+8613722223333", "+8613800138000", "+8613911112222"]
    supervisor.goto(f"{site.url}/qa/calls/CAen0001/")
    assert supervisor.inner_text("#caller-number") == "+8613911112222"
    # the taboo category points at the agent's line in the transcript, and its link seeks there
    taboo_line = supervisor.locator("#transcript .turn", has=supervisor.locator(".flag", has_text="service_taboo"))
    assert "not my problem" in taboo_line.inner_text()
    link = supervisor.locator(".category .match", has_text="not my problem")
    at = int(link.get_attribute("data-seek-ms")) / 1000
    link.click()
    wait_until(supervisor, f"Math.abs(document.getElementById('player').currentTime - {at}) < 0.6")
    supervisor.evaluate("document.getElementById('player').pause()")
    shot(supervisor, site, "call-supervisor")


def test_playing_advances_and_clicking_a_line_seeks(site, pages):
    page = pages("rita")
    page.goto(f"{site.url}/qa/calls/CAzh0001/")
    wait_until(page, "document.getElementById('player').readyState >= 1")
    page.evaluate("document.getElementById('player').play()")
    wait_until(page, "document.getElementById('player').currentTime > 0.5")
    # click the agent's promise line: the player jumps to its start and that line is highlighted
    line = page.locator("#transcript .turn", has_text="二十四小时内给您回复")
    start_ms = int(line.get_attribute("data-start-ms"))
    line.locator("p.text").click()
    wait_until(page, f"Math.abs(document.getElementById('player').currentTime - {start_ms / 1000}) < 0.6")
    wait_until(page, "document.querySelector('#transcript .turn.current') !== null")
    assert "二十四小时内给您回复" in page.inner_text("#transcript .turn.current")
    before = page.evaluate("document.getElementById('player').currentTime")
    wait_until(page, f"document.getElementById('player').currentTime > {before + 0.3}")
    page.evaluate("document.getElementById('player').pause()")
    assert page.get_attribute("#playhead", "x1") != page.get_attribute("#emotion-chart", "data-left")
    shot(page, site, "call-reviewer-playing")


def test_reviewer_crafted_urls_get_403(site, pages):
    page = pages("rex")  # assigned nothing
    for path in ("/qa/calls/CAzh0001/", "/qa/calls/CAzh0001/audio", "/qa/calls/CAzh0001/export.json",
                 "/qa/dashboard", "/qa/users", "/qa/calls/CAnope/"):
        response = page.goto(f"{site.url}{path}")
        assert response.status == 403, path
    assert "无权访问" in page.inner_text("h1")
    shot(page, site, "forbidden")
    rita = pages("rita")
    assert rita.goto(f"{site.url}/qa/calls/CAzh0002/").status == 403  # not assigned to her


def test_post_without_csrf_token_is_refused(site, pages):
    page = pages("rita")
    page.goto(f"{site.url}/qa/calls/CAen0001/")
    response = page.request.post(f"{site.url}/qa/calls/CAen0001/comments", form={"text": "forged"})
    assert response.status == 400
    page.reload()
    assert "forged" not in page.inner_text("#comments")
    page.fill("#comments textarea", "客户情绪激动，坐席处理不当")
    page.click("#comments button[type=submit]")
    assert "客户情绪激动，坐席处理不当" in page.inner_text("#comments")


def test_a_submitted_scorecard_shows_its_score_in_the_list(site, pages):
    page = pages("rita")
    page.goto(f"{site.url}/qa/calls/CAzh0001/")
    assert page.inner_text("#review-state") == "复核中"  # the assignee opened it
    # prefilled answers from the rules are checked; answer the rest
    assert page.is_checked("input[name=a_greeting][value=yes]")
    assert page.is_checked("input[name=a_resolution][value=promised]")
    page.check("input[name=a_apology][value=na]")
    page.check("input[name=a_knowledge][value='4']")
    shot(page, site, "scorecard-filled")
    page.click("#submit-scorecard")
    assert page.inner_text("#review-state") == "已完成"
    score = page.inner_text("#review-score")
    assert float(score) == pytest.approx(88.33)
    assert page.locator("table.history tbody tr").count() == 1
    shot(page, site, "call-scored")
    page.goto(f"{site.url}/qa/calls/")
    row = page.locator("tr.call-row[data-sid=CAzh0001]")
    assert row.locator("td.review-score").inner_text() == score
    shot(page, site, "calls-after-score")


def test_exports_respect_the_role(site, pages):
    reviewer = pages("rita")
    reviewer.goto(f"{site.url}/qa/calls/")
    with reviewer.expect_download() as download:
        reviewer.click("#export-csv")
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert "+86 138****8000" in text and "+8613800138000" not in text and "CAzh0002" not in text
    data = reviewer.request.get(f"{site.url}/qa/calls/CAen0001/export.json").json()
    assert data["Redacted"] is True and data["CustomerMetadata"]["Caller"] != "+8613911112222"

    supervisor = pages("sam")
    csv_text = supervisor.request.get(f"{site.url}/qa/calls/export.csv").text()
    assert "+8613800138000" in csv_text and "CAzh0002" in csv_text
    data = json.loads(supervisor.request.get(f"{site.url}/qa/calls/CAen0001/export.json").text())
    assert data["Redacted"] is False and data["CustomerMetadata"]["Caller"] == "+8613911112222"
    assert data["Schema"] == "hotline.qa.export/1"


def test_supervisor_pages_and_the_audit_log(site, pages):
    page = pages("sam")
    page.goto(f"{site.url}/qa/dashboard")
    log = page.inner_text("#audit-log")
    assert "sam" in log and "CAen0001" in log  # the unredacted call page and export were logged
    shot(page, site, "dashboard")
    admin = pages("ada")
    admin.goto(f"{site.url}/qa/users?lang=en-US")
    assert admin.locator("#users tbody tr").count() == 5
    shot(admin, site, "users-en")
    admin.goto(f"{site.url}/qa/calls/CAen0001/?lang=en-US")
    shot(admin, site, "call-en-admin")
