"""What every request under ``/qa`` goes through: log-in required, CSRF on state changes, the
language, template helpers and security headers. Installed on the parent ``qa`` blueprint, so
the child blueprints get it and the Twilio webhooks do not."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from qa.analytics.regions import region_name
from qa.store import UserStore
from qa.web.chart import clock
from qa.web.i18n import LOCALES, localised, pick_locale, translate
from qa.web.masking import mask_number
from qa.web.policy import can

#: endpoints open without a session
PUBLIC = {"qa.auth.login", "qa.static"}

# strict: scripts, styles and media only from this app (no inline script or style, no CDN),
# never framed, forms post only here
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def install(bp: Blueprint) -> None:
    bp.before_request(choose_locale)
    bp.before_request(require_login)
    bp.before_request(check_csrf)
    bp.after_request(security_headers)
    bp.context_processor(template_helpers)
    bp.app_template_filter("local")(local_time)
    bp.record_once(_error_pages)


def choose_locale() -> None:
    asked = request.args.get("lang")
    if asked in LOCALES:
        session["locale"] = asked
        if current_user.is_authenticated and current_user.locale != asked:
            # remembered with the account: the next session (another browser) starts in it too
            UserStore(current_app.extensions["hotline"].store).update(current_user.name, locale=asked)
            current_user.locale = asked
    user_locale = getattr(current_user, "locale", None) if current_user.is_authenticated else None
    g.locale = pick_locale(session.get("locale"), user_locale, default=current_app.config["QA_DEFAULT_LOCALE"])


def require_login():
    if request.endpoint in PUBLIC or current_user.is_authenticated:
        return None
    if request.method == "GET":
        return redirect(url_for("qa.auth.login", next=request.full_path.rstrip("?")))
    return render_template("qa/error.html", code=401, message=t("error.login_needed")), 401


def check_csrf() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        current_app.extensions["qa_csrf"].protect()  # raises CSRFError -> 400


def security_headers(response):
    response.headers.update(HEADERS)
    if request.endpoint != "qa.static":
        response.headers.setdefault("Cache-Control", "no-store")  # pages hold personal data
    return response


def t(key: str, **values: object) -> str:
    return translate(getattr(g, "locale", LOCALES[0]), key, **values)


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time as the hotline's clock shows it (``qa_timezone``), not the server's."""
    if value is None:
        return "—"
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(ZoneInfo(current_app.extensions["hotline"].settings.qa_timezone)).strftime(fmt)


def lang_url(locale: str) -> str:
    """This page in another language, keeping its query (filters, search, view)."""
    args = {**request.args.to_dict(), "lang": locale}
    if request.endpoint is None:
        return "?" + urlencode(args)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def template_helpers() -> dict:
    role = current_user.role if current_user.is_authenticated else ""
    return {"t": t, "locale": g.get("locale", LOCALES[0]), "locales": LOCALES, "clock": clock, "lang_url": lang_url,
            "mask_number": mask_number, "can": lambda permission: can(role, permission),
            "localised": lambda texts: localised(texts, g.get("locale", LOCALES[0])),
            "region_name": lambda region: region_name(region, g.get("locale", LOCALES[0]))}


def _error_pages(state) -> None:
    app: Flask = state.app

    def page(code: int, key: str):
        def handler(error):
            if not request.path.startswith("/qa"):
                return error  # other parts of the app keep Flask's default pages
            return render_template("qa/error.html", code=code, message=t(key)), code
        return handler

    app.register_error_handler(CSRFError, page(400, "error.csrf"))
    app.register_error_handler(403, page(403, "error.forbidden"))
    app.register_error_handler(404, page(404, "error.not_found"))
