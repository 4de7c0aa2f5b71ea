"""Accounts of the QA web app and the failed-login counters that throttle guessing.

The store keeps password *hashes* only; hashing and checking happen in the caller
(:mod:`qa.web.accounts`, werkzeug.security), so this module never sees a password. Throttle
rows are per name tried, known or not, so probing for names is slowed as much as guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from qa.store.calls import CallStore
from qa.store.errors import StoreError
from qa.store.models import LoginThrottle, User, aware, lock_for_write, utcnow

ROLES = ("reviewer", "supervisor", "admin")


class UserNotFound(StoreError, LookupError):
    pass


@dataclass(frozen=True)
class UserRecord:
    id: int
    name: str
    role: str
    active: bool
    password_hash: str
    locale: str | None
    created_at: datetime
    last_login_at: datetime | None


def _record(row: User) -> UserRecord:
    return UserRecord(row.id, row.name, row.role, bool(row.active), row.password_hash, row.locale,
                      aware(row.created_at), aware(row.last_login_at))


class UserStore:
    """Users and login throttling, in the call store's database."""

    def __init__(self, store: CallStore):
        self.store = store

    def add(self, name: str, password_hash: str, role: str) -> UserRecord:
        """A new active user; raises :class:`StoreError` when the name is taken or the role unknown."""
        if role not in ROLES:
            raise StoreError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
        try:
            with self.store.session() as s:
                if s.scalar(select(User.id).where(User.name == name)) is not None:
                    raise StoreError(f"user {name!r} exists already")
                row = User(name=name, password_hash=password_hash, role=role, active=True)
                s.add(row)
                s.flush()
                return _record(row)
        except StoreError as exc:
            if isinstance(exc.__cause__, IntegrityError):
                raise StoreError(f"user {name!r} exists already") from exc
            raise

    def get(self, user_id: int) -> UserRecord | None:
        with self.store.session() as s:
            row = s.get(User, user_id)
            return _record(row) if row else None

    def by_name(self, name: str) -> UserRecord | None:
        with self.store.session() as s:
            row = s.scalar(select(User).where(User.name == name))
            return _record(row) if row else None

    def list(self) -> list[UserRecord]:
        with self.store.session() as s:
            return [_record(r) for r in s.scalars(select(User).order_by(User.name))]

    def update(self, name: str, *, password_hash: str | None = None, active: bool | None = None,
               role: str | None = None, locale: str | None = None, logged_in: bool = False) -> UserRecord:
        """Change what is given; raises :class:`UserNotFound` for an unknown name."""
        if role is not None and role not in ROLES:
            raise StoreError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
        with self.store.session() as s:
            row = s.scalar(select(User).where(User.name == name))
            if row is None:
                raise UserNotFound(f"no user {name!r}")
            for field, value in (("password_hash", password_hash), ("active", active), ("role", role),
                                 ("locale", locale)):
                if value is not None:
                    setattr(row, field, value)
            if logged_in:
                row.last_login_at = utcnow()
            s.flush()
            return _record(row)

    # ---- throttling --------------------------------------------------------------

    def locked_until(self, name: str) -> datetime | None:
        """Until when log-ins as ``name`` are refused (None: not locked)."""
        with self.store.session() as s:
            row = s.scalar(select(LoginThrottle).where(LoginThrottle.name == name.casefold()))
            return aware(row.locked_until) if row else None

    def login_failed(self, name: str, lock_for: Callable[[int], float]) -> tuple[int, datetime | None]:
        """Count a failure for ``name``; ``lock_for(failures)`` says how many seconds to lock
        (0: not yet). Returns ``(failures, locked_until)``."""
        from datetime import timedelta

        with self.store.session() as s:
            lock_for_write(s)
            key = name.casefold()[:64]
            row = s.scalar(select(LoginThrottle).where(LoginThrottle.name == key))
            if row is None:
                row = LoginThrottle(name=key, failures=0)
                s.add(row)
            now = utcnow()
            row.failures += 1
            row.last_failure_at = now
            seconds = lock_for(row.failures)
            row.locked_until = now + timedelta(seconds=seconds) if seconds > 0 else None
            s.flush()
            return row.failures, aware(row.locked_until)

    def login_succeeded(self, name: str) -> None:
        with self.store.session() as s:
            row = s.scalar(select(LoginThrottle).where(LoginThrottle.name == name.casefold()))
            if row is not None:
                s.delete(row)
