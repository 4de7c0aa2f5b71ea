"""Passwords and log-in decisions for the QA web app (shared by the login page and ``hotline users``).

Passwords are hashed with werkzeug.security (scrypt, salted); the store keeps only the hash.
Throttling: after :data:`FREE_FAILURES` wrong passwords for a name, each further failure locks
that name for longer (30 s, 60 s, 120 s ... up to 15 min), whether or not the account exists, so
the page answers the same for unknown names and guessing gets slow on every worker at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from werkzeug.security import check_password_hash, generate_password_hash

from qa.store.models import utcnow
from qa.store.users import UserRecord, UserStore

FREE_FAILURES = 5
FIRST_LOCK_S = 30
MAX_LOCK_S = 15 * 60
MIN_PASSWORD = 8
#: checked when the name is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = generate_password_hash("not-a-password-of-anyone")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return generate_password_hash(password)


def lock_seconds(failures: int) -> float:
    """How long to lock a name after its ``failures``-th failure in a row (0: not locked)."""
    if failures < FREE_FAILURES:
        return 0
    return min(MAX_LOCK_S, FIRST_LOCK_S * 2 ** (failures - FREE_FAILURES))


@dataclass(frozen=True)
class LoginResult:
    user: UserRecord | None
    #: set when the name is locked: until when
    locked_until: datetime | None = None


def authenticate(users: UserStore, name: str, password: str) -> LoginResult:
    """Check a log-in: the active user, or why not (locked, or None for a wrong name/password)."""
    locked = users.locked_until(name)
    if locked is not None and locked > utcnow():
        return LoginResult(None, locked)
    user = users.by_name(name)
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if ok and user is not None and user.active:
        users.login_succeeded(name)
        users.update(user.name, logged_in=True)
        return LoginResult(user)
    _, locked = users.login_failed(name, lock_seconds)
    return LoginResult(None, locked)
