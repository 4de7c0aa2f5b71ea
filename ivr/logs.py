"""Structured logs: one JSON object per line, with the call SID of the call a line concerns.

Opt-in with ``log_format = json`` (``HOTLINE_LOG_FORMAT=json``). Every record logged while a
webhook, a media stream or a post-call job works on a call carries ``call_sid`` (bound with
:func:`call_context`, so code that logs needs no change). No personal data: phone and other
long numbers in a message are masked (:func:`scrub`), and hotline never logs what a caller
said. The text format stays the default for a developer's terminal.

A line::

    {"ts": "2026-12-06T14:30:00.123Z", "level": "INFO", "logger": "ivr.webhooks",
     "msg": "call CA… left the queue: bridged", "call_sid": "CA…", "process": 4242}
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Iterator

#: the call the current thread (request, stream, job) works on
_CALL_SID: ContextVar[str | None] = ContextVar("hotline_call_sid", default=None)

#: seven or more digits, single spaces or dashes between them, a leading + allowed, not inside a word:
#: phone, card or ID numbers; Twilio SIDs (letters then hex) are words and stay readable, and times
#: ("2026 14:37:57") have too few digits in a row
_NUMBER = re.compile(r"(?<![\w+])\+?\d(?:[ \-]?\d){6,}[Xx]?(?!\w)")  # [Xx]: a resident ID's check digit
MASK = "[number]"


def scrub(text: str) -> str:
    """``text`` with every long number masked ("caller +8613912345678" -> "caller [number]")."""
    return _NUMBER.sub(MASK, text)


@contextlib.contextmanager
def call_context(call_sid: str | None) -> Iterator[None]:
    """Log records made inside the block carry ``call_sid``."""
    token = _CALL_SID.set(call_sid or None)
    try:
        yield
    finally:
        _CALL_SID.reset(token)


def bind_call(call_sid: str | None):
    """Set the call for the rest of this context (a request); returns the token for :func:`unbind`."""
    return _CALL_SID.set(call_sid or None)


def unbind(token) -> None:
    _CALL_SID.reset(token)


def current_call_sid() -> str | None:
    return _CALL_SID.get()


class CallSidFilter(logging.Filter):
    """Adds ``record.call_sid`` (None outside a call) unless the call gave one with ``extra``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "call_sid", None) is None:
            record.call_sid = _CALL_SID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts (UTC), level, logger, msg, call_sid, process[, exc]."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": scrub(record.getMessage()),
            "call_sid": getattr(record, "call_sid", None) or _CALL_SID.get(),
            "process": record.process,
        }
        if record.exc_info:
            entry["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure(log_format: str, level: int = logging.INFO, stream=None) -> logging.Handler | None:
    """Send the root logger's records as JSON lines (``log_format == "json"``); text is left as configured.

    Idempotent: a second call replaces the handler it installed before.
    """
    if log_format != "json":
        return None
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_hotline_json", False) or isinstance(handler.formatter, JsonFormatter) \
                or type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream)
    handler._hotline_json = True
    handler.setFormatter(JsonFormatter())
    handler.addFilter(CallSidFilter())
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def init_app(app) -> None:
    """Bind each Twilio webhook's ``CallSid`` for the request's log records."""
    from flask import g, request

    @app.before_request
    def _bind_call():
        if request.path.startswith("/twilio/"):
            g.hotline_log_token = bind_call(request.form.get("CallSid") if request.method == "POST" else None)

    @app.teardown_request
    def _unbind_call(_exc=None):
        token = g.pop("hotline_log_token", None)
        if token is not None:
            unbind(token)
