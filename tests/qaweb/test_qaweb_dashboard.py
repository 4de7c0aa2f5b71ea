"""The supervisor dashboard on a store seeded with a known history (five weeks of Poisson calls, a
storm in Guangdong planted at 10:00 on Monday 30 Nov 2026, and a few hand-made calls that end in
self-service, abandonment and failed menu turns): the numbers shown, over plain HTTP on each store
backend; the pure shaping (period, chart geometry); and the page in headless Chromium."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import update

from analytics_testing import AT, HOUR, START, SeedCall, history, storm
from fake_twilio import ServerThread
from qa.analytics import region_of
from qa.analytics.summary import DayCount, EmotionShare
from qa.store.models import Call
from qa.web.cache import TimedCache
from qa.web.period import Period
from qa.web.trends import MAX_SERIES, OTHER, emotion_rows, grid_step, nice_ceiling, trend_chart
from qaweb_testing import app_on, clients, login, seeded_app, shot, watch
from store_testing import backends

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = "2026-11-30"  # the storm's day on the hotline's clock
ONE_DAY = f"/qa/dashboard?since={DAY}&until={DAY}&at={DAY}T10:25"


def made_calls() -> list[SeedCall]:
    """Calls with known outcomes on 30 Nov (local): 3 self-served, 2 abandoned, failures at two nodes."""
    morning = datetime(2026, 11, 30, 1, 10, tzinfo=timezone.utc)  # 09:10 in Shanghai
    fail = [("no_match", "order_query", {"heard": "订单 号 是 12345"}), ("no_input", "order_query", {})]
    return [
        *[SeedCall(morning, intent="order_status", skill="orders", outcome="self_served", final_node="order_found")
          for _ in range(3)],
        SeedCall(morning, outcome="abandoned", final_node="order_query", events=fail + fail),
        SeedCall(morning, outcome="abandoned", final_node="main", events=[("no_input", "main", {})]),
        SeedCall(morning, intent="return_request", skill="after_sales", priority=6, caller_turns=["退货"],
                 emotion="agitated", events=[("queue_result", "route", {"queue_time_s": "40"})]),
        SeedCall(morning, intent="return_request", skill="after_sales", priority=2, caller_turns=["退货"],
                 emotion="calm", events=[("queue_result", "route", {"queue_time_s": "20"})]),
    ]


@pytest.fixture(scope="module")
def calls() -> list[SeedCall]:
    rng = np.random.default_rng(5)
    return history(rng, START, HOUR + timedelta(hours=14)) + storm(rng) + made_calls()


@pytest.fixture(scope="module", params=backends())
def app(request, tmp_path_factory, calls):
    root = tmp_path_factory.mktemp(f"dashboard-{request.param}")
    with app_on(request.param, root, lambda url: seeded_app(root, calls, url)) as app:
        yield app


@pytest.fixture(scope="module")
def as_(app):
    return clients(app)


def on_day(calls, day: str) -> list[SeedCall]:
    return [c for c in calls if c.started_at.astimezone(SHANGHAI).date().isoformat() == day]


def tile(html: str, name: str) -> str:
    return re.search(rf'id="tile-{name}">.*?class="tile-value[^"]*">([^<]*)<', html, re.S).group(1)


def row(html: str, attribute: str, value: str) -> str:
    return re.search(rf'<tr[^>]*{attribute}="{re.escape(value)}".*?</tr>', html, re.S).group(0)


def cell(row_html: str, css: str) -> str:
    return re.search(rf'class="[^"]*\b{css}\b[^"]*"[^>]*>([^<]*)<', row_html).group(1).strip()


def test_one_day_shows_its_counts_containment_and_failures(as_, calls):
    day = on_day(calls, DAY)
    html = as_("sam").http.get(ONE_DAY + "&lang=en-US").text
    assert tile(html, "calls") == str(len(day))
    served = sum(c.outcome == "self_served" for c in day)
    assert served == 3 and tile(html, "containment") == f"{100 * served / len(day):.1f}%"
    assert f"{served} of {len(day)} finished calls self-served" in html
    assert tile(html, "abandoned") == "2"
    failures = row(html, "data-node", "order_query")
    assert (cell(failures, "no-input"), cell(failures, "no-match")) == ("2", "2")
    assert "订单 号 是 #####" in failures and "12345" not in html  # what was heard, digits masked
    queue = row(html, "data-skill", "after_sales")
    assert (cell(queue, "avg-priority"), cell(queue, "avg-wait")) == ("4.0", "30 s")
    assert re.search(r'data-node="order_query"><span class="mono">order_query</span><meter[^>]*value="1"', html)
    # one day is charted per hour: 24 points per line, the legend totals are the day's calls per intent
    chart = re.search(r'<svg class="trend" id="trend-intent".*?</svg>', html, re.S).group(0)
    lines = re.findall(r'<g class="series series-\d" data-series="([^"]+)">\s*<polyline class="line" points="([^"]+)"',
                       chart)
    assert lines and all(len(points.split()) == 24 for _, points in lines)
    delayed = sum(c.intent == "delivery_delay" for c in day)
    assert re.search(rf"Delivery delayed <span class=\"num muted\">{delayed}</span>", html, re.I)


def test_the_planted_storm_is_listed_with_its_region(as_, calls):
    storm_hour = [c for c in calls if HOUR <= c.started_at < HOUR + timedelta(hours=1)]
    expected = sum(c.intent == "delivery_delay" and region_of(c.caller) == "Guangdong" for c in storm_hour)
    html = as_("sam").http.get(ONE_DAY + "&lang=en-US").text
    alert = row(html, "data-series", "intent:delivery_delay@Guangdong")
    assert cell(alert, "region") == "Guangdong" and cell(alert, "count") == str(expected) and expected >= 20
    assert float(cell(alert, "p-value")) < 1e-6
    # the series links to its calls of that day in the call list
    assert f'href="/qa/calls/?since={DAY}&amp;until={DAY}&amp;intent=delivery_delay"' in alert
    assert "Voice of the customer: alerts from 2026-11-29 11:00 to 2026-11-30 10:00" in html
    assert re.search(r'data-series="term:暴雨@Guangdong"', html)
    assert tile(html, "alerts") == str(html.count('class="alert-row"'))
    # every alert is the storm's: its hour, its intent, words or category, nationally or in Guangdong
    shown = set(re.findall(r'class="alert-row" data-series="(\w+):([^"@]+)(?:@([^"]*))?"', html))
    assert {(kind, name) for kind, name, _ in shown} <= {("intent", "delivery_delay"), ("term", "暴雨"),
                                                         ("term", "快递"), ("category", "delivery_complaint")}
    assert {region for _, _, region in shown} == {"", "Guangdong"}
    zh = as_("sam").http.get(ONE_DAY + "&lang=zh-CN").text
    assert "客户之声：2026-11-29 11:00 至 2026-11-30 10:00 的告警" in zh
    assert "配送延误" in row(zh, "data-series", "intent:delivery_delay")
    assert cell(row(zh, "data-series", "intent:delivery_delay@Guangdong"), "region") == "广东省"  # the reader's language
    # still listed two hours later (the last 24 hours are shown); the next day is quiet
    later = as_("sam").http.get(f"/qa/dashboard?since={DAY}&until={DAY}&at={DAY}T12:10").text
    assert cell(row(later, "data-series", "intent:delivery_delay@Guangdong"), "count") == str(expected)
    quiet = as_("sam").http.get(f"/qa/dashboard?since={DAY}&until={DAY}&at=2026-12-01T12:10").text
    assert 'id="no-alerts"' in quiet and 'class="alert-row"' not in quiet


def test_a_week_is_charted_per_day_and_an_empty_period_says_so(as_, calls):
    sam = as_("sam")
    html = sam.http.get("/qa/dashboard?since=2026-11-24&until=2026-11-30&lang=en-US").text
    week = [c for c in calls if "2026-11-24" <= c.started_at.astimezone(SHANGHAI).date().isoformat() <= DAY]
    assert tile(html, "calls") == str(len(week))
    points = re.findall(r'<polyline class="line" points="([^"]+)"', html)
    assert points and all(len(p.split()) == 7 for p in points)
    assert ">11-24<" in html and ">11-30<" in html
    empty = sam.http.get("/qa/dashboard?period=day&lang=en-US").text  # today: nothing was seeded
    assert tile(empty, "calls") == "0" and tile(empty, "containment") == "—" and "No calls in this period." in empty


def test_reviewers_get_403(as_):
    assert as_("rita").http.get(ONE_DAY).status_code == 403
    assert as_("ada").http.get(ONE_DAY).status_code == 200


# ---- pure shaping ----

TZ = SHANGHAI
NOW = datetime(2026, 12, 6, 6, 30, tzinfo=timezone.utc)  # 14:30 in Shanghai


def test_period_from_args_falls_back_to_the_last_week_and_keeps_a_good_range():
    default = Period.from_args({}, NOW, TZ)
    assert (default.since, default.until, default.preset) == (date(2026, 11, 30), date(2026, 12, 6), "week")
    assert default.alerts_hour == datetime(2026, 12, 6, 13, tzinfo=TZ) and not default.hourly
    bad = Period.from_args({"since": "2026-12-05", "until": "yesterday", "at": "soon"}, NOW, TZ)
    assert bad.preset == "week"
    custom = Period.from_args({"since": "2026-11-01", "until": "2026-11-02"}, NOW, TZ)
    assert custom.preset == "" and custom.hourly and len(custom.buckets(TZ)) == 48
    # a past period's alerts: its last hour
    assert custom.alerts_hour == datetime(2026, 11, 2, 23, tzinfo=TZ)
    assert len(custom.alert_hours) == 24 and custom.alert_hours[-1] == custom.alerts_hour
    assert custom.alert_hours[0] == datetime(2026, 11, 2, 0, tzinfo=TZ)
    assert "since=2026-11-01" in custom.url_args() and custom.url_args(period="day") == "period=day"
    backwards = Period.from_args({"since": "2026-11-05", "until": "2026-11-01"}, NOW, TZ)
    assert backwards.preset == "week"


def test_trend_chart_groups_small_series_and_scales_to_a_round_top():
    days = [date(2026, 11, d) for d in (1, 2, 3)]
    rows = [DayCount(days[0], f"i{n}", None, n + 1) for n in range(MAX_SERIES + 2)] + [DayCount(days[2], "i7", None, 9)]
    chart = trend_chart(rows, days, "intent")
    names = [line.name for line in chart.lines]
    assert names[0] == "i7" and names[-1] == OTHER and len(names) == MAX_SERIES
    assert chart.total == sum(r.calls for r in rows)
    assert [label for _, label in chart.grid] == ["0", "5", "10"]  # the largest bucket is 9
    other = chart.lines[-1]
    assert [n for _, _, n in other.dots] == [1 + 2 + 3, 0, 0]
    assert [grid_step(top) for top in (1, 2, 5, 10, 50)] == [1, 1, 1, 5, 10]
    assert nice_ceiling(0) == 1 and nice_ceiling(7) == 10 and nice_ceiling(11) == 20 and nice_ceiling(150) == 200


def test_emotion_rows_stack_calm_first_busiest_skill_first():
    rows = emotion_rows([EmotionShare("orders", "agitated", 1, 0.25), EmotionShare("orders", "calm", 3, 0.75),
                         EmotionShare("billing", "tense", 1, 1.0)])
    assert [r.skill for r in rows] == ["orders", "billing"]
    assert [(s.label, s.x, s.width) for s in rows[0].segments] == [("calm", 0, 75.0), ("agitated", 75.0, 25.0)]


# ---- in the browser ----

@pytest.fixture(scope="module")
def served(tmp_path_factory, calls, site):
    """The seeded app (SQLite) on 127.0.0.1; screenshots go beside the other pages' (site.shots)."""
    app = seeded_app(tmp_path_factory.mktemp("dashboard-browser"), calls)
    app.config["SESSION_COOKIE_SECURE"] = False  # plain HTTP on 127.0.0.1
    with ServerThread(app) as server:
        yield SimpleNamespace(url=server.url, shots=site.shots)
    app.extensions["hotline"].service.close()
    app.extensions["hotline"].store.engine.dispose()


def test_the_dashboard_renders_its_charts_in_chromium_in_both_languages(served, browser, calls):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = watch(context.new_page())
    login(page, served, "sam")
    for lang, title in (("zh-CN", "各意图来电量"), ("en-US", "Calls by intent")):
        page.goto(f"{served.url}{ONE_DAY}&lang={lang}")
        assert title in page.inner_text("body")
        for chart in ("#trend-intent", "#trend-skill"):
            box = page.locator(chart).bounding_box()
            assert box["width"] > 500 and box["height"] > 100
            assert page.locator(f"{chart} polyline").count() >= 2
        # the lines are drawn in their series' colours (the stylesheet applied, nothing inline)
        colour = page.eval_on_selector("#trend-intent polyline", "p => getComputedStyle(p).stroke")
        assert colour == "rgb(200, 16, 46)"
        assert page.locator("#alerts tr.alert-row").count() >= 1
        shot(page, served, f"dashboard-analytics-{lang}")  # also: no CSP refusal on the page
    page.click("a[data-period=month]")  # the last 30 days, today included
    first = datetime.now(SHANGHAI).date() - timedelta(days=29)
    expected = sum(c.started_at.astimezone(SHANGHAI).date() >= first for c in calls)
    assert "period=month" in page.url and page.inner_text("#tile-calls .tile-value") == str(expected)
    context.close()


# ---- the figures are reused for qa_dashboard_cache_seconds ----


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_timed_cache_reuses_then_recomputes_and_keeps_few_entries():
    clock, computed = Clock(), []
    cache = TimedCache(60, clock=clock, max_entries=2)

    def compute(value):
        return lambda: computed.append(value) or value

    assert cache.get("a", compute(1)) == (1, clock.now)
    clock.now += 59
    assert cache.get("a", compute(2)) == (1, clock.now - 59)  # still fresh: not computed again
    clock.now += 1
    assert cache.get("a", compute(3))[0] == 3  # 60 s old: read anew
    cache.get("b", compute(4)), cache.get("c", compute(5))  # "a" is the least recently used: dropped
    assert cache.get("a", compute(6))[0] == 6 and computed == [1, 3, 4, 5, 6]
    off = TimedCache(0, clock=clock)
    assert [off.get("a", compute(n))[0] for n in (7, 8)] == [7, 8]


def test_a_refresh_reuses_the_figures_until_they_are_older_than_the_setting(tmp_path):
    app = seeded_app(tmp_path, made_calls())
    clock = Clock()
    cache = app.extensions["qa_dashboard_cache"]
    assert cache.seconds == 60  # the default
    cache.clock = clock
    sam = clients(app)("sam")
    first = sam.http.get(ONE_DAY + "&lang=en-US").text
    assert tile(first, "calls") == str(len(made_calls()))
    as_of = re.search(r'id="as-of">figures as of (\d\d:\d\d:\d\d); they are reused for up to 60 s<', first)
    assert as_of, first[:2000]

    store = app.extensions["hotline"].store  # one more call that morning
    store.start_call("CAlate", caller="+8613800138000", called="+86950618", locale="zh-CN", state={"node": "main"},
                     events=[])
    with store.session() as s:
        s.execute(update(Call).where(Call.sid == "CAlate")
                  .values(started_at=datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)))
    clock.now += 30
    again = sam.http.get(ONE_DAY + "&lang=en-US").text
    assert tile(again, "calls") == str(len(made_calls()))  # the same figures, the same time
    assert re.search(r'id="as-of">figures as of (\d\d:\d\d:\d\d)', again).group(1) == as_of.group(1)
    clock.now += 30
    fresh = sam.http.get(ONE_DAY + "&lang=en-US").text
    assert tile(fresh, "calls") == str(len(made_calls()) + 1)
    # another period is its own entry
    assert tile(sam.http.get("/qa/dashboard?since=2026-11-29&until=2026-11-29&lang=en-US").text, "calls") == "0"
