"""Caller profiles: what the hotline knows about a caller before they speak.

``CallerProfiles`` is the pluggable backend the router reads (PLUS level, open
complaints, calls in the last 7 days, last intent). ``SqliteCallerProfiles`` is the
demo backend: SQLAlchemy 2 Core on its own engine and tables, with portable SQL
only, so the same code runs on PostgreSQL by URL.

    ProfileError              a profile cannot be read or written
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Mapping, Protocol, runtime_checkable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ivr.races import retry_on_collision
from qa.store import make_engine

__all__ = [
    "DEMO_CALLERS",
    "PLUS_LEVELS",
    "REPEAT_WINDOW",
    "CallerProfile",
    "CallerProfiles",
    "ProfileError",
    "SqliteCallerProfiles",
    "normalize_phone",
]

#: PLUS membership levels, lowest first
PLUS_LEVELS: tuple[str, ...] = ("none", "plus", "svip")
#: how far back a caller counts as a repeat caller
REPEAT_WINDOW = timedelta(days=7)

_PHONE = re.compile(r"^\+?[0-9]{5,15}$")
_SEPARATORS = re.compile(r"[\s\-().]")


class ProfileError(Exception):
    """A caller profile cannot be read or written (bad number, database failure)."""


@dataclass(frozen=True)
class CallerProfile:
    """One caller, as the router sees them."""

    #: E.164-style number, e.g. ``+8613800000001``
    phone_number: str
    #: one of :data:`PLUS_LEVELS`
    plus_level: str = "none"
    #: complaints still open for this caller (count)
    open_complaints: int = 0
    #: calls recorded in the 7 days before the lookup (count)
    calls_last_7_days: int = 0
    #: intent of the caller's most recent recorded call
    last_intent: str | None = None
    #: when that call was (UTC)
    last_call_at: datetime | None = None

    @property
    def is_plus(self) -> bool:
        return self.plus_level != "none"


@runtime_checkable
class CallerProfiles(Protocol):
    """The backend the router reads caller profiles from."""

    def get(self, phone_number: str) -> CallerProfile | None:
        """The caller's profile; ``None`` for an unknown or withheld number."""
        ...

    def record_call(self, phone_number: str, intent: str, at: datetime) -> None:
        """Remember that this caller called about ``intent`` at ``at`` (after routing)."""
        ...


def normalize_phone(phone_number: str) -> str | None:
    """``"+86 138-0000-0001"`` -> ``"+8613800000001"``; ``None`` for withheld or non-phone
    caller IDs (Twilio sends ``anonymous``, ``client:alice`` ...)."""
    number = _SEPARATORS.sub("", phone_number or "")
    return number if _PHONE.match(number) else None


def _utc(at: datetime) -> datetime:
    """Aware UTC -> naive UTC for storage (SQLite keeps no zone); naive is taken as UTC."""
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    return at


_metadata = sa.MetaData()
_profiles = sa.Table(
    "caller_profiles",
    _metadata,
    sa.Column("phone_number", sa.String(32), primary_key=True),
    sa.Column("plus_level", sa.String(16), nullable=False, server_default="none"),
    sa.Column("open_complaints", sa.Integer, nullable=False, server_default="0"),
)
_calls = sa.Table(
    "caller_calls",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("phone_number", sa.String(32), nullable=False, index=True),
    sa.Column("intent", sa.String(32), nullable=False),
    #: naive UTC
    sa.Column("called_at", sa.DateTime, nullable=False, index=True),
)
#: one row per demo data set loaded: claimed in the loading transaction, so it happens once
_seeds = sa.Table("caller_profile_seeds", _metadata, sa.Column("name", sa.String(32), primary_key=True))

#: demo callers: number -> (plus level, open complaints, ((days ago, intent), ...)) (read-only)
DEMO_CALLERS: Mapping[str, tuple[str, int, tuple[tuple[float, str], ...]]] = MappingProxyType(
    {
        "+8613800000001": ("plus", 0, ()),  # PLUS member, first call
        "+8613800000002": ("none", 1, ((1.0, "delivery_delay"), (3.0, "delivery_delay"))),  # repeat, open complaint
        "+8613800000003": ("svip", 0, ((2.0, "refund_status"),)),
        "+8613800000004": ("none", 0, ((10.0, "order_status"),)),  # last call outside the 7-day window
        "+14155550100": ("plus", 0, ((0.5, "payment_issue"),)),
        "+14155550101": (
            "none",
            2,
            ((0.2, "order_status"), (1.0, "order_status"), (2.0, "order_status"), (4.0, "complaint")),
        ),
    }
)


def _upsert_profile(conn, number: str, plus_level: str, open_complaints: int) -> None:
    """Portable upsert of a profile's stored part: update, insert when nothing was there."""
    values = {"plus_level": plus_level, "open_complaints": open_complaints}
    if conn.execute(sa.update(_profiles).where(_profiles.c.phone_number == number).values(**values)).rowcount == 0:
        conn.execute(sa.insert(_profiles).values(phone_number=number, **values))


class SqliteCallerProfiles:
    """Caller profiles in a SQL database (SQLite by default; any SQLAlchemy URL).

    ``url`` defaults to an in-memory SQLite database. Tables are created on first use.
    Every database failure is raised as :class:`ProfileError`.
    """

    def __init__(self, url: str = "sqlite://"):
        try:
            self.engine = make_engine(url)
            retry_on_collision(lambda: _metadata.create_all(self.engine))
        except (SQLAlchemyError, ValueError) as exc:  # also bad URLs and missing drivers
            raise ProfileError(f"cannot open caller profiles at {url}: {exc}") from exc

    def close(self) -> None:
        self.engine.dispose()

    def get(self, phone_number: str, *, now: datetime | None = None) -> CallerProfile | None:
        number = normalize_phone(phone_number)
        if number is None:
            return None
        now = _utc(now or datetime.now(timezone.utc))
        try:
            with self.engine.connect() as conn:
                row = conn.execute(sa.select(_profiles).where(_profiles.c.phone_number == number)).first()
                recent = conn.execute(
                    sa.select(sa.func.count())
                    .select_from(_calls)
                    .where(_calls.c.phone_number == number, _calls.c.called_at >= now - REPEAT_WINDOW, _calls.c.called_at <= now)
                ).scalar_one()
                last = conn.execute(
                    sa.select(_calls.c.intent, _calls.c.called_at)
                    .where(_calls.c.phone_number == number, _calls.c.called_at <= now)
                    .order_by(_calls.c.called_at.desc(), _calls.c.id.desc())
                    .limit(1)
                ).first()
        except SQLAlchemyError as exc:
            raise ProfileError(f"cannot read caller profile {number}: {exc}") from exc
        if row is None and last is None:
            return None
        return CallerProfile(
            phone_number=number,
            plus_level=row.plus_level if row else "none",
            open_complaints=row.open_complaints if row else 0,
            calls_last_7_days=int(recent),
            last_intent=last.intent if last else None,
            last_call_at=last.called_at.replace(tzinfo=timezone.utc) if last else None,
        )

    def record_call(self, phone_number: str, intent: str, at: datetime) -> None:
        number = normalize_phone(phone_number)
        if number is None:
            return  # a withheld number has no profile to grow
        self._write(sa.insert(_calls).values(phone_number=number, intent=intent, called_at=_utc(at)), number)

    def set_profile(self, phone_number: str, *, plus_level: str = "none", open_complaints: int = 0) -> None:
        """Create or replace the stored part of a profile (membership, complaints)."""
        number = normalize_phone(phone_number)
        if number is None:
            raise ProfileError(f"{phone_number!r} is not a phone number")
        if plus_level not in PLUS_LEVELS:
            raise ProfileError(f"plus_level {plus_level!r} is not one of {', '.join(PLUS_LEVELS)}")
        if open_complaints < 0:
            raise ProfileError("open_complaints must not be negative")
        try:
            with self.engine.begin() as conn:
                _upsert_profile(conn, number, plus_level, open_complaints)
        except SQLAlchemyError as exc:
            raise ProfileError(f"cannot write caller profile {number}: {exc}") from exc

    def seed_demo(self, *, now: datetime | None = None) -> list[str]:
        """Load :data:`DEMO_CALLERS` once per database. Returns their numbers.

        The load claims its marker row first, in the same transaction: workers starting together
        wait on that row and then find it taken, so no demo call is recorded twice. A caller who
        already has calls (a database from before the marker) keeps them.
        """
        now = _utc(now or datetime.now(timezone.utc))
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(_seeds).values(name="demo_callers"))
                for number, (plus_level, complaints, calls) in DEMO_CALLERS.items():
                    _upsert_profile(conn, number, plus_level, complaints)
                    if conn.execute(sa.select(_calls.c.id).where(_calls.c.phone_number == number).limit(1)).first():
                        continue
                    for days_ago, intent in calls:
                        conn.execute(sa.insert(_calls).values(phone_number=number, intent=intent,
                                                              called_at=now - timedelta(days=days_ago)))
        except IntegrityError:
            pass  # loaded already, by an earlier start or by a worker starting beside this one
        except SQLAlchemyError as exc:
            raise ProfileError(f"cannot load the demo caller profiles: {exc}") from exc
        return list(DEMO_CALLERS)

    def _write(self, statement, number: str) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(statement)
        except SQLAlchemyError as exc:
            raise ProfileError(f"cannot write caller profile {number}: {exc}") from exc
