"""Stored analyses on SQLite and PostgreSQL: save/get round trip, idempotent re-save, rules rerun,
follow-ups with due times, recordings, batching, counts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from qa.analysis import (CallAnalysis, CallFacts, CategoryResult, EmotionPoint, FollowUpSpec, Match, PartyEmotion,
                         RulesOutcome, Turn, TurnEmotion, Word)
from qa.store import AnalysisStore, CallNotFound, CallStore, StoreError
from qa.store.models import Call

STARTED = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def analyses(store):
    return AnalysisStore(store)


def add_call(store: CallStore, sid: str, started: datetime = STARTED) -> None:
    store.start_call(sid, caller="+8613800138000", called="+86950618", locale="zh-CN", state={"node": "main"},
                     events=[])
    with store.engine.begin() as conn:  # through the typed column: SQLite compares the text it writes
        conn.execute(sa.update(Call).where(Call.sid == sid).values(started_at=started))


def analysis(sid: str, *, agent_text: str = "您好，很高兴为您服务") -> CallAnalysis:
    return CallAnalysis(
        call_sid=sid, recording_sid=f"RE{sid}", mode="transcript", model="vosk-model-cn-0.22", duration_ms=61_000,
        turns=(
            Turn("caller", 1_000, 4_000, "我要 退货", words=(Word("我要", 1_000, 2_000, 0.9), Word("退货", 2_000, 4_000, 0.8)),
                 confidence=0.85, intent="returns", intent_confidence=0.7, emotion=TurnEmotion("tense", 0.6),
                 redacted_text="我要 退货"),
            Turn("agent", 5_000, 9_000, agent_text, confidence=0.95, redacted_text=agent_text),
        ),
        emotion={"caller": PartyEmotion("caller", (EmotionPoint(0, 2_000, 0.6, "tense", True),), "tense", 0.6, 0.5,
                                        2_000, ("pitch up",)),
                 "agent": PartyEmotion("agent", label="calm")},
        facts=CallFacts(locale="zh-CN", skill="returns", intent="returns", outcome="routed", path=("welcome", "main")),
        agent_start_ms=4_500, characteristics={"total_ms": 61_000},
    )


def outcome(version: str = "qa@1+aaaaaaaa", *, due_in_s: int = 86_400, with_followup: bool = True) -> RulesOutcome:
    return RulesOutcome(
        rules_version=version,
        categories=(CategoryResult("greeting_missing", "minor", -5.0, "politeness", "No greeting",
                                   (Match("agent", 5_000, 9_000, "您好"),)),
                    CategoryResult("complaint", "major", -10.0, "risk", "Caller complained")),
        followups=(FollowUpSpec("promise", "二十四小时内给您回复", "agent", 8_000, due_in_s, "promise"),)
        if with_followup else (),
    )


def test_save_and_get_round_trip(store, analyses):
    add_call(store, "CA1")
    audio = {"original": ["/rec/CA1-0.wav", "/rec/CA1-1.wav"], "redacted": ["/rec/CA1-0.r.wav", "/rec/CA1-1.r.wav"]}
    analyses.save_analysis("CA1", analysis("CA1"), outcome(), audio=audio)
    stored = analyses.get("CA1")
    assert stored.call_sid == "CA1"
    assert stored.analysis == analysis("CA1")
    assert stored.outcome == outcome()
    assert stored.audio == audio
    assert stored.created_at.tzinfo is not None and stored.updated_at >= stored.created_at
    assert analyses.get("CA404") is None
    with store.engine.connect() as conn:
        turns = conn.execute(sa.text("SELECT seq, party, start_ms, text, words, intent, emotion_label, emotion_peak "
                                     "FROM turns ORDER BY seq")).all()
        assert [(t.seq, t.party, t.start_ms, t.text, t.intent, t.emotion_label) for t in turns] == [
            (1, "caller", 1_000, "我要 退货", "returns", "tense"), (2, "agent", 5_000, "您好，很高兴为您服务", None, None)]
        rules = conn.execute(sa.text(
            "SELECT category, rules_version, points FROM rule_results ORDER BY category")).all()
        assert [tuple(r) for r in rules] == [("complaint", "qa@1+aaaaaaaa", -10.0),
                                             ("greeting_missing", "qa@1+aaaaaaaa", -5.0)]
        assert conn.execute(sa.text("SELECT score, caller_emotion, agent_emotion FROM analyses")).one() == (
            -15.0, "tense", "calm")


def test_saving_twice_gives_one_analysis(store, analyses):
    add_call(store, "CA1")
    first = analyses.save_analysis("CA1", analysis("CA1"), outcome())
    created = analyses.get("CA1").created_at
    second = analyses.save_analysis("CA1", analysis("CA1", agent_text="感谢您的来电"), outcome())
    assert first == second
    stored = analyses.get("CA1")
    assert stored.created_at == created and stored.analysis.turns[1].text == "感谢您的来电"
    counts = analyses.stats()
    assert (counts["analyses"], counts["turns"], counts["rule_results"], counts["followups_open"]) == (1, 2, 2, 1)


def test_unknown_call_is_refused(analyses):
    with pytest.raises(CallNotFound, match="CA404"):
        analyses.save_analysis("CA404", analysis("CA404"), outcome())
    with pytest.raises(CallNotFound, match="CA404"):
        analyses.replace_outcome("CA404", outcome())


def test_rerun_swaps_results_and_records_the_new_version(store, analyses):
    add_call(store, "CA1")
    analyses.save_analysis("CA1", analysis("CA1"), outcome("qa@1+aaaaaaaa"))
    new = RulesOutcome("qa@2+bbbbbbbb", (CategoryResult("taboo", "critical", -20.0, "professionalism", "Taboo"),),
                       (FollowUpSpec("complaint_sla", "我要投诉", "caller", 2_000, 3_600, "complaint"),))
    analyses.replace_outcome("CA1", new)
    stored = analyses.get("CA1")
    assert stored.outcome == new and stored.analysis == analysis("CA1")
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT category, rules_version FROM rule_results")).all() == [
            ("taboo", "qa@2+bbbbbbbb")]
        assert conn.execute(sa.text("SELECT rules_version, score FROM analyses")).one() == ("qa@2+bbbbbbbb", -20.0)
    assert [(f.kind, f.rules_version) for f in analyses.followups()] == [("complaint_sla", "qa@2+bbbbbbbb")]
    with pytest.raises(CallNotFound, match="no stored analysis"):
        add_call(store, "CA2")
        analyses.replace_outcome("CA2", new)


def test_followups_are_due_from_the_call_start_and_overdue_after(store, analyses):
    add_call(store, "CA1")
    add_call(store, "CA2", STARTED + timedelta(hours=1))
    analyses.save_analysis("CA1", analysis("CA1"), outcome(due_in_s=86_400))
    analyses.save_analysis("CA2", analysis("CA2"), outcome(due_in_s=7_200))
    open_ = analyses.followups()
    assert [(f.call_sid, f.due_at) for f in open_] == [("CA2", STARTED + timedelta(hours=3)),
                                                       ("CA1", STARTED + timedelta(days=1))]
    assert open_[0].text == "二十四小时内给您回复" and open_[0].rules_version == "qa@1+aaaaaaaa"
    at = STARTED + timedelta(hours=5)
    assert [f.call_sid for f in analyses.followups(overdue=True, now=at)] == ["CA2"]
    # another zone means the same instant
    assert [f.call_sid for f in analyses.followups(overdue=True, now=at.astimezone(timezone(timedelta(hours=8))))] == [
        "CA2"]
    assert open_[0].overdue(at) and not open_[1].overdue(at)
    assert analyses.stats(now=at)["followups_overdue"] == 1

    closed = analyses.close_followup(open_[0].id, by="reviewer@950618", note="called back")
    assert (closed.status, closed.closed_by, closed.note) == ("done", "reviewer@950618", "called back")
    assert closed.closed_at is not None
    assert analyses.followups(overdue=True, now=at) == []
    assert [f.id for f in analyses.followups(status="done")] == [open_[0].id]
    with pytest.raises(StoreError, match="no follow-up with id 9999"):
        analyses.close_followup(9999, by="x")
    with pytest.raises(ValueError, match="unknown follow-up status"):
        analyses.followups(status="late")


def test_a_closed_followup_stays_closed_through_reanalysis_and_rerun(store, analyses):
    add_call(store, "CA1")
    analyses.save_analysis("CA1", analysis("CA1"), outcome())
    [promise] = analyses.followups()
    analyses.close_followup(promise.id, by="lead", status="cancelled")
    analyses.save_analysis("CA1", analysis("CA1"), outcome())          # the job ran again
    analyses.replace_outcome("CA1", outcome("qa@2+cccccccc"))          # and the rules changed
    assert analyses.followups() == []
    [kept] = analyses.followups(status=None)
    assert (kept.id, kept.status, kept.closed_by) == (promise.id, "cancelled", "lead")
    # a rerun whose rules no longer promise anything drops only open ones
    analyses.save_analysis("CA1", analysis("CA1"), outcome(with_followup=False))
    assert [f.status for f in analyses.followups(status=None)] == ["cancelled"]


def test_recordings_are_stored_once(analyses):
    assert analyses.add_recording("RE1", "CA-unknown", "https://api.twilio.com/RE1", 2, 61, "completed") is True
    assert analyses.add_recording("RE1", "CA-unknown", "https://api.twilio.com/RE1", 2, 61, "completed") is False
    record = analyses.get_recording("RE1")
    assert (record.call_sid, record.channels, record.duration_s, record.status) == ("CA-unknown", 2, 61, "completed")
    assert record.received_at.tzinfo is not None
    assert analyses.get_recording("RE2") is None
    assert analyses.stats()["recordings"] == 1


def test_iter_stored_reads_every_analysis_in_batches_with_a_time_window(store, analyses):
    for n in range(7):
        sid = f"CA{n}"
        add_call(store, sid, STARTED + timedelta(days=n))
        analyses.save_analysis(sid, analysis(sid), outcome())
    assert [a.call_sid for a in analyses.iter_stored(batch=3)] == [f"CA{n}" for n in range(7)]
    window = analyses.iter_stored(since=STARTED + timedelta(days=2), until=STARTED + timedelta(days=5), batch=2)
    assert [a.call_sid for a in window] == ["CA2", "CA3", "CA4"]
    assert all(a.outcome.rules_version == "qa@1+aaaaaaaa" for a in analyses.iter_stored())


def test_deleting_a_call_takes_its_analysis_along(store, analyses):
    add_call(store, "CA1")
    analyses.save_analysis("CA1", analysis("CA1"), outcome())
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM calls WHERE sid = 'CA1'")
    counts = analyses.stats()
    assert (counts["analyses"], counts["turns"], counts["rule_results"], counts["followups_open"]) == (0, 0, 0, 0)


def test_public_surface():
    import qa.store

    assert sorted(qa.store.__all__) == sorted([
        "SCHEMA_VERSION", "AnalysisStore", "CallNotFound", "CallRecord", "CallStore", "EventRecord", "FollowUpRecord",
        "JobQueue", "JobRecord", "RecordingRecord", "SchemaMismatch", "SearchHit", "SearchPage", "StateConflict",
        "StoreError", "StoreUnavailable", "StoredAnalysis", "normalise", "search_turns",
        "CallFilters", "CallRow", "ReviewRecord", "ReviewStore", "UserRecord", "UserStore", "make_engine"])
    assert all(hasattr(qa.store, name) for name in qa.store.__all__)
