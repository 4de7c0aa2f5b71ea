"""Twilio request signatures: every webhook must carry a valid ``X-Twilio-Signature``.

The signature covers the public URL Twilio called (not the one behind a proxy) plus the
POST parameters, so the URL is rebuilt from the configured ``public_url``.
"""

from __future__ import annotations

import functools
import logging

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)


def public_request_url(public_url: str) -> str:
    """The URL Twilio signed: configured base + this request's path and query string."""
    query = request.query_string.decode("latin-1")
    return public_url.rstrip("/") + request.path + (f"?{query}" if query else "")


def signature_is_valid(auth_token: str, public_url: str, form: dict | None = None) -> bool:
    """Check this request's signature; ``form`` overrides the signed parameters (WebSocket upgrades sign none)."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    if form is not None:
        params = form
    else:
        params = request.form.to_dict(flat=True) if request.method == "POST" else {}
    return RequestValidator(auth_token).validate(public_request_url(public_url), params, signature)


def twilio_signed(view):
    """Reject (403) any request whose Twilio signature is missing or wrong, and log it."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        settings = current_app.extensions["hotline"].settings
        if settings.disable_signature_check:
            return view(*args, **kwargs)
        if not signature_is_valid(settings.twilio_auth_token, settings.public_url):
            log.warning(
                "rejected %s %s from %s: %s X-Twilio-Signature",
                request.method, request.path, request.remote_addr,
                "missing" if "X-Twilio-Signature" not in request.headers else "invalid",
            )
            abort(403, description="invalid or missing X-Twilio-Signature")
        return view(*args, **kwargs)

    return wrapper
