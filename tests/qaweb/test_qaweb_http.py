"""The QA web app over plain HTTP (Flask test client) on each store backend (SQLite; PostgreSQL when
HOTLINE_TEST_POSTGRES_URL is set): every page answers, audio Range requests, CSRF, headers and
cookies, role checks on every route, the review workflow, saved searches, the audit log, and
``hotline users``."""

from __future__ import annotations

import time
from datetime import timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from ivr.cli import main as cli
from qa.store import AnalysisStore, ReviewStore
from qaweb_testing import Client, analysed_app, app_on, clients
from store_testing import backends


@pytest.fixture(scope="module", params=backends())
def app(request, tmp_path_factory, call_wavs):
    root = tmp_path_factory.mktemp(f"http-{request.param}")
    with app_on(request.param, root, lambda url: analysed_app(root, call_wavs, url)) as app:
        yield app


@pytest.fixture(scope="module")
def as_(app):
    return clients(app)


def test_every_page_answers_for_a_supervisor_and_an_admin(app, as_):
    sam = as_("sam")
    for path in ("/qa/calls/", "/qa/calls/?q=退货", "/qa/calls/?q=problem&sort=duration&order=asc",
                 "/qa/calls/?category=service_taboo&state=assigned&emotion=calm&since=2020-01-01&until=2099-12-31",
                 "/qa/calls/CAen0001/", "/qa/calls/CAen0001/?view=redacted", "/qa/calls/export.csv",
                 "/qa/calls/CAen0001/export.json", "/qa/dashboard", "/qa/calls/?lang=en-US"):
        assert sam.http.get(path).status_code == 200, path
    assert as_("ada").http.get("/qa/users").status_code == 200
    taboo = sam.http.get("/qa/calls/?category=service_taboo").text
    assert "CAen0001" in taboo and "CAzh0001" not in taboo
    assert "共 2 通" in sam.http.get("/qa/calls/?q=退货&lang=zh-CN").text
    mine = as_("rita").http.get("/qa/calls/?q=退货&lang=zh-CN").text  # a reviewer searches her calls only
    assert "共 1 通" in mine and "CAzh0001" in mine and "CAzh0002" not in mine and "<mark>退货</mark>" in mine
    # times are shown on the hotline's clock (qa_timezone, Asia/Shanghai by default), not in UTC
    started = app.extensions["hotline"].store.get_call("CAzh0001").started_at.replace(tzinfo=timezone.utc)
    shown = started.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert shown in sam.http.get("/qa/calls/").text and shown != started.strftime("%Y-%m-%d %H:%M")
    labels = {a.call_sid: (a.analysis.emotion["caller"].label, a.analysis.emotion["agent"].label)
              for a in AnalysisStore(app.extensions["hotline"].store).iter_stored()}
    for party, index in (("caller", 0), ("agent", 1)):
        label = labels["CAen0001"][index]
        shown = sam.http.get(f"/qa/calls/?emotion={label}&emotion_party={party}").text
        assert {sid for sid in labels if sid in shown} == {sid for sid, pair in labels.items() if pair[index] == label}
    assert "CAen0001" not in sam.http.get("/qa/calls/?emotion=distressed").text or "distressed" in labels["CAen0001"]


def test_the_chosen_language_stays_with_the_account(app):
    first = Client(app, "ada")
    assert "退出登录" in first.http.get("/qa/calls/").text  # the default: zh-CN
    assert "Log out" in first.http.get("/qa/calls/?lang=en-US").text
    second = Client(app, "ada")  # another browser, no language chosen there
    assert "Log out" in second.http.get("/qa/calls/").text
    assert second.http.get("/qa/login").status_code == 302  # logged in already: on to the calls
    assert "退出登录" in second.http.get("/qa/calls/?lang=zh-CN").text


def test_audio_is_served_with_ranges_and_the_right_copy_per_role(app, as_):
    stored = AnalysisStore(app.extensions["hotline"].store).get("CAzh0001")
    original, redacted = Path(stored.audio["original"]).read_bytes(), Path(stored.audio["redacted"]).read_bytes()
    size = len(original)
    sam = as_("sam").http
    part = sam.get("/qa/calls/CAzh0001/audio", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.headers["Content-Range"] == f"bytes 100-199/{size}"
    assert part.data == original[100:200] and part.headers["Accept-Ranges"] == "bytes"
    tail = sam.get("/qa/calls/CAzh0001/audio", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == original[-10:]
    assert sam.get("/qa/calls/CAzh0001/audio", headers={"Range": f"bytes={size + 10}-"}).status_code == 416
    assert sam.get("/qa/calls/CAzh0001/audio").data == original
    assert sam.get("/qa/calls/CAzh0001/audio?view=redacted").data == redacted
    assert as_("rita").http.get("/qa/calls/CAzh0001/audio").data == redacted  # the reviewer: the redacted copy


def test_state_changing_requests_need_the_csrf_token(app, as_):
    rita = as_("rita")
    assert rita.http.post("/qa/calls/CAen0001/comments", data={"text": "no token"}).status_code == 400
    assert rita.http.post("/qa/calls/CAen0001/comments", data={"text": "x", "csrf_token": "forged"}).status_code == 400
    assert rita.http.post("/qa/logout").status_code == 400
    response = rita.post("/qa/calls/CAen0001/comments", {"text": "with token"})
    assert response.status_code == 302
    assert [c.text for c in ReviewStore(app.extensions["hotline"].store).comments("CAen0001")] == ["with token"]


def test_security_headers_cookie_flags_and_timeout(app):
    client = Client(app)
    page = client.http.get("/qa/login")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
    response = client.login("sam")
    cookie = response.headers["Set-Cookie"]
    # the test settings' public URL is https: the session cookie is Secure, HttpOnly, SameSite=Lax, 30 min
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert app.permanent_session_lifetime.total_seconds() == 30 * 60
    assert client.http.get("/qa/calls/").headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" not in client.http.get("/healthz").headers  # the webhooks' side is untouched


def test_an_idle_session_times_out(app, monkeypatch):
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(seconds=1))
    client = Client(app, "sam")
    assert client.http.get("/qa/calls/").status_code == 200
    time.sleep(2.2)  # the signed cookie's timestamp has whole seconds
    response = client.http.get("/qa/calls/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/qa/login")


def test_log_in_failures_are_throttled_and_next_stays_inside(app):
    client = Client(app)
    statuses = [client.login("rex", "wrong-password-1").status_code for _ in range(6)]
    assert statuses == [401, 401, 401, 401, 429, 429]
    assert client.login("rex").status_code == 429  # locked, right password or not
    other = Client(app)
    token = other.token("/qa/login")
    response = other.http.post("/qa/login", data={"name": "ada", "password": "ada-pass-1234", "csrf_token": token,
                                                  "next": "https://evil.example/qa"})
    assert response.headers["Location"] == "/qa/calls/"


@pytest.mark.parametrize("path", ["/qa/calls/CAzh0002/", "/qa/calls/CAzh0002/audio", "/qa/calls/CAzh0002/export.json",
                                  "/qa/calls/CAunknown/", "/qa/dashboard", "/qa/users"])
def test_a_reviewer_gets_403_outside_their_calls_and_role(as_, path):
    response = as_("rita").http.get(path)
    assert response.status_code == 403 and b"CAzh0002" not in response.data.replace(b"/qa/calls/CAzh0002", b"")


@pytest.mark.parametrize("path", ["/qa/calls/CAzh0002/comments", "/qa/calls/CAzh0002/review/assign",
                                  "/qa/calls/CAzh0001/review/reopen", "/qa/calls/searches", "/qa/users",
                                  "/qa/calls/CAzh0002/scorecard", "/qa/calls/assign", "/qa/calls/CAzh0001/followups/1"])
def test_a_reviewer_gets_403_on_posts_outside_their_role(as_, path):
    assert as_("rita").post(path, {"text": "x", "name": "x", "assignee": "1"}).status_code == 403


def test_the_review_workflow_over_http(app, as_):
    store = app.extensions["hotline"].store
    reviews = ReviewStore(store)
    sam, locky = as_("sam"), Client(app, "locky")  # a reviewer this module's throttling test leaves alone
    assert sam.post("/qa/calls/CAzh0002/review/assign", {"assignee": str(_user_id(app, "locky"))}).status_code == 302
    assert reviews.review("CAzh0002").state == "assigned"
    assert locky.http.get("/qa/calls/CAzh0002/").status_code == 200
    assert reviews.review("CAzh0002").state == "in_review"  # opened by the assignee
    answers = {"a_greeting": "no", "a_closing": "yes", "a_no_taboo": "yes", "a_apology": "na", "a_composure": "yes",
               "a_knowledge": "5", "a_no_long_silence": "yes", "a_resolution": "promised",
               "a_no_interrupting": "yes", "a_pace": "yes"}
    # "greeting" was prefilled "yes" by the rules: changing it without a note is refused
    refused = locky.post("/qa/calls/CAzh0002/scorecard", answers, token_from="/qa/calls/CAzh0002/")
    assert refused.status_code == 400 and reviews.review("CAzh0002").state == "in_review"
    half = locky.post("/qa/calls/CAzh0002/scorecard", {**answers, "a_knowledge": ""}, token_from="/qa/calls/CAzh0002/")
    assert half.status_code == 400 and b'class="question has-error" id="q-knowledge"' in half.data
    done = locky.post("/qa/calls/CAzh0002/scorecard", {**answers, "note_greeting": "greeting was cut off"},
                    token_from="/qa/calls/CAzh0002/")
    assert done.status_code == 302
    review = reviews.review("CAzh0002")
    # politeness (0 + 1 + 2) / 4, professionalism 1, efficiency (1 + 2 * 0.6) / 3, expression 1; weights 30/30/25/15
    assert review.state == "done" and review.score == pytest.approx(85.83, abs=0.01)
    assert locky.post("/qa/calls/CAzh0002/review/dispute", {"note": "too low"}).status_code == 302
    assert reviews.review("CAzh0002").state == "disputed"
    assert locky.post("/qa/calls/CAzh0002/review/resolve").status_code == 403  # supervisors resolve
    assert sam.post("/qa/calls/CAzh0002/review/reopen").status_code == 302
    assert reviews.review("CAzh0002").state == "in_review" and reviews.review("CAzh0002").score is None
    answers["a_knowledge"] = "3"
    locky.post("/qa/calls/CAzh0002/scorecard", {**answers, "note_greeting": "cut off"}, token_from="/qa/calls/CAzh0002/")
    history = reviews.submissions("CAzh0002")
    assert [s.reopened_by for s in history] == [None, "sam"] and history[0].score < history[1].score
    assert reviews.review("CAzh0002").score == history[0].score
    page = sam.http.get("/qa/calls/?state=done").text
    assert "CAzh0002" in page and f"{history[0].score:g}" in page
    # a transition the state does not allow is refused without a change
    assert sam.post("/qa/calls/CAzh0002/review/resolve").status_code == 302
    assert reviews.review("CAzh0002").state == "done"


def test_saved_searches_and_the_audit_log(app, as_):
    sam = as_("sam")
    sam.post("/qa/calls/searches", {"name": "退货电话", "query": "q=退货&state=assigned&page=4"})
    saved = ReviewStore(app.extensions["hotline"].store).saved_searches(sam_id := _user_id(app, "sam"))
    assert [(s.name, s.query) for s in saved] == [("退货电话", {"q": "退货", "state": "assigned"})]
    assert "退货电话" in sam.http.get("/qa/calls/").text
    assert sam.post(f"/qa/calls/searches/{saved[0].id}/delete").status_code == 302
    assert ReviewStore(app.extensions["hotline"].store).saved_searches(sam_id) == []
    sam.http.get("/qa/calls/CAen0001/")
    sam.http.get("/qa/calls/CAen0001/?view=redacted")  # the reviewer's view reads no personal data
    log = ReviewStore(app.extensions["hotline"].store).audit_log(call_sid="CAen0001")
    assert log[0].user_name == "sam" and log[0].action == "open_call"
    assert all(entry.user_name == "sam" for entry in log)
    as_("rita").http.get("/qa/calls/CAen0001/")
    assert len(ReviewStore(app.extensions["hotline"].store).audit_log(call_sid="CAen0001")) == len(log)


def _user_id(app, name: str) -> int:
    from qa.store import UserStore

    return UserStore(app.extensions["hotline"].store).by_name(name).id


def test_hotline_users_commands(app):
    settings = app.extensions["hotline"].settings
    env = {"HOTLINE_DATABASE_URL": settings.resolved_database_url, "HOTLINE_INSTANCE_PATH": settings.instance_path}
    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "neo", "--role", "supervisor"], env=env,
                          input="neo-pass-123\nneo-pass-123\n")
    assert added.exit_code == 0 and "user neo added (supervisor)" in added.output
    again = runner.invoke(cli, ["users", "add", "neo", "--password-stdin"], env=env, input="neo-pass-456\n")
    assert again.exit_code == 1 and "exists already" in again.output
    short = runner.invoke(cli, ["users", "add", "tiny", "--password-stdin"], env=env, input="short\n")
    assert short.exit_code == 1 and "at least 8 characters" in short.output
    neo = Client(app)
    neo.login("neo", "neo-pass-123")
    assert neo.http.get("/qa/dashboard").status_code == 200
    assert runner.invoke(cli, ["users", "passwd", "neo", "--password-stdin"], env=env, input="neo-new-pass\n").exit_code == 0
    assert Client(app).login("neo", "neo-pass-123").status_code == 401
    assert Client(app).login("neo", "neo-new-pass").status_code == 302
    assert runner.invoke(cli, ["users", "disable", "neo"], env=env).exit_code == 0
    assert neo.http.get("/qa/dashboard").status_code == 302  # the open session ends at once
    assert Client(app).login("neo", "neo-new-pass").status_code == 401
    listed = runner.invoke(cli, ["users", "list"], env=env)
    assert "neo" in listed.output and "disabled" in listed.output
    assert runner.invoke(cli, ["users", "disable", "nobody"], env=env).exit_code == 1


def test_supervisors_close_follow_ups(app, as_):
    analyses = AnalysisStore(app.extensions["hotline"].store)
    promise = next(f for f in analyses.followups(call_sid="CAzh0001") if f.kind == "promise")
    other = next(f for f in analyses.followups(call_sid="CAzh0002") if f.kind == "promise")
    sam = as_("sam")
    assert sam.post(f"/qa/calls/CAzh0001/followups/{other.id}", {"status": "done"}).status_code == 404
    assert sam.post(f"/qa/calls/CAzh0001/followups/{promise.id}", {"status": "done", "note": "called back"}
                    ).status_code == 302
    closed = next(f for f in analyses.followups(call_sid="CAzh0001", status=None) if f.id == promise.id)
    assert (closed.status, closed.closed_by, closed.note) == ("done", "sam", "called back")
    assert analyses.followups(call_sid="CAzh0002")[0].status == "open"


def test_bulk_assignment_from_the_list(app, as_):
    sam = as_("sam")
    sam.http.get("/qa/calls/?lang=en-US")
    response = sam.post("/qa/calls/assign", {"assignee": str(_user_id(app, "locky")), "sid": ["CAen0001", "CAnope"],
                                             "query": "q=problem"})
    assert response.status_code == 302 and response.headers["Location"] == "/qa/calls/?q=problem"
    assert "Calls assigned: 1; left alone (scored or unknown): 1." in sam.http.get("/qa/calls/?q=problem").text
    reviews = ReviewStore(app.extensions["hotline"].store)
    assert reviews.review("CAen0001").assignee == "locky"
    assert "CAen0001" in Client(app, "locky").http.get("/qa/calls/").text
    assert as_("rita").http.get("/qa/calls/CAen0001/").status_code == 403  # no longer hers


def test_a_broken_scorecard_stops_the_app_at_start(tmp_path):
    from ivr.app import create_app
    from ivr.config import ConfigError
    from twilio_testing import make_settings

    form = tmp_path / "form.yaml"
    form.write_text("schema: hotline.qa.scorecard/1\nid: x\nversion: 1\ntitle: {en-US: X}\nsections: []\n")
    with pytest.raises(ConfigError, match=r"qa_scorecard: .*form.yaml: sections: \[\] should be non-empty"):
        create_app(make_settings(tmp_path, qa_jobs="off", qa_scorecard=str(form)))
    with pytest.raises(ConfigError, match="qa_session_minutes: must be between 1 and 1440"):
        create_app(make_settings(tmp_path, qa_jobs="off", qa_session_minutes=0))
    with pytest.raises(ConfigError, match="qa_dashboard_cache_seconds: must be between 0 and 3600"):
        create_app(make_settings(tmp_path, qa_jobs="off", qa_dashboard_cache_seconds=-1))
