"""Log in and out, the signed-in user, and the decorators views use to check roles."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Callable
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import UserMixin, current_user, login_user, logout_user

from qa.store import UserStore
from qa.web.accounts import authenticate
from qa.web.hooks import t
from qa.web.policy import can

bp = Blueprint("auth", __name__)


@dataclass
class WebUser(UserMixin):
    """The signed-in account as Flask-Login sees it (loaded from the store on every request, so a
    disabled account or a changed role takes effect at once)."""

    id: int
    name: str
    role: str
    locale: str | None

    def get_id(self) -> str:
        return str(self.id)


def users() -> UserStore:
    return UserStore(current_app.extensions["hotline"].store)


def load_user(user_id: str) -> WebUser | None:
    record = users().get(int(user_id)) if user_id.isdigit() else None
    if record is None or not record.active:
        return None
    return WebUser(record.id, record.name, record.role, record.locale)


def require(permission: str) -> Callable:
    """A view decorator: 403 unless the signed-in user's role has ``permission``."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def checked(*args, **kwargs):
            if not can(current_user.role, permission):
                abort(403)
            return view(*args, **kwargs)
        return checked
    return decorate


def _safe_next(target: str | None) -> str:
    """Only a path inside this app (no scheme, no host): never an open redirect."""
    if target and target.startswith("/qa") and not urlsplit(target).netloc and "\\" not in target:
        return target
    return url_for("qa.calls.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("qa/login.html", next=request.args.get("next", ""))
    name = request.form.get("name", "").strip()
    result = authenticate(users(), name, request.form.get("password", ""))
    if result.user is None:
        message = t("login.locked") if result.locked_until else t("login.failed")
        status = 429 if result.locked_until else 401
        return render_template("qa/login.html", next=request.form.get("next", ""), error=message, name=name), status
    locale = session.get("locale")
    session.clear()  # a fresh session at log-in (no fixation)
    if locale:
        session["locale"] = locale  # the language chosen on the login page
    session.permanent = True  # the idle timeout (PERMANENT_SESSION_LIFETIME) applies
    user = result.user
    login_user(WebUser(user.id, user.name, user.role, user.locale))
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash(t("login.logged_out"))
    return redirect(url_for("qa.auth.login"))


@bp.get("/")
def home():
    return redirect(url_for("qa.calls.index"))
