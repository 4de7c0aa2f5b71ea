"""Supervisor and admin pages: the dashboard (the hotline over a period: calls by intent and skill,
containment, where callers fail, emotion, queues, voice-of-customer alerts; review progress and the
audit log) and user accounts (admins)."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from qa.analytics import scan_alerts, summarize
from qa.store import AnalysisStore, ReviewStore, StoreError, UserStore
from qa.store.users import ROLES
from qa.web.accounts import hash_password
from qa.web.auth import require
from qa.web.hooks import t
from qa.web.period import PRESETS, Period
from qa.web.trends import alert_list, emotion_rows, trend_chart

bp = Blueprint("admin", __name__)


def store():
    return current_app.extensions["hotline"].store


@bp.get("/dashboard")
@require("dashboard")
def dashboard():
    tz = ZoneInfo(current_app.extensions["hotline"].settings.qa_timezone)
    now = datetime.now(timezone.utc)
    period = Period.from_args(request.args, now, tz)

    def figures():  # the period's calls and the alert hours' baselines: the page's heavy reading
        return summarize(store(), *period.bounds(tz), timezone=tz.key), scan_alerts(store(), period.alert_hours)

    (summary, reports), computed_at = current_app.extensions["qa_dashboard_cache"].get(
        (period.since, period.until, period.alerts_hour, tz.key), figures)
    as_of = datetime.fromtimestamp(computed_at, timezone.utc)
    buckets = period.buckets(tz)
    rows = summary.per_hour if period.hourly else summary.per_day
    reviews = ReviewStore(store())
    return render_template("qa/dashboard.html", period=period, presets=PRESETS, summary=summary,
                           charts={by: trend_chart(rows, buckets, by) for by in ("intent", "skill")},
                           emotions=emotion_rows(summary.emotions), alerts=alert_list(reports), as_of=as_of,
                           cache_seconds=current_app.extensions["qa_dashboard_cache"].seconds,
                           stats=reviews.dashboard(), followups=AnalysisStore(store()).stats(),
                           audit_log=reviews.audit_log(limit=50))


@bp.get("/users")
@require("users")
def users():
    return render_template("qa/users.html", users=UserStore(store()).list(), roles=ROLES)


@bp.post("/users")
@require("users")
def add_user():
    name = request.form.get("name", "").strip()
    role = request.form.get("role", "")
    try:
        UserStore(store()).add(name, hash_password(request.form.get("password", "")), role)
    except (StoreError, ValueError) as exc:
        flash(str(exc), "error")
    else:
        ReviewStore(store()).audit(current_user.name, "user_add", detail={"name": name, "role": role},
                                   remote_addr=request.remote_addr)
        flash(t("users.added", name=name))
    return redirect(url_for("qa.admin.users"))


@bp.post("/users/<name>/active")
@require("users")
def set_active(name: str):
    active = request.form.get("active") == "1"
    if name == current_user.name and not active:
        abort(400)  # an admin cannot lock themself out by mistake
    try:
        UserStore(store()).update(name, active=active)
    except StoreError:
        abort(404)
    ReviewStore(store()).audit(current_user.name, "user_enable" if active else "user_disable",
                               detail={"name": name}, remote_addr=request.remote_addr)
    return redirect(url_for("qa.admin.users"))
