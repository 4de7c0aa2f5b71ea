"""Reviews of analysed calls: the review list, states and assignments, scorecard submissions
(every one kept), comments, the audit log and saved searches.

A call without a ``reviews`` row is ``new``: rows are made on first assignment, so neither
the pipeline nor the 0003 upgrade writes anything for calls nobody reviews yet. State changes go
through :func:`qa.review.next_state` inside one locked transaction, so two people acting on the
same call at once cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import exists, func, or_, select, true, update
from sqlalchemy.orm import Session, aliased

from qa.review import next_state
from qa.store.calls import CallStore
from qa.store.errors import CallNotFound, StoreError
from qa.store.models import (Analysis, AuditRow, Call, CommentRow, ReviewRow, RuleResultRow, SavedSearch,
                             ScorecardSubmission, User, aware, lock_for_write, utc, utcnow)
from qa.store.search import calls_saying

#: sort key -> column (the list page offers these; anything else is refused)
SORTS = {
    "started": Call.started_at,
    "duration": Analysis.duration_ms,
    "qa_score": Analysis.score,
    "review_score": ReviewRow.score,
}
_STATE = func.coalesce(ReviewRow.state, "new")


@dataclass(frozen=True)
class CallFilters:
    """What narrows the review list (None / empty: no filter)."""

    since: datetime | None = None
    until: datetime | None = None
    skill: str | None = None
    intent: str | None = None
    outcome: str | None = None
    category: str | None = None
    #: the call-level emotion label of ``emotion_party`` (caller / agent; None: either of them)
    emotion: str | None = None
    emotion_party: str | None = None
    min_duration_ms: int | None = None
    max_duration_ms: int | None = None
    state: str | None = None
    assignee_id: int | None = None
    #: only these calls, in any order
    sids: Sequence[str] | None = None
    #: only calls with a turn containing this text (qa.store.search matching)
    said: str | None = None
    #: match ``said`` against the redacted transcript (reviewers) or the real one
    redacted: bool = True


@dataclass(frozen=True)
class CallRow:
    """One line of the review list."""

    sid: str
    caller: str
    started_at: datetime
    locale: str
    outcome: str
    skill: str | None
    intent: str | None
    priority: int | None
    duration_ms: int
    caller_emotion: str | None
    agent_emotion: str | None
    #: the rules' points (qa.analysis.RulesOutcome.score)
    qa_score: float
    state: str
    assignee: str | None
    review_score: float | None
    categories: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewRecord:
    call_sid: str
    state: str
    assignee_id: int | None
    assignee: str | None
    assigned_by: str | None
    score: float | None
    dispute_note: str | None
    updated_at: datetime | None


@dataclass(frozen=True)
class SubmissionRecord:
    id: int
    reviewer: str
    form: str
    answers: dict[str, Any]
    score: float
    sections: dict[str, Any]
    note: str
    submitted_at: datetime
    reopened_at: datetime | None
    reopened_by: str | None


@dataclass(frozen=True)
class CommentRecord:
    id: int
    author: str
    at_ms: int | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class AuditRecord:
    at: datetime
    user_name: str
    action: str
    call_sid: str | None
    detail: dict[str, Any]
    remote_addr: str | None


@dataclass(frozen=True)
class SavedSearchRecord:
    id: int
    name: str
    query: dict[str, Any]


class ReviewStore:
    """The review side of the QA store (same database as calls and analyses)."""

    def __init__(self, store: CallStore):
        self.store = store

    # ---- the list ----------------------------------------------------------------

    def list_calls(self, filters: CallFilters = CallFilters(), *, sort: str = "started", descending: bool = True,
                   limit: int = 25, offset: int = 0) -> tuple[int, list[CallRow]]:
        """Analysed calls matching ``filters``: ``(how many in all, this page)``."""
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r} (one of {', '.join(SORTS)})")
        assignee = aliased(User)
        column = SORTS[sort]
        order = [column.desc().nulls_last() if descending else column.asc().nulls_last(), Call.id.desc()]
        with self.store.session() as s:
            conditions = _conditions(filters)
            if filters.said:
                conditions.append(Call.id.in_(calls_saying(s, filters.said, redacted=filters.redacted)))
            base = (select(Call.id).join(Analysis, Analysis.call_id == Call.id)
                    .outerjoin(ReviewRow, ReviewRow.call_id == Call.id).where(true(), *conditions))
            total = s.scalar(select(func.count()).select_from(base.subquery()))
            rows = s.execute(
                select(Call, Analysis.duration_ms, Analysis.caller_emotion, Analysis.agent_emotion, Analysis.score,
                       _STATE, assignee.name, ReviewRow.score)
                .join(Analysis, Analysis.call_id == Call.id)
                .outerjoin(ReviewRow, ReviewRow.call_id == Call.id)
                .outerjoin(assignee, assignee.id == ReviewRow.assignee_id)
                .where(true(), *conditions).order_by(*order).limit(limit).offset(offset)
            ).all()
            ids = [row[0].id for row in rows]
            categories: dict[int, list[str]] = {}
            if ids:
                for call_id, category in s.execute(select(RuleResultRow.call_id, RuleResultRow.category)
                                                   .where(RuleResultRow.call_id.in_(ids))
                                                   .order_by(RuleResultRow.id)):
                    categories.setdefault(call_id, []).append(category)
            return total, [
                CallRow(c.sid, c.caller, aware(c.started_at), c.locale, c.outcome, c.skill, c.intent, c.priority,
                        duration, caller_emotion, agent_emotion, qa_score, state, who, review_score,
                        categories.get(c.id, []))
                for c, duration, caller_emotion, agent_emotion, qa_score, state, who, review_score in rows
            ]

    def facets(self) -> dict[str, list[str]]:
        """The values the list's filters can take (skills, intents, outcomes, categories)."""
        with self.store.session() as s:
            analysed = select(Analysis.call_id)

            def distinct(column, where=None) -> list[str]:
                query = select(column).distinct().where(column.is_not(None))
                if where is not None:
                    query = query.where(where)
                return sorted(v for v in s.scalars(query) if v)

            return {"skill": distinct(Call.skill, Call.id.in_(analysed)),
                    "intent": distinct(Call.intent, Call.id.in_(analysed)),
                    "outcome": distinct(Call.outcome, Call.id.in_(analysed)),
                    "category": distinct(RuleResultRow.category)}

    def dashboard(self) -> dict[str, Any]:
        """Counts for the supervisor's dashboard: calls per review state, mean scores, top categories."""
        with self.store.session() as s:
            states = dict(s.execute(select(_STATE, func.count()).select_from(Analysis)
                                    .join(Call, Call.id == Analysis.call_id)
                                    .outerjoin(ReviewRow, ReviewRow.call_id == Call.id).group_by(_STATE)).all())
            categories = s.execute(select(RuleResultRow.category, func.count()).group_by(RuleResultRow.category)
                                   .order_by(func.count().desc(), RuleResultRow.category).limit(8)).all()
            return {
                "states": states,
                "analysed": sum(states.values()),
                "mean_review_score": s.scalar(select(func.avg(ReviewRow.score))),
                "reviewed": s.scalar(select(func.count()).select_from(ReviewRow).where(ReviewRow.score.is_not(None))),
                "categories": [(c, n) for c, n in categories],
            }

    # ---- one review --------------------------------------------------------------

    def review(self, call_sid: str) -> ReviewRecord:
        """The call's review (state ``new`` when nobody touched it); :class:`CallNotFound` if unknown."""
        with self.store.session() as s:
            call_id = _call_id(s, call_sid)
            row = s.scalar(select(ReviewRow).where(ReviewRow.call_id == call_id))
            if row is None:
                return ReviewRecord(call_sid, "new", None, None, None, None, None, None)
            name = s.scalar(select(User.name).where(User.id == row.assignee_id)) if row.assignee_id else None
            return ReviewRecord(call_sid, row.state, row.assignee_id, name, row.assigned_by, row.score,
                                row.dispute_note, aware(row.updated_at))

    def act(self, call_sid: str, action: str, *, by: str, assignee_id: int | None = None,
            note: str | None = None) -> str:
        """Apply a workflow action (:data:`qa.review.TRANSITIONS`) other than submit; returns the new
        state. ``assign`` needs ``assignee_id``; ``dispute`` keeps ``note``; ``reopen`` marks the
        latest submission reopened and clears the score."""
        with self.store.session() as s:
            row = _review_for_update(s, call_sid)
            row.state = next_state(row.state, action)
            if action == "assign":
                if assignee_id is None or s.get(User, assignee_id) is None:
                    raise StoreError("assign needs an existing reviewer")
                row.assignee_id, row.assigned_by = assignee_id, by
            elif action == "dispute":
                row.dispute_note = note or ""
            elif action == "reopen":
                row.score = None
                s.execute(update(ScorecardSubmission).where(
                    ScorecardSubmission.id == _latest_submission_id(s, row.call_id))
                    .values(reopened_at=utcnow(), reopened_by=by))
            row.updated_at = utcnow()
            return row.state

    def submit(self, call_sid: str, *, reviewer_id: int, form: str, answers: dict[str, Any], score: float,
               sections: dict[str, Any], note: str = "") -> int:
        """Keep a completed scorecard and mark the review done with its score; returns its id."""
        with self.store.session() as s:
            row = _review_for_update(s, call_sid)
            row.state = next_state(row.state, "submit")
            row.score = score
            row.updated_at = utcnow()
            submission = ScorecardSubmission(call_id=row.call_id, reviewer_id=reviewer_id, form=form,
                                             answers=answers, score=score, sections=sections, note=note)
            s.add(submission)
            s.flush()
            return submission.id

    def submissions(self, call_sid: str) -> list[SubmissionRecord]:
        """Every scorecard submitted on the call, newest first."""
        with self.store.session() as s:
            call_id = _call_id(s, call_sid)
            rows = s.execute(select(ScorecardSubmission, User.name).join(User, User.id == ScorecardSubmission.reviewer_id)
                             .where(ScorecardSubmission.call_id == call_id)
                             .order_by(ScorecardSubmission.id.desc())).all()
            return [SubmissionRecord(r.id, name, r.form, r.answers, r.score, r.sections, r.note,
                                     aware(r.submitted_at), aware(r.reopened_at), r.reopened_by) for r, name in rows]

    # ---- comments ----------------------------------------------------------------

    def add_comment(self, call_sid: str, user_id: int, text: str, at_ms: int | None = None) -> int:
        with self.store.session() as s:
            row = CommentRow(call_id=_call_id(s, call_sid), user_id=user_id, text=text, at_ms=at_ms)
            s.add(row)
            s.flush()
            return row.id

    def comments(self, call_sid: str) -> list[CommentRecord]:
        with self.store.session() as s:
            call_id = _call_id(s, call_sid)
            rows = s.execute(select(CommentRow, User.name).join(User, User.id == CommentRow.user_id)
                             .where(CommentRow.call_id == call_id).order_by(CommentRow.id)).all()
            return [CommentRecord(r.id, name, r.at_ms, r.text, aware(r.created_at)) for r, name in rows]

    # ---- audit -------------------------------------------------------------------

    def audit(self, user_name: str, action: str, call_sid: str | None = None, detail: dict[str, Any] | None = None,
              remote_addr: str | None = None) -> None:
        with self.store.session() as s:
            s.add(AuditRow(user_name=user_name, action=action, call_sid=call_sid, detail=detail or {},
                           remote_addr=remote_addr))

    def audit_log(self, *, call_sid: str | None = None, limit: int = 200) -> list[AuditRecord]:
        """The newest entries first."""
        with self.store.session() as s:
            query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
            if call_sid is not None:
                query = query.where(AuditRow.call_sid == call_sid)
            return [AuditRecord(aware(r.at), r.user_name, r.action, r.call_sid, r.detail, r.remote_addr)
                    for r in s.scalars(query)]

    # ---- saved searches ----------------------------------------------------------

    def save_search(self, user_id: int, name: str, query: dict[str, Any]) -> int:
        """Save (or replace) the user's search called ``name``."""
        with self.store.session() as s:
            row = s.scalar(select(SavedSearch).where(SavedSearch.user_id == user_id, SavedSearch.name == name))
            if row is None:
                row = SavedSearch(user_id=user_id, name=name, query=query)
                s.add(row)
            row.query = query
            s.flush()
            return row.id

    def saved_searches(self, user_id: int) -> list[SavedSearchRecord]:
        with self.store.session() as s:
            return [SavedSearchRecord(r.id, r.name, r.query) for r in
                    s.scalars(select(SavedSearch).where(SavedSearch.user_id == user_id).order_by(SavedSearch.name))]

    def delete_search(self, user_id: int, search_id: int) -> bool:
        with self.store.session() as s:
            row = s.get(SavedSearch, search_id)
            if row is None or row.user_id != user_id:
                return False
            s.delete(row)
            return True


def _call_id(s: Session, call_sid: str) -> int:
    call_id = s.scalar(select(Call.id).where(Call.sid == call_sid))
    if call_id is None:
        raise CallNotFound(f"no call with sid {call_sid!r}")
    return call_id


def _review_for_update(s: Session, call_sid: str) -> ReviewRow:
    lock_for_write(s)
    call_id = _call_id(s, call_sid)
    row = s.scalar(select(ReviewRow).where(ReviewRow.call_id == call_id).with_for_update())
    if row is None:
        row = ReviewRow(call_id=call_id, state="new")
        s.add(row)
    return row


def _latest_submission_id(s: Session, call_id: int) -> int | None:
    return s.scalar(select(func.max(ScorecardSubmission.id)).where(ScorecardSubmission.call_id == call_id))


def _conditions(f: CallFilters) -> list:
    found: list = []
    if f.since is not None:
        found.append(Call.started_at >= utc(f.since))
    if f.until is not None:
        found.append(Call.started_at < utc(f.until))
    for column, value in ((Call.skill, f.skill), (Call.intent, f.intent), (Call.outcome, f.outcome)):
        if value:
            found.append(column == value)
    if f.category:
        found.append(exists().where(RuleResultRow.call_id == Call.id, RuleResultRow.category == f.category))
    if f.emotion:
        by_party = {"caller": Analysis.caller_emotion, "agent": Analysis.agent_emotion}
        if f.emotion_party in by_party:
            found.append(by_party[f.emotion_party] == f.emotion)
        else:
            found.append(or_(Analysis.caller_emotion == f.emotion, Analysis.agent_emotion == f.emotion))
    if f.min_duration_ms is not None:
        found.append(Analysis.duration_ms >= f.min_duration_ms)
    if f.max_duration_ms is not None:
        found.append(Analysis.duration_ms <= f.max_duration_ms)
    if f.state:
        found.append(_STATE == f.state)
    if f.assignee_id is not None:
        found.append(ReviewRow.assignee_id == f.assignee_id)
    if f.sids is not None:
        found.append(Call.sid.in_(list(f.sids)))
    return found
