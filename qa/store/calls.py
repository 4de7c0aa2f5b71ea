"""The call store: call records and events behind one small API.

Every database error is translated into a :mod:`qa.store.errors` error at this boundary,
so the web layer can answer Twilio sensibly when the database is down.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from sqlalchemy import create_engine, event, func, insert, inspect, select, text, update
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from qa.store.errors import CallNotFound, SchemaMismatch, StateConflict, StoreError, StoreUnavailable
from qa.store.models import SCHEMA_VERSION, Call, CallEventRow, SchemaInfo, lock_for_write, utcnow


@dataclass(frozen=True)
class EventRecord:
    seq: int
    at: datetime
    kind: str
    node: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class CallRecord:
    sid: str
    caller: str
    called: str
    locale: str
    started_at: datetime
    ended_at: datetime | None
    status: str
    outcome: str
    final_node: str | None
    skill: str | None
    intent: str | None
    priority: int | None
    reasons: list[str]
    duration_s: int | None
    state: dict[str, Any]
    state_version: int
    events: list[EventRecord] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sid": self.sid, "caller": self.caller, "called": self.called, "locale": self.locale,
            "started_at": self.started_at.isoformat(), "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "status": self.status, "outcome": self.outcome, "final_node": self.final_node, "skill": self.skill,
            "intent": self.intent, "priority": self.priority, "reasons": list(self.reasons),
            "duration_s": self.duration_s,
            "events": [{"seq": e.seq, "at": e.at.isoformat(), "kind": e.kind, "node": e.node, "detail": e.detail}
                       for e in self.events],
        }


def _record(call: Call, with_events: bool) -> CallRecord:
    events = [EventRecord(e.seq, e.at, e.kind, e.node, dict(e.detail or {})) for e in call.events] if with_events else []
    return _row_record(call, events)


def _row_record(row, events: list[EventRecord] | None = None) -> CallRecord:
    """A :class:`CallRecord` from a Core row of ``calls`` (the webhooks' path skips the ORM) or a
    :class:`Call` (same attribute names)."""
    return CallRecord(
        sid=row.sid, caller=row.caller, called=row.called, locale=row.locale, started_at=row.started_at,
        ended_at=row.ended_at, status=row.status, outcome=row.outcome, final_node=row.final_node,
        skill=row.skill, intent=row.intent, priority=row.priority, reasons=list(row.reasons or []),
        duration_s=row.duration_s, state=dict(row.state or {}), state_version=row.state_version,
        events=events or [],
    )


_calls = Call.__table__
_events = CallEventRow.__table__


#: init_schema tries this many times when a new SQLite file is busy being switched to WAL
_INIT_ATTEMPTS = 8


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine; SQLite gets WAL and a busy timeout so web workers can share the file.

    Every SQLite file hotline writes from webhooks (calls, caller profiles, demo orders) is opened
    here: in the default rollback journal each commit is two fsyncs and readers block writers.
    An in-memory database lives in one connection, shared by the threads.
    """
    if url.startswith("sqlite"):
        options: dict[str, Any] = {}
        if make_url(url).database in (None, "", ":memory:"):
            options["poolclass"] = StaticPool
        engine = create_engine(url, connect_args={"timeout": 15, "check_same_thread": False}, **options)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # WAL + NORMAL: commits survive a process crash; only an OS crash may lose the last ones
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def _step_values(outcome: str | None, route: dict[str, Any] | None) -> dict[str, Any]:
    """The columns a step's outcome and route set (nothing for a step that has neither)."""
    values: dict[str, Any] = {}
    if outcome:
        values["outcome"] = outcome
    if route:
        values.update(skill=route["skill"], intent=route["intent"], priority=route["priority"],
                      reasons=list(route["reasons"]))
    return values


class CallStore:
    """Calls and call events in a SQL database (SQLite by default, PostgreSQL by URL)."""

    def __init__(self, url: str):
        self.url = url
        try:
            self.engine = make_engine(url)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(f"cannot use database URL {url!r}: {exc}") from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def _translated(self, begin) -> Iterator[Any]:
        """``begin()``'s transaction; database errors come out as :class:`StoreError` subclasses."""
        try:
            with begin() as handle:
                yield handle
        except StoreError:
            raise
        except OperationalError as exc:
            raise StoreUnavailable(f"database unavailable ({self._safe_url()}): {exc.orig}") from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"database error: {exc.__class__.__name__}: {exc}") from exc

    def session(self) -> contextlib.AbstractContextManager[Session]:
        """An ORM transaction; database errors come out as :class:`StoreError` subclasses."""
        return self._translated(self._sessions.begin)

    def transaction(self) -> contextlib.AbstractContextManager[Connection]:
        """A Core transaction (no ORM: the webhooks' statements); errors as in :meth:`session`."""
        return self._translated(self.engine.begin)

    def reading(self) -> contextlib.AbstractContextManager[Connection]:
        """A Core connection for reads without BEGIN/COMMIT: one round trip per query on a server."""
        return self._translated(lambda: self.engine.connect().execution_options(isolation_level="AUTOCOMMIT"))

    def _safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    # ---- schema ------------------------------------------------------------------

    def init_schema(self) -> int:
        """Create or upgrade the tables to this version's schema (idempotent); returns its version.

        Runs the Alembic migrations (:mod:`qa.store.migrations`) under a lock, so several
        processes may call it at once; a database made before migrations keeps its calls.
        """
        from qa.store import migrations  # alembic loads only when a schema is made or upgraded

        sqlite = self.engine.dialect.name == "sqlite"
        for attempt in range(1, _INIT_ATTEMPTS + 1):
            try:
                with self.engine.connect() as connection:
                    return migrations.upgrade(connection, where=self._safe_url())
            except StoreError:
                raise
            except OperationalError as exc:
                # a brand-new SQLite file: switching it to WAL (on connect) fails at once, without
                # waiting, while another process holds it; the upgrade is one transaction, so retry
                if sqlite and "locked" in str(exc.orig) and attempt < _INIT_ATTEMPTS:
                    time.sleep(0.1 * attempt)
                    continue
                raise StoreUnavailable(f"database unavailable ({self._safe_url()}): {exc.orig}") from exc
            except SQLAlchemyError as exc:
                raise StoreError(f"database error while migrating: {exc.__class__.__name__}: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def check_schema(self) -> None:
        """Raise :class:`SchemaMismatch` unless the database has this version's tables.

        Cheap (two small queries, no migration scripts read): the web app calls it on /healthz.
        """
        from qa.store.migrations.revisions import HEAD_REVISION, SCHEMA_OF_REVISION

        database = self.engine.url.database
        if self.engine.url.get_backend_name() == "sqlite" and database and database != ":memory:":
            if not Path(database).is_file():
                raise SchemaMismatch(f"no hotline database at {database}: run 'hotline db init'")
        with self.session() as s:
            inspector = inspect(s.connection())
            if not inspector.has_table(SchemaInfo.__tablename__):
                raise SchemaMismatch(f"database {self._safe_url()} has no hotline tables: run 'hotline db init'")
            info = s.get(SchemaInfo, 1)
            found = info.version if info else None
            revision = None
            if inspector.has_table("alembic_version"):
                revision = s.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if found is not None and found < SCHEMA_VERSION and (revision is None or revision in SCHEMA_OF_REVISION):
                raise SchemaMismatch(
                    f"database {self._safe_url()} has schema version {found}, this hotline needs {SCHEMA_VERSION}: "
                    f"run 'hotline db init' to upgrade it (its calls are kept)"
                )
            if found != SCHEMA_VERSION or revision != HEAD_REVISION:
                raise SchemaMismatch(
                    f"database {self._safe_url()} has schema version {found} (migration {revision}), "
                    f"this hotline needs {SCHEMA_VERSION} (migration {HEAD_REVISION})"
                )

    # ---- calls -------------------------------------------------------------------

    def start_call(self, sid: str, *, caller: str, called: str, locale: str, state: dict[str, Any],
                   events: Iterable[tuple[str, str, dict]], outcome: str | None = None,
                   route: dict[str, Any] | None = None) -> tuple[CallRecord, bool]:
        """Create the call with its first state and events, in one transaction; when it exists
        already (a retried webhook) return it unchanged.

        Returns ``(record, created)``.
        """
        try:
            with self.transaction() as s:  # insert first: a retry of the webhook is rare, and its sid is unique
                values = {"sid": sid, "caller": caller, "called": called, "locale": state.get("locale", locale),
                          "state": state, "state_version": 1, "final_node": state.get("node"),
                          "started_at": utcnow(), **_step_values(outcome, route)}
                row = s.execute(insert(_calls).values(**values).returning(_calls)).one()
                self._insert_events(s, row.id, 0, events)
                return _row_record(row), True
        except StoreError as exc:
            if isinstance(exc.__cause__, IntegrityError):  # the call exists: a retried webhook (or two racing)
                return self.get_call(sid, with_events=False), False
            raise

    @staticmethod
    def _insert_events(s: Connection | Session, call_id: int, last_seq: int, events: Iterable[tuple[str, str, dict]]) -> None:
        rows = [{"call_id": call_id, "seq": last_seq + n, "kind": kind, "node": node, "detail": detail,
                 "at": utcnow()} for n, (kind, node, detail) in enumerate(events, 1)]
        if rows:
            s.execute(insert(_events), rows)

    def _add_events(self, s: Session, call: Call, events: Iterable[tuple[str, str, dict]]) -> None:
        self._insert_events(s, call.id, self._last_seq(s, call.id), events)

    @staticmethod
    def _last_seq(s: Connection | Session, call_id: int) -> int:
        return s.scalar(select(func.coalesce(func.max(_events.c.seq), 0)).where(_events.c.call_id == call_id))

    def get_call(self, sid: str, with_events: bool = True) -> CallRecord:
        with self.reading() as s:
            row = s.execute(select(_calls).where(_calls.c.sid == sid)).first()
            if row is None:
                raise CallNotFound(f"no call with sid {sid!r}")
            events = []
            if with_events:
                events = [EventRecord(e.seq, e.at, e.kind, e.node, dict(e.detail or {})) for e in s.execute(
                    select(_events.c.seq, _events.c.at, _events.c.kind, _events.c.node, _events.c.detail)
                    .where(_events.c.call_id == row.id).order_by(_events.c.seq))]
            return _row_record(row, events)

    def save_step(self, sid: str, *, state: dict[str, Any], expected_version: int,
                  events: Iterable[tuple[str, str, dict]], outcome: str | None = None,
                  route: dict[str, Any] | None = None) -> CallRecord:
        """Store a new engine state (optimistically locked) with the events that led to it.

        One conditional UPDATE (it locks and versions the row) and one INSERT of the events: every
        webhook of a call comes here, so it stays off the ORM.
        """
        with self.transaction() as s:
            values = {"state": state, "state_version": _calls.c.state_version + 1, "final_node": state.get("node"),
                      **_step_values(outcome, route)}
            if "locale" in state:
                values["locale"] = state["locale"]
            row = s.execute(update(_calls).where(_calls.c.sid == sid, _calls.c.state_version == expected_version)
                            .values(**values).returning(_calls)).first()
            if row is None:
                found = s.scalar(select(_calls.c.state_version).where(_calls.c.sid == sid))
                if found is None:
                    raise CallNotFound(f"no call with sid {sid!r}")
                raise StateConflict(f"call {sid} state changed underneath (version {found}, expected {expected_version})")
            # the last event number read after the row lock is ours (a subquery in the UPDATE would read
            # the snapshot from before a lock wait, and miss an event committed meanwhile)
            self._insert_events(s, row.id, self._last_seq(s, row.id), events)
            return _row_record(row)

    def add_event(self, sid: str, kind: str, detail: dict[str, Any], attempts: int = 3) -> None:
        """Append one event to a call (recordings, emotion updates ...) without touching its state."""
        for attempt in range(attempts):
            try:
                with self.session() as s:
                    # queue behind a webhook's step on the same call (its UPDATE holds the row), then number
                    lock_for_write(s)
                    call = s.scalar(select(Call).where(Call.sid == sid).with_for_update())
                    if call is None:
                        raise CallNotFound(f"no call with sid {sid!r}")
                    self._add_events(s, call, [(kind, call.final_node or "", detail)])
                return
            except StoreError as exc:
                # the media stream and a webhook took the same next seq at once: the loser takes the one after
                if not isinstance(exc.__cause__, IntegrityError) or attempt == attempts - 1:
                    raise

    def finish_call(self, sid: str, *, status: str, duration_s: int | None = None) -> CallRecord:
        """Record Twilio's final call status; a call that ended inside the menu is marked abandoned."""
        with self.session() as s:
            lock_for_write(s)
            call = s.scalar(select(Call).where(Call.sid == sid).with_for_update())
            if call is None:
                raise CallNotFound(f"no call with sid {sid!r}")
            if call.ended_at is not None and call.status == status:
                return _record(call, with_events=False)  # Twilio retrying the callback: nothing new
            call.status = status
            call.ended_at = call.ended_at or utcnow()
            if duration_s is not None:
                call.duration_s = duration_s
            if call.outcome == "in_ivr":
                state = call.state or {}
                call.outcome = "self_served" if state.get("self_served") else "abandoned"
                self._add_events(s, call, [("call_ended", state.get("node", ""),
                                            {"status": status, "outcome": call.outcome})])
            else:
                self._add_events(s, call, [("call_ended", call.final_node or "", {"status": status})])
            s.flush()
            return _record(call, with_events=False)

    def list_calls(self, *, limit: int = 50, outcome: str | None = None, skill: str | None = None) -> list[CallRecord]:
        with self.session() as s:
            query = select(Call).order_by(Call.started_at.desc(), Call.id.desc()).limit(limit)
            if outcome:
                query = query.where(Call.outcome == outcome)
            if skill:
                query = query.where(Call.skill == skill)
            return [_record(c, with_events=False) for c in s.scalars(query)]
