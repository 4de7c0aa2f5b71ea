"""Spike alerts and the summary read from a real store with seeded call histories."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from analytics_testing import AT, HOUR, START, SeedCall, history, seed, storm
from qa.analytics import SeriesKey, caller_terms, find_alerts, hourly_counts, region_of, scan_alerts, summarize
from qa.analytics.counts import hour_ranges

pytestmark = pytest.mark.postgres


def test_regions_come_from_the_geocoder():
    assert region_of("+862087654321") == "Guangdong"
    assert region_of("+8613912345678") == "Jiangsu"
    assert region_of("+861058581234") == "Beijing"
    assert region_of("+14155550123") == "US"
    assert region_of("anonymous") == "unknown"


def test_region_names_in_chinese_come_from_the_geocoder_too():
    from qa.analytics import region_name

    names = {r: region_name(r, "zh-CN") for r in ("Guangdong", "Jiangsu", "Beijing", "Hainan", "Guangxi", "unknown")}
    assert names == {"Guangdong": "广东省", "Jiangsu": "江苏省", "Beijing": "北京市", "Hainan": "海南省",
                     "Guangxi": "广西", "unknown": "未知"}
    assert region_name("Guangdong", "en-US") == "Guangdong" and region_name("US", "zh-CN") == "US"


def test_caller_terms_drop_numbers_single_characters_and_fillers():
    assert caller_terms("暴雨 快递 还 没 到 13912345678 please the Delivery") == {"暴雨", "快递", "delivery"}


def test_a_planted_storm_is_found_with_its_series_hour_and_region(store):
    rng = np.random.default_rng(7)
    seed(store, history(rng, START, HOUR + timedelta(hours=3)) + storm(rng))
    report = find_alerts(store, AT)
    found = {a.key for a in report.alerts}
    assert SeriesKey("intent", "delivery_delay", "Guangdong") in found
    assert SeriesKey("intent", "delivery_delay") in found
    assert SeriesKey("term", "暴雨", "Guangdong") in found
    assert SeriesKey("category", "delivery_complaint", "Guangdong") in found
    assert all(a.hour == HOUR for a in report.alerts)
    # nothing rose elsewhere: every alert is the storm's intent, its words or its category
    assert {(k.kind, k.name) for k in found} <= {("intent", "delivery_delay"), ("term", "暴雨"),
                                                  ("term", "快递"), ("category", "delivery_complaint")}
    assert all(k.region in (None, "Guangdong") for k in found)
    # the hour before and the hour after are quiet
    assert find_alerts(store, HOUR - timedelta(minutes=30)).alerts == []
    assert find_alerts(store, HOUR + timedelta(hours=1, minutes=5)).alerts == []


def test_a_scan_of_hours_reads_merged_ranges_and_matches_each_hour_alone(store):
    assert hour_ranges([HOUR + timedelta(hours=2), HOUR, HOUR + timedelta(hours=1), HOUR - timedelta(weeks=1)]) == [
        (HOUR - timedelta(weeks=1), HOUR - timedelta(weeks=1, hours=-1)), (HOUR, HOUR + timedelta(hours=3))]
    rng = np.random.default_rng(7)
    seed(store, history(rng, START, HOUR + timedelta(hours=3)) + storm(rng))
    hours = [HOUR + timedelta(hours=n) for n in range(-2, 3)]
    scanned = scan_alerts(store, hours)
    assert [r.hour for r in scanned] == hours
    assert [r.tests for r in scanned] == [find_alerts(store, h).tests for h in hours]
    assert [bool(r.alerts) for r in scanned] == [False, False, True, False, False]


def test_only_the_compared_hours_are_counted(store):
    rng = np.random.default_rng(3)
    calls = history(rng, START, HOUR + timedelta(hours=2))
    seed(store, calls)
    counts = hourly_counts(store, [HOUR], kinds=("intent",))
    expected = {}
    for c in calls:
        if HOUR <= c.started_at < HOUR + timedelta(hours=1):
            expected[c.intent] = expected.get(c.intent, 0) + 1
    assert {k.name: v[HOUR] for k, v in counts.items() if k.region is None} == expected


@pytest.mark.parametrize("noise_seed", [11, 12, 13])
def test_a_flat_history_with_poisson_noise_raises_no_alert(store, noise_seed):
    seed(store, history(np.random.default_rng(noise_seed), START, HOUR + timedelta(hours=6)))
    tested = 0
    for hours_later in range(6):
        report = find_alerts(store, AT + timedelta(hours=hours_later))
        tested += len(report.tests)
        assert report.alerts == [], [t.key.label() for t in report.alerts]
    assert tested >= 60  # intents, terms and categories, nationally and per province, were tested


def _summary_calls() -> list[SeedCall]:
    day = datetime(2026, 11, 29, 23, 30, tzinfo=timezone.utc)  # 30 Nov 07:30 in Shanghai
    fail = [("no_match", "main", {"heard": "退 货 13912345678"}), ("no_input", "main", {})]
    return [
        SeedCall(day, intent="order_status", skill="orders", outcome="self_served", final_node="order_found"),
        SeedCall(day, intent="order_status", skill="orders", outcome="self_served", final_node="order_found"),
        SeedCall(day, intent="return_request", skill="after_sales", outcome="routed", priority=5,
                 events=[*fail, ("queue_result", "route", {"result": "bridged", "queue_time_s": "30"})],
                 caller_turns=["退货"], emotion="agitated"),
        SeedCall(day, intent="return_request", skill="after_sales", outcome="routed", priority=3,
                 events=[("queue_result", "route", {"result": "bridged", "queue_time_s": "10"})],
                 caller_turns=["退货"], emotion="calm"),
        SeedCall(day + timedelta(hours=1), outcome="abandoned", final_node="after_sales",
                 events=[("no_input", "after_sales", {})] * 2),
        SeedCall(day - timedelta(hours=9), outcome="abandoned", final_node="main", events=fail),
        # known only from its status callback: the first webhook died with a web worker
        SeedCall(day + timedelta(hours=2), outcome="abandoned", final_node=None, events=[("unanswered", "", {})]),
    ]


def test_summary_of_a_known_day(store):
    seed(store, _summary_calls())
    s = summarize(store, datetime(2026, 11, 29, tzinfo=timezone.utc), datetime(2026, 12, 1, tzinfo=timezone.utc),
                  timezone="Asia/Shanghai")
    assert s.calls == 7
    assert s.containment.finished == 7 and s.containment.self_served == 2 and s.containment.rate == pytest.approx(2 / 7)
    # days on the hotline's clock: 23:30 UTC is the next morning in Shanghai, 14:30 UTC the same evening
    days = {(d.day.isoformat(), d.intent, d.skill): d.calls for d in s.per_day}
    assert days[("2026-11-30", "order_status", "orders")] == 2
    assert days[("2026-11-30", "return_request", "after_sales")] == 2
    assert days[("2026-11-30", None, None)] == 2 and days[("2026-11-29", None, None)] == 1
    assert {(a.node, a.calls) for a in s.abandonment} == {("main", 1), ("after_sales", 1), ("(not answered)", 1)}
    top = s.failures[0]
    assert (top.node, top.no_input, top.no_match) == ("main", 2, 2)
    assert top.heard == (("退 货 ###########", 2),)  # digits masked
    assert (s.failures[1].node, s.failures[1].no_input) == ("after_sales", 2)
    assert {(e.skill, e.label, e.share) for e in s.emotions} == {("after_sales", "agitated", 0.5),
                                                                  ("after_sales", "calm", 0.5)}
    [queue] = [q for q in s.queues if q.skill == "after_sales"]
    assert (queue.calls, queue.avg_priority, queue.avg_wait_s) == (2, 4.0, 20.0)
    data = s.to_dict()
    assert data["containment"]["rate"] == pytest.approx(2 / 7) and data["failures"][0]["total"] == 4
