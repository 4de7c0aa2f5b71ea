"""Start-up writes that several processes may make at once (gunicorn workers booting together).

Creating the demo tables and loading their rows is idempotent, but two workers doing it at the
same moment collide: one's ``CREATE TABLE`` finds the table made after it looked, one's insert
meets the row the other just committed. The loser's retry sees the winner's work and succeeds.
"""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

T = TypeVar("T")

#: tries before the collision is reported (each retry sees what the other process committed)
ATTEMPTS = 4


def _collided(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    message = str(getattr(exc, "orig", exc)).lower()
    return "already exists" in message or "locked" in message or "duplicate" in message


def retry_on_collision(write: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run ``write``; when another process's identical start-up write got in first, run it again."""
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except (IntegrityError, OperationalError, ProgrammingError) as exc:
            if attempt == attempts or not _collided(exc):
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover
