"""Caller profiles on real SQLite (and PostgreSQL in CI): counts, windows, demo data, errors."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from store_testing import backends, database_url

from ivr.profiles import DEMO_CALLERS, CallerProfiles, ProfileError, SqliteCallerProfiles, normalize_phone
from ivr.router import Router, RoutingRequest

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc)


@pytest.fixture(params=backends())
def profiles(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        store = SqliteCallerProfiles(url)
        yield store
        store.close()


def test_unknown_and_withheld_callers_have_no_profile(profiles):
    assert isinstance(profiles, CallerProfiles)
    assert profiles.get("+8613900000000", now=NOW) is None
    for withheld in ("anonymous", "client:alice", "", "+266696687x"):
        assert profiles.get(withheld, now=NOW) is None
        profiles.record_call(withheld, "order_status", NOW)  # nothing to grow, no error


def test_calls_are_counted_over_the_last_seven_days(profiles):
    number = "+86 138-0000-0042"
    for days_ago, intent in ((8, "invoice_request"), (6, "delivery_delay"), (1, "delivery_delay"), (0.01, "refund_status")):
        profiles.record_call(number, intent, NOW - timedelta(days=days_ago))
    profiles.record_call(number, "complaint", NOW + timedelta(hours=1))  # after "now": not seen yet
    profile = profiles.get("+8613800000042", now=NOW)
    assert profile.phone_number == "+8613800000042"
    assert profile.calls_last_7_days == 3
    assert profile.last_intent == "refund_status"
    assert profile.last_call_at == NOW - timedelta(days=0.01)
    assert profile.plus_level == "none" and not profile.is_plus and profile.open_complaints == 0
    assert profiles.get(number, now=NOW + timedelta(days=2)).last_intent == "complaint"


def test_stored_profile_fields_and_upsert(profiles):
    profiles.set_profile("+8613800000043", plus_level="plus", open_complaints=1)
    profiles.set_profile("+8613800000043", plus_level="svip", open_complaints=2)
    profile = profiles.get("+8613800000043", now=NOW)
    assert (profile.plus_level, profile.open_complaints, profile.calls_last_7_days, profile.last_intent) == ("svip", 2, 0, None)


def test_demo_callers_are_seeded_once_and_route_as_documented(profiles):
    assert profiles.seed_demo(now=NOW) == list(DEMO_CALLERS)
    profiles.seed_demo(now=NOW)  # idempotent: no duplicated calls
    repeat = profiles.get("+8613800000002", now=NOW)
    assert (repeat.open_complaints, repeat.calls_last_7_days, repeat.last_intent) == (1, 2, "delivery_delay")
    assert profiles.get("+14155550101", now=NOW).calls_last_7_days == 4
    assert profiles.get("+8613800000004", now=NOW).calls_last_7_days == 0  # 10 days ago

    router = Router.from_yaml()
    decision = router.route(RoutingRequest("delivery_delay", profile=repeat))
    assert decision.attributes["rules"] == ["repeat_same_issue", "open_complaint"]
    plus = router.route(RoutingRequest("order_status", profile=profiles.get("+8613800000001", now=NOW)))
    assert plus.attributes["rules"] == ["plus_member"] and plus.priority == 60


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"phone_number": "anonymous"}, "is not a phone number"),
        ({"phone_number": "+8613800000044", "plus_level": "gold"}, "plus_level 'gold' is not one of none, plus, svip"),
        ({"phone_number": "+8613800000044", "open_complaints": -1}, "must not be negative"),
    ],
)
def test_bad_profile_writes(profiles, kwargs, message):
    with pytest.raises(ProfileError, match=message):
        profiles.set_profile(**kwargs)


def test_database_failures_are_profile_errors(tmp_path):
    with pytest.raises(ProfileError, match="cannot open caller profiles"):
        SqliteCallerProfiles(f"sqlite:///{tmp_path}/missing-dir/x.sqlite3")
    with pytest.raises(ProfileError, match="cannot open caller profiles"):
        SqliteCallerProfiles("nosuchdb://x")


def test_in_memory_profiles_are_shared_across_threads():
    store = SqliteCallerProfiles()  # the default: in-memory SQLite
    store.set_profile("+8613800000045", plus_level="plus")
    seen = []
    worker = threading.Thread(target=lambda: seen.append(store.get("+8613800000045", now=NOW)))
    worker.start()
    worker.join()
    assert seen[0] is not None and seen[0].plus_level == "plus"


def test_phone_normalisation():
    assert normalize_phone("+1 (415) 555-0100") == "+14155550100"
    assert normalize_phone("client:bob") is None
