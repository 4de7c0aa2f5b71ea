"""Stored analyses: a call's analysis with its turns, rule results and follow-ups.

One analysis per call: saving again (a retried job, a re-analysis) replaces the previous one in
one transaction, so the same recording twice gives one analysis. Re-running the rules
(:meth:`AnalysisStore.replace_outcome`) swaps only the rule results and the open follow-ups the
rules made; every result row records the ``rules_version`` that produced it. A follow-up a person
already closed stays closed when the same promise (category, said_at_ms) comes back.

Both transcripts are kept: ``turns.text`` (unredacted) and ``turns.redacted_text``; the web app
decides who may read which (see :func:`qa.store.search.search_turns` ``redacted=``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Iterator

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qa.analysis import CallAnalysis, FollowUpSpec, RulesOutcome
from qa.store.calls import CallStore
from qa.store.errors import CallNotFound, StoreError
from qa.store.models import (Analysis, Call, FollowUpRow, Recording, RuleResultRow, TurnRow, aware, lock_for_write,
                             utc, utcnow)
from qa.store.search import normalise

FOLLOWUP_STATUSES = ("open", "done", "cancelled")


@dataclass(frozen=True)
class StoredAnalysis:
    call_sid: str
    analysis: CallAnalysis
    outcome: RulesOutcome
    #: paths of the channel WAVs ({"original": [...], "redacted": [...]}) or None
    audio: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class FollowUpRecord:
    id: int
    call_sid: str
    category: str
    #: promise | complaint_sla
    kind: str
    text: str
    party: str | None
    said_at_ms: int
    due_at: datetime
    #: open | done | cancelled
    status: str
    rules_version: str | None
    created_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    note: str | None

    def overdue(self, now: datetime | None = None) -> bool:
        return self.status == "open" and self.due_at < (now or utcnow())


@dataclass(frozen=True)
class RecordingRecord:
    sid: str
    call_sid: str
    url: str
    channels: int
    duration_s: int | None
    status: str
    received_at: datetime


class AnalysisStore:
    """Analyses, recordings and follow-ups, in the same database as the calls."""

    def __init__(self, store: CallStore):
        self.store = store

    # ---- recordings --------------------------------------------------------------

    def add_recording(self, sid: str, call_sid: str, url: str, channels: int, duration_s: int | None,
                      status: str) -> bool:
        """Remember a recording (Twilio retries callbacks: the same sid twice is stored once).

        Returns whether it was new.
        """
        try:
            with self.store.session() as s:
                lock_for_write(s)
                if s.scalar(select(Recording.id).where(Recording.sid == sid)) is not None:
                    return False
                s.add(Recording(sid=sid, call_sid=call_sid, url=url, channels=channels, duration_s=duration_s,
                                status=status))
                return True
        except StoreError as exc:
            if isinstance(exc.__cause__, IntegrityError):
                return False  # a concurrent callback stored it first
            raise

    def get_recording(self, sid: str) -> RecordingRecord | None:
        with self.store.session() as s:
            row = s.scalar(select(Recording).where(Recording.sid == sid))
            if row is None:
                return None
            return RecordingRecord(row.sid, row.call_sid, row.url, row.channels, row.duration_s, row.status,
                                   aware(row.received_at))

    # ---- analyses ----------------------------------------------------------------

    def save_analysis(self, call_sid: str, analysis: CallAnalysis, outcome: RulesOutcome, *,
                      audio: dict[str, Any] | None = None) -> int:
        """Store the analysis of a call with its turns, rule results and follow-ups; returns its id.

        Replaces a previous analysis of the call (same id, ``created_at`` kept). Raises
        :class:`CallNotFound` when the store never saw the call.
        """
        with self.store.session() as s:
            call = _call_for_update(s, call_sid)
            row = s.scalar(select(Analysis).where(Analysis.call_id == call.id))
            now = utcnow()
            if row is None:
                row = Analysis(call_id=call.id, created_at=now)
                s.add(row)
            else:
                s.execute(delete(TurnRow).where(TurnRow.analysis_id == row.id))
            row.recording_sid = analysis.recording_sid
            row.mode = analysis.mode
            row.model = analysis.model
            row.language = analysis.facts.locale
            row.duration_ms = analysis.duration_ms
            row.caller_emotion = _party_label(analysis, "caller")
            row.agent_emotion = _party_label(analysis, "agent")
            row.data = analysis.to_dict()
            row.audio = audio
            row.updated_at = now
            self._set_outcome(s, row, call, outcome)
            s.flush()
            s.add_all(_turn_rows(row.id, call.id, analysis))
            return row.id

    def replace_outcome(self, call_sid: str, outcome: RulesOutcome) -> None:
        """Swap a stored analysis' rule results and open rule-made follow-ups (``hotline qa rerun``)."""
        with self.store.session() as s:
            call = _call_for_update(s, call_sid)
            row = s.scalar(select(Analysis).where(Analysis.call_id == call.id))
            if row is None:
                raise CallNotFound(f"call {call_sid!r} has no stored analysis")
            self._set_outcome(s, row, call, outcome)
            row.updated_at = utcnow()

    def _set_outcome(self, s: Session, row: Analysis, call: Call, outcome: RulesOutcome) -> None:
        row.outcome = outcome.to_dict()
        row.rules_version = outcome.rules_version
        row.score = float(outcome.score)
        if row.id is not None:
            s.execute(delete(RuleResultRow).where(RuleResultRow.analysis_id == row.id))
        else:
            s.flush()
        s.add_all(
            RuleResultRow(analysis_id=row.id, call_id=call.id, rules_version=outcome.rules_version,
                          category=c.category, severity=c.severity, points=float(c.points), dimension=c.dimension,
                          title=c.title, matches=[asdict(m) for m in c.matches])
            for c in outcome.categories
        )
        # open rule-made follow-ups are the rules' to redo; closed ones (and hand-made ones) are people's
        s.execute(delete(FollowUpRow).where(FollowUpRow.call_id == call.id, FollowUpRow.status == "open",
                                            FollowUpRow.rules_version.is_not(None)))
        closed = {(f.category, f.said_at_ms): f for f in s.scalars(
            select(FollowUpRow).where(FollowUpRow.call_id == call.id, FollowUpRow.rules_version.is_not(None)))}
        started = utc(call.started_at)
        for spec in outcome.followups:
            kept = closed.get((spec.category, spec.said_at_ms))
            if kept is not None:
                kept.analysis_id = row.id
                continue
            s.add(_followup_row(spec, call.id, row.id, started, outcome.rules_version))

    def get(self, call_sid: str) -> StoredAnalysis | None:
        with self.store.session() as s:
            found = s.execute(select(Analysis, Call.sid).join(Call, Call.id == Analysis.call_id)
                              .where(Call.sid == call_sid)).first()
            return _stored(*found) if found else None

    def iter_stored(self, since: datetime | None = None, until: datetime | None = None, *,
                    batch: int = 200) -> Iterator[StoredAnalysis]:
        """Every stored analysis (of calls started in [since, until)), oldest first, read in batches
        so a rerun over many calls never holds them all (nor one long transaction)."""
        last_id = 0
        while True:
            with self.store.session() as s:
                query = (select(Analysis, Call.sid).join(Call, Call.id == Analysis.call_id)
                         .where(Analysis.id > last_id).order_by(Analysis.id).limit(batch))
                if since is not None:
                    query = query.where(Call.started_at >= utc(since))
                if until is not None:
                    query = query.where(Call.started_at < utc(until))
                rows = s.execute(query).all()
                page = [_stored(a, sid) for a, sid in rows]
            if not rows:
                return
            last_id = rows[-1][0].id
            yield from page

    # ---- follow-ups --------------------------------------------------------------

    def followups(self, *, status: str | None = "open", overdue: bool = False,
                  now: datetime | None = None, call_sid: str | None = None) -> list[FollowUpRecord]:
        """Follow-ups by due time (``status=None``: any status; ``overdue``: open and past due)."""
        if status is not None and status not in FOLLOWUP_STATUSES:
            raise ValueError(f"unknown follow-up status {status!r} (one of {', '.join(FOLLOWUP_STATUSES)})")
        with self.store.session() as s:
            query = (select(FollowUpRow, Call.sid).join(Call, Call.id == FollowUpRow.call_id)
                     .order_by(FollowUpRow.due_at, FollowUpRow.id))
            if overdue:
                query = query.where(FollowUpRow.status == "open", FollowUpRow.due_at < utc(now or utcnow()))
            elif status is not None:
                query = query.where(FollowUpRow.status == status)
            if call_sid is not None:
                query = query.where(Call.sid == call_sid)
            return [_followup(f, sid) for f, sid in s.execute(query)]

    def close_followup(self, followup_id: int, by: str, note: str = "", *, status: str = "done") -> FollowUpRecord:
        """Mark a follow-up done (or cancelled) by a person; raises :class:`StoreError` if unknown."""
        if status not in ("done", "cancelled"):
            raise ValueError(f"a follow-up is closed as done or cancelled, not {status!r}")
        with self.store.session() as s:
            lock_for_write(s)
            found = s.execute(select(FollowUpRow, Call.sid).join(Call, Call.id == FollowUpRow.call_id)
                              .where(FollowUpRow.id == followup_id).with_for_update(of=FollowUpRow)).first()
            if found is None:
                raise StoreError(f"no follow-up with id {followup_id}")
            row, sid = found
            row.status = status
            row.closed_at = utcnow()
            row.closed_by = by
            row.note = note
            s.flush()
            return _followup(row, sid)

    def stats(self, now: datetime | None = None) -> dict[str, int]:
        """Row counts: analyses, turns, rule_results, recordings, followups_<status>, followups_overdue."""
        with self.store.session() as s:
            counts = {name: s.scalar(select(func.count()).select_from(model)) for name, model in (
                ("analyses", Analysis), ("turns", TurnRow), ("rule_results", RuleResultRow),
                ("recordings", Recording))}
            by_status = dict(s.execute(select(FollowUpRow.status, func.count()).group_by(FollowUpRow.status)).all())
            for status in FOLLOWUP_STATUSES:
                counts[f"followups_{status}"] = by_status.get(status, 0)
            counts["followups_overdue"] = s.scalar(select(func.count()).select_from(FollowUpRow).where(
                FollowUpRow.status == "open", FollowUpRow.due_at < utc(now or utcnow())))
            return counts


def _call_for_update(s: Session, call_sid: str) -> Call:
    lock_for_write(s)
    call = s.scalar(select(Call).where(Call.sid == call_sid).with_for_update())
    if call is None:
        raise CallNotFound(f"no call with sid {call_sid!r}")
    return call


def _party_label(analysis: CallAnalysis, party: str) -> str | None:
    emotion = analysis.emotion.get(party)
    return emotion.label if emotion else None


def _turn_rows(analysis_id: int, call_id: int, analysis: CallAnalysis) -> list[TurnRow]:
    return [
        TurnRow(analysis_id=analysis_id, call_id=call_id, seq=seq, party=t.party, start_ms=t.start_ms,
                end_ms=t.end_ms, text=t.text, redacted_text=t.redacted_text, search_text=normalise(t.text),
                search_redacted=None if t.redacted_text is None else normalise(t.redacted_text),
                words=[asdict(w) for w in t.words], confidence=float(t.confidence), intent=t.intent,
                emotion_label=t.emotion.label if t.emotion else None,
                emotion_peak=t.emotion.peak if t.emotion else None)
        for seq, t in enumerate(analysis.turns, start=1)
    ]


def _followup_row(spec: FollowUpSpec, call_id: int, analysis_id: int, started: datetime,
                  rules_version: str) -> FollowUpRow:
    return FollowUpRow(call_id=call_id, analysis_id=analysis_id, category=spec.category, kind=spec.kind,
                       text=spec.text, party=spec.party, said_at_ms=spec.said_at_ms,
                       due_at=started + timedelta(seconds=spec.due_in_s), status="open",
                       rules_version=rules_version, created_at=utcnow())


def _stored(row: Analysis, call_sid: str) -> StoredAnalysis:
    return StoredAnalysis(call_sid=call_sid, analysis=CallAnalysis.from_dict(row.data),
                          outcome=RulesOutcome.from_dict(row.outcome), audio=row.audio,
                          created_at=aware(row.created_at), updated_at=aware(row.updated_at))


def _followup(row: FollowUpRow, call_sid: str) -> FollowUpRecord:
    return FollowUpRecord(id=row.id, call_sid=call_sid, category=row.category, kind=row.kind, text=row.text,
                          party=row.party, said_at_ms=row.said_at_ms, due_at=aware(row.due_at), status=row.status,
                          rules_version=row.rules_version, created_at=aware(row.created_at),
                          closed_at=aware(row.closed_at), closed_by=row.closed_by, note=row.note)
