"""The call store on SQLite and (in CI) PostgreSQL: schema versioning, state locking, outcomes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from qa.store import CallNotFound, CallStore, SchemaMismatch, StateConflict, StoreError, StoreUnavailable
from store_testing import backends, database_url


@pytest.fixture(params=backends())
def store(request, tmp_path):
    with database_url(request.param, tmp_path) as url:
        store = CallStore(url)
        store.init_schema()
        yield store
        store.engine.dispose()


def start(store, sid="CA1", node="main"):
    return store.start_call(sid, caller="+8613800138000", called="+86950618", locale="zh-CN",
                            state={"node": node, "locale": "zh-CN"}, events=[("call_started", "welcome", {"x": 1})])


def test_start_and_read_back(store):
    record, created = start(store)
    assert created and record.state_version == 1
    again, created_again = start(store)
    assert not created_again and again.sid == "CA1"
    full = store.get_call("CA1")
    assert [e.kind for e in full.events] == ["call_started"]
    assert full.events[0].detail == {"x": 1}


def test_save_step_is_optimistically_locked(store):
    start(store)
    store.save_step("CA1", state={"node": "orders", "locale": "en-US"}, expected_version=1,
                    events=[("digits", "main", {"digits": "1"})])
    with pytest.raises(StateConflict):
        store.save_step("CA1", state={"node": "x"}, expected_version=1, events=[])
    record = store.get_call("CA1")
    assert record.state_version == 2 and record.final_node == "orders" and record.locale == "en-US"
    assert [e.seq for e in record.events] == [1, 2]


def test_steps_and_stream_events_on_one_call_at_once_all_land_numbered_in_order(store):
    # a webhook's steps (save_step) while the call's media stream appends events (add_event)
    from concurrent.futures import ThreadPoolExecutor

    start(store)

    def steps():
        for n in range(25):
            record = store.get_call("CA1", with_events=False)
            store.save_step("CA1", state={"node": f"n{n}", "locale": "zh-CN"}, expected_version=record.state_version,
                            events=[("digits", "main", {"n": n}), ("entered", f"n{n}", {})])

    def stream():
        for n in range(25):
            store.add_event("CA1", "emotion", {"n": n})

    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(steps), pool.submit(stream)]:
            done.result()  # neither side failed: no duplicate event number, no "database is locked"
    events = store.get_call("CA1").events
    assert [e.seq for e in events] == list(range(1, 1 + 1 + 25 * 2 + 25))
    assert [e.detail["n"] for e in events if e.kind == "emotion"] == list(range(25))
    assert [e.detail["n"] for e in events if e.kind == "digits"] == list(range(25))


def test_route_and_outcome_are_recorded(store):
    start(store)
    store.save_step("CA1", state={"node": "main"}, expected_version=1, events=[], outcome="routed",
                    route={"skill": "complaints", "intent": "complaint", "priority": 60, "reasons": ["key 7"]})
    record = store.finish_call("CA1", status="completed", duration_s=40)
    assert (record.outcome, record.skill, record.priority, record.reasons) == ("routed", "complaints", 60, ["key 7"])
    assert store.list_calls(skill="complaints")[0].sid == "CA1"
    assert store.list_calls(outcome="abandoned") == []


def test_hang_up_in_menu_is_abandoned_unless_self_served(store):
    start(store, "CA1")
    start(store, "CA2")
    store.save_step("CA2", state={"node": "order_result", "self_served": True}, expected_version=1, events=[])
    assert store.finish_call("CA1", status="completed").outcome == "abandoned"
    assert store.finish_call("CA2", status="completed").outcome == "self_served"


def test_unknown_call(store):
    with pytest.raises(CallNotFound, match="CA404"):
        store.get_call("CA404")


def test_schema_version_mismatch_is_refused(store):
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE hotline_schema SET version = 99"))
    with pytest.raises(SchemaMismatch, match="schema version 99"):
        store.check_schema()
    with pytest.raises(SchemaMismatch):
        store.init_schema()


def test_empty_database_asks_for_init(tmp_path):
    store = CallStore(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with pytest.raises(SchemaMismatch, match="hotline db init"):
        store.check_schema()


def test_unreachable_database_is_one_clear_error():
    store = CallStore("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(StoreUnavailable, match="database unavailable"):
        store.check_schema()


def test_bad_url_is_a_store_error():
    with pytest.raises(StoreError, match="cannot use database URL"):
        CallStore("nosuchdialect://x")
