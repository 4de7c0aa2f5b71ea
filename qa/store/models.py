"""SQLAlchemy 2 models of the store: calls and their events (schema 1), QA tables (schema 2), the
review web app's tables (schema 3).

Portable types only (no SQLite-only SQL), so the same models run on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

#: bump (with a new migration in qa/store/migrations/versions/) when the tables change; a database
#: with another version is refused with a clear error, an older one is upgraded by `hotline db init`
SCHEMA_VERSION = 3


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; the store writes only UTC, so say so."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


def utc(value: datetime | None) -> datetime | None:
    """A time to compare in SQL, in UTC: SQLite compares the text, which has no zone."""
    if value is None:
        return None
    return aware(value).astimezone(timezone.utc)


def lock_for_write(session: Session) -> None:
    """Make a read-then-write SQLite transaction take the write lock first (``BEGIN IMMEDIATE``).

    SQLite in WAL mode starts a transaction as a reader; when another connection commits before
    this one's first write, the write fails at once with "database is locked" (the busy timeout
    does not apply to a stale snapshot). Taking the lock up front makes writers queue instead.
    Call it first thing in the session; PostgreSQL needs nothing (row locks do the job there).
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("BEGIN IMMEDIATE"))


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class SchemaInfo(Base):
    __tablename__ = "hotline_schema"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class Call(Base):
    """One phone call through the IVR."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    caller: Mapped[str] = mapped_column(String(64), default="")
    called: Mapped[str] = mapped_column(String(64), default="")
    locale: Mapped[str] = mapped_column(String(16))
    #: indexed since schema 2 (search and lists are newest first)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Twilio call status last seen (in-progress, completed, busy, failed, no-answer, canceled)
    status: Mapped[str] = mapped_column(String(32), default="in-progress")
    #: in_ivr | self_served | routed | abandoned | hangup
    outcome: Mapped[str] = mapped_column(String(32), default="in_ivr", index=True)
    #: node the caller was in when the IVR part ended (or they hung up)
    final_node: Mapped[str | None] = mapped_column(String(64), nullable=True)
    skill: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    intent: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    priority: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    duration_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: the flow engine's state between webhooks (so any worker serves any request)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: optimistic lock for state updates
    state_version: Mapped[int] = mapped_column(Integer, default=0)

    events: Mapped[list["CallEventRow"]] = relationship(
        back_populates="call", order_by="CallEventRow.seq", cascade="all, delete-orphan"
    )


class CallEventRow(Base):
    """One step on a call's path (node entered, digits, reprompt, lookup, route ...)."""

    __tablename__ = "call_events"
    __table_args__ = (UniqueConstraint("call_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    node: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    call: Mapped[Call] = relationship(back_populates="events")


# ---- QA (schema 2): recordings, jobs, analyses and what they are made of -----------------
#
# The tables are created by the Alembic migrations in qa/store/migrations/ (not by create_all);
# these models must stay equal to what the migrations make (tests/qa/test_qa_migrations.py
# compares them). The full-text index over turns is migration-only DDL (an FTS5 table on SQLite,
# pg_trgm GIN indexes on PostgreSQL): see qa/store/search.py.


class Recording(Base):
    """A recording Twilio told us about (the status callback); no FK: it may name a call we never saw."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(Text)
    channels: Mapped[int] = mapped_column(Integer, default=1)
    duration_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Twilio's RecordingStatus (completed, absent, failed)
    status: Mapped[str] = mapped_column(String(32), default="completed")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Job(Base):
    """A durable job: the embedded worker pool claims these (see qa/store/jobs.py)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_claim", "status", "run_after"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    #: what makes two jobs the same job (e.g. "analyse:RE123"): enqueueing it twice gives one job
    key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: pending | running | done | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: how many times a worker claimed it
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    run_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: a running job whose lease passed belongs to a dead worker: another one may take it
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    worker: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Analysis(Base):
    """The post-call analysis of one call (one per call: analysing again replaces it)."""

    __tablename__ = "analyses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    recording_sid: Mapped[str] = mapped_column(String(64), index=True)
    #: transcript | spotting
    mode: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(16))
    duration_ms: Mapped[int] = mapped_column(Integer, index=True)
    #: the call-level emotion label of each party (search filters)
    caller_emotion: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    agent_emotion: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    #: CallAnalysis.to_dict()
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: RulesOutcome.to_dict() of the rules that last ran (rule_results/followups are its rows)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: paths of the channel WAVs, original and redacted ({"original": [...], "redacted": [...]})
    audio: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    rules_version: Mapped[str] = mapped_column(String(128), index=True)
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class TurnRow(Base):
    """One turn of an analysis; ``search_text``/``search_redacted`` are what full-text search reads."""

    __tablename__ = "turns"
    __table_args__ = (Index("ix_turns_call_seq", "call_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), index=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    party: Mapped[str] = mapped_column(String(8))
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    #: None: redaction never ran on this turn (it is then left out of redacted search)
    redacted_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: qa.store.search.normalise(text) / normalise(redacted_text)
    search_text: Mapped[str] = mapped_column(Text)
    search_redacted: Mapped[str | None] = mapped_column(Text, nullable=True)
    words: Mapped[list[Any]] = mapped_column(JSON, default=list)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    intent: Mapped[str | None] = mapped_column(String(32), nullable=True)
    emotion_label: Mapped[str | None] = mapped_column(String(16), nullable=True)
    emotion_peak: Mapped[float | None] = mapped_column(Float, nullable=True)


class RuleResultRow(Base):
    """One category that fired on a call, with the rules version that produced it."""

    __tablename__ = "rule_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"), index=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    rules_version: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    points: Mapped[float] = mapped_column(Float)
    dimension: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text, default="")
    matches: Mapped[list[Any]] = mapped_column(JSON, default=list)


class FollowUpRow(Base):
    """A promise or complaint SLA with its due time; closed by a person (``closed_by``)."""

    __tablename__ = "followups"
    __table_args__ = (Index("ix_followups_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    #: the analysis that made it (None: entered by hand); no FK so a closed follow-up outlives re-analysis
    analysis_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    category: Mapped[str] = mapped_column(String(64))
    #: promise | complaint_sla
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    party: Mapped[str | None] = mapped_column(String(8), nullable=True)
    said_at_ms: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: open | done | cancelled
    status: Mapped[str] = mapped_column(String(16), default="open")
    #: the rules version that made it (None: entered by hand)
    rules_version: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


# ---- review (schema 3): the QA web app's users, reviews, scorecards, comments, audit ----------


class User(Base):
    """A person who logs in to the QA web app (``hotline users add``)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    #: werkzeug.security hash (scrypt): never the password itself
    password_hash: Mapped[str] = mapped_column(String(256))
    #: reviewer | supervisor | admin
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: zh-CN | en-US (None: the app's default)
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginThrottle(Base):
    """Failed log-ins per account name (known or not), so guessing is slowed on every worker."""

    __tablename__ = "login_throttle"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the name tried, case-folded
    name: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ReviewRow(Base):
    """A call's review: its state (new/assigned/in_review/done/disputed), reviewer and latest score."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="new", index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    assigned_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: score of the latest submission that counts (None: not scored)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    dispute_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ScorecardSubmission(Base):
    """One completed scorecard; every submission is kept (history), a reopened one is marked."""

    __tablename__ = "scorecard_submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the form's ``id@version``
    form: Mapped[str] = mapped_column(String(128))
    #: {question id: {"value": ..., "prefilled": ..., "note": ...}}
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float)
    #: per-section scores, for the history table
    sections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reopened_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class CommentRow(Base):
    """A reviewer's or supervisor's comment on a call (optionally at a time in the recording)."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditRow(Base):
    """Who read personal data (an unredacted call, its audio or export) or changed an account, when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    #: a name, not a foreign key: the log outlives a renamed or removed account
    user_name: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(32))
    call_sid: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    remote_addr: Mapped[str | None] = mapped_column(String(64), nullable=True)


class SavedSearch(Base):
    """A supervisor's named call-list query (the list page's query string)."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    query: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
