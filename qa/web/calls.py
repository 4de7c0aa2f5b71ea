"""The call list: search (the store's Mandarin/English turn search), filters, sort, pages, counts,
highlights; its CSV export; supervisors' saved searches."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from qa.export import calls_csv
from qa.review import TransitionError
from qa.store import CallNotFound, CallRow, ReviewStore, UserStore, search_turns
from qa.store.search import MAX_LIMIT, normalise
from qa.web.audit import audit
from qa.web.auth import require
from qa.web.hooks import t
from qa.web.listquery import EMOTIONS, PER_PAGE, ListQuery
from qa.web.masking import mask_number
from qa.web.policy import can, sees_unredacted
from qa.web.text import segments

bp = Blueprint("calls", __name__, url_prefix="/calls")

#: a CSV export holds at most this many calls
EXPORT_LIMIT = 10_000
#: matching lines shown under a call in search results
SNIPPETS = 3
CSV_COLUMNS = ("sid", "started_at", "caller", "locale", "outcome", "skill", "intent", "priority", "duration_s",
               "caller_emotion", "agent_emotion", "qa_score", "state", "assignee", "review_score", "categories")


@dataclass
class Found:
    total: int
    rows: list[CallRow]
    #: call sid -> (its first matching lines [(party, start_ms, [(piece, is_match)])], how many match)
    snippets: dict[str, tuple[list, int]] = field(default_factory=dict)


def hotline():
    return current_app.extensions["hotline"]


def find_calls(query: ListQuery, *, limit: int, offset: int, snippets: bool = True) -> Found:
    """The calls this user may see that match ``query`` (a reviewer: only those assigned to them),
    and, for a text search, the matching lines of this page's calls, highlighted."""
    store = hotline().store
    redacted = not sees_unredacted(current_user.role)
    own = None if can(current_user.role, "all_calls") else current_user.id
    said = query.q if normalise(query.q) else None
    filters = replace(query.filters(assignee_id=own, tz=ZoneInfo(hotline().settings.qa_timezone)),
                      said=said, redacted=redacted)
    total, rows = ReviewStore(store).list_calls(filters, sort=query.sort, descending=query.order == "desc",
                                                limit=limit, offset=offset)
    found = Found(total, rows)
    if said and rows and snippets:
        page = search_turns(store, said, call_sids=[r.sid for r in rows], redacted=redacted, limit=MAX_LIMIT)
        for hit in page.hits:
            lines, count = found.snippets.get(hit.call_sid, ([], 0))
            if len(lines) < SNIPPETS:
                lines.append((hit.party, hit.start_ms, segments(hit.text, hit.highlights)))
            found.snippets[hit.call_sid] = (lines, count + 1)
    return found


def shown_caller(number: str) -> str:
    return number if sees_unredacted(current_user.role) else mask_number(number)


@bp.get("/")
def index():
    query = ListQuery.from_args(request.args)
    offset = (query.page - 1) * query.per_page
    found = find_calls(query, limit=query.per_page, offset=offset)
    reviews = ReviewStore(hotline().store)
    supervisor = can(current_user.role, "all_calls")
    return render_template(
        "qa/calls.html", query=query, found=found, offset=offset, facets=reviews.facets(), emotions=EMOTIONS,
        per_page_choices=PER_PAGE, pages=max(1, -(-found.total // query.per_page)), shown_caller=shown_caller,
        reviewers=[u for u in UserStore(hotline().store).list() if u.active] if supervisor else [],
        saved=reviews.saved_searches(current_user.id) if can(current_user.role, "saved_searches") else [],
    )


@bp.get("/export.csv")
def export_csv():
    query = ListQuery.from_args(request.args)
    found = find_calls(query, limit=EXPORT_LIMIT, offset=0, snippets=False)
    rows = [{"sid": r.sid, "started_at": r.started_at, "caller": shown_caller(r.caller), "locale": r.locale,
             "outcome": r.outcome, "skill": r.skill, "intent": r.intent, "priority": r.priority,
             "duration_s": round(r.duration_ms / 1000, 1), "caller_emotion": r.caller_emotion,
             "agent_emotion": r.agent_emotion, "qa_score": r.qa_score, "state": r.state, "assignee": r.assignee,
             "review_score": r.review_score, "categories": r.categories} for r in found.rows]
    if sees_unredacted(current_user.role):
        audit("export_csv", detail={"query": query.saved(), "calls": len(rows)})
    body = "\ufeff" + calls_csv(rows, CSV_COLUMNS)  # the BOM makes Excel read UTF-8 (Mandarin) right
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="hotline-calls.csv"'})


@bp.post("/searches")
@require("saved_searches")
def save_search():
    name = request.form.get("name", "").strip()[:128]
    query = ListQuery.from_args(dict(parse_qsl(request.form.get("query", ""))))
    if not name:
        flash(t("saved.need_name"), "error")
    else:
        ReviewStore(hotline().store).save_search(current_user.id, name, query.saved())
        flash(t("saved.saved", name=name))
    return redirect(url_for("qa.calls.index", **query.args()))


@bp.post("/searches/<int:search_id>/delete")
@require("saved_searches")
def delete_search(search_id: int):
    if not ReviewStore(hotline().store).delete_search(current_user.id, search_id):
        abort(404)
    return redirect(url_for("qa.calls.index"))


@bp.post("/assign")
@require("assign")
def bulk_assign():
    """Assign the ticked calls of the list to one reviewer; calls already scored are left alone."""
    query = ListQuery.from_args(dict(parse_qsl(request.form.get("query", ""))))
    assignee = request.form.get("assignee", "")
    sids = request.form.getlist("sid")
    if not assignee.isdigit() or not sids:
        flash(t("bulk.nothing"), "error")
        return redirect(url_for("qa.calls.index", **query.args()))
    reviews = ReviewStore(hotline().store)
    done = 0
    for sid in sids:
        try:
            reviews.act(sid, "assign", by=current_user.name, assignee_id=int(assignee))
            done += 1
        except (TransitionError, CallNotFound):
            continue  # scored or unknown: a supervisor reopens a scored call on its page
    flash(t("bulk.assigned", n=done, skipped=len(sids) - done))
    return redirect(url_for("qa.calls.index", **query.args()))
