"""The QA review web app: a blueprint mounted at ``/qa`` on the hotline app factory.

``init_app(app)`` wires it in (``ivr.app.create_app`` calls it): Flask-Login sessions,
Flask-WTF CSRF checks on every state-changing request under ``/qa`` (the Twilio webhooks keep
their own signature check), the session secret, cookie flags and security headers, and the
areas as child blueprints of ``qa``:

- ``qa.auth``  log in / out, language switch              (qa/web/auth.py)
- ``qa.calls`` list, search, CSV export, saved searches    (qa/web/calls.py)
- ``qa.call``  call page, audio, JSON export, reviews      (qa/web/call.py)
- ``qa.admin`` dashboard, users, audit log                 (qa/web/admin.py)

Who may do what is decided in :mod:`qa.web.policy`; scorecards in :mod:`qa.web.scorecard`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from flask import Blueprint, Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from ivr.config import ConfigError
from qa.web import hooks
from qa.web.cache import TimedCache
from qa.web.scorecard import ScorecardError, load_scorecard

bp = Blueprint("qa", __name__, url_prefix="/qa", template_folder="templates", static_folder="static")
hooks.install(bp)

from qa.web import admin, auth, call, calls  # noqa: E402 (the areas need nothing from this module)

for _child in (auth.bp, calls.bp, call.bp, admin.bp):
    bp.register_blueprint(_child)

def secret_key(instance_path: str) -> str:
    """The session-signing key: ``<instance>/secret_key``, made once (0600) and shared by every
    worker on the machine. A restart keeps sessions; deleting the file logs everyone out."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "x", encoding="ascii") as out:  # "x": two workers starting at once make one key
                path.chmod(0o600)
                out.write(secrets.token_hex(32))
        except FileExistsError:
            pass
    return path.read_text(encoding="ascii").strip()


def init_app(app: Flask) -> None:
    """Mount the QA web app on ``app`` (which has ``app.extensions["hotline"]``)."""
    hotline = app.extensions["hotline"]
    settings = hotline.settings
    try:  # the review form is checked at start, like the flow and the rules
        load_scorecard(settings.qa_scorecard or None)
    except ScorecardError as exc:
        raise ConfigError([f"qa_scorecard: {exc}"]) from exc
    app.config.update(
        SECRET_KEY=secret_key(settings.instance_path),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # a cookie marked Secure is never sent over plain HTTP: on whenever the public URL is HTTPS
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
        # idle timeout: each request starts the count again (SESSION_REFRESH_EACH_REQUEST)
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.qa_session_minutes),
        # CSRF is checked by the qa blueprint for its own requests only (hooks.check_csrf)
        WTF_CSRF_CHECK_DEFAULT=False,
        QA_DEFAULT_LOCALE=settings.default_locale,
        QA_SCORECARD=settings.qa_scorecard or None,
    )
    app.extensions["qa_csrf"] = CSRFProtect(app)
    app.extensions["qa_dashboard_cache"] = TimedCache(settings.qa_dashboard_cache_seconds)
    login = LoginManager(app)
    login.login_view = "qa.auth.login"
    login.session_protection = "basic"
    login.user_loader(auth.load_user)
    app.register_blueprint(bp)
