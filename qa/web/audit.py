"""Recording who looked at personal data (an unredacted call page, its audio, an unredacted
export): one row per look, with the account name, the call and the client address."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_login import current_user

from qa.store import ReviewStore


def audit(action: str, call_sid: str | None = None, detail: dict[str, Any] | None = None) -> None:
    ReviewStore(current_app.extensions["hotline"].store).audit(
        current_user.name, action, call_sid, detail, request.remote_addr)
