"""One call: the page (header, IVR path, audio, transcript, emotion chart, categories, follow-ups,
comments, scorecard), its audio (HTTP Range), its JSON export, and the review actions.

Every route starts with :func:`open_call`, which refuses (403) a call the user may not open, so
a reviewer who edits the URL to another call gets nothing of it, not even whether it exists.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from qa.export import export_call, ivr_path
from qa.redaction import redact_text
from qa.review import TransitionError, allowed_actions
from qa.store import AnalysisStore, CallNotFound, ReviewRecord, ReviewStore, StoredAnalysis, UserStore
from qa.web.audit import audit
from qa.web.auth import require
from qa.web.chart import emotion_chart
from qa.web.hooks import t
from qa.web.policy import ACTION_PERMISSION, can_act, can_open_call, can_score, sees_unredacted
from qa.web.scorecard import compute_score, load_scorecard, prefill, read_answers
from qa.web.text import turn_of

bp = Blueprint("call", __name__, url_prefix="/calls/<sid>")

def hotline():
    return current_app.extensions["hotline"]


def open_call(sid: str) -> tuple[ReviewRecord, StoredAnalysis]:
    """The call's review and analysis, or 403 (not this user's call) / 404 (supervisors only)."""
    try:
        review = ReviewStore(hotline().store).review(sid)
    except CallNotFound:
        review = None
    if not can_open_call(current_user.role, current_user.id, review.assignee_id if review else None):
        abort(403)
    stored = AnalysisStore(hotline().store).get(sid) if review else None
    if stored is None:
        abort(404)
    return review, stored


def unredacted_view() -> bool:
    """Supervisors read the real words unless they ask for the reviewer's view (``?view=redacted``)."""
    return sees_unredacted(current_user.role) and request.args.get("view") != "redacted"


def shown_answers(review: ReviewRecord, submissions: list, prefilled: dict[str, str],
                  posted: dict[str, str] | None) -> dict[str, str]:
    """What the scorecard form shows: the answers just posted (a refused submission), else the
    submission that counts once the review is done, else the rules' prefill."""
    if posted is not None:
        return posted
    current = next((s for s in submissions if s.reopened_at is None), None)
    if current is not None and review.state != "in_review":
        return {question: answer["value"] for question, answer in current.answers.items()}
    return prefilled


def shown_text(turn, unredacted: bool) -> str:
    if unredacted:
        return turn.text
    # a turn the pipeline never redacted is masked now, as the export does
    return turn.redacted_text if turn.redacted_text is not None else redact_text(turn.text).text


@bp.get("/")
def page(sid: str, form_values: dict | None = None, errors: list[str] | None = None, status: int = 200):
    review, stored = open_call(sid)
    store = hotline().store
    reviews = ReviewStore(store)
    if review.state == "assigned" and review.assignee_id == current_user.id:
        reviews.act(sid, "start", by=current_user.name)  # the assignee opened it: the review has begun
        review = reviews.review(sid)
    unredacted = unredacted_view()
    if unredacted and request.method == "GET":
        audit("open_call", sid, {"view": "unredacted"})
    record = store.get_call(sid)
    analysis, outcome = stored.analysis, stored.outcome
    turns = sorted(analysis.turns, key=lambda x: (x.start_ms, x.end_ms))
    categories = [{"category": c, "matches": [(m, turn_of(m, turns)) for m in c.matches]}
                  for c in outcome.categories]
    flags: dict[int, list] = {}  # transcript line -> the categories that point at it
    for item in categories:
        for index in {i for _, i in item["matches"] if i is not None}:
            flags.setdefault(index, []).append(item["category"])
    card = load_scorecard(current_app.config["QA_SCORECARD"])
    prefilled = prefill(card, {c.category for c in outcome.categories})
    submissions = reviews.submissions(sid)
    values = shown_answers(review, submissions, prefilled, form_values)
    scorable = review.state == "in_review" and can_score(current_user.role, current_user.id, review.assignee_id)
    actions = [a for a in allowed_actions(review.state) if can_act(current_user.role, a)]
    return render_template(
        "qa/call.html", sid=sid, record=record, review=review, analysis=analysis, outcome=outcome,
        unredacted=unredacted, turns=[(turn, shown_text(turn, unredacted)) for turn in turns],
        path=ivr_path(record.to_dict()["events"], redacted=not unredacted), categories=categories, flags=flags,
        chart=emotion_chart(analysis.emotion, analysis.duration_ms),
        followups=AnalysisStore(store).followups(call_sid=sid, status=None), comments=reviews.comments(sid),
        card=card, prefilled=prefilled, values=values, errors=errors or [], submissions=submissions,
        preview=compute_score(card, values), scorable=scorable, actions=actions,
        reviewers=[u for u in UserStore(store).list() if u.active] if "assign" in actions else [],
        redact=lambda text: redact_text(text).text if text else text,
    ), status


@bp.get("/audio")
def audio(sid: str):
    """The recording (both channels), with Range support so the player can seek: the redacted copy
    for reviewers, the original for supervisors (audited; ``?view=redacted`` for the copy)."""
    _, stored = open_call(sid)
    unredacted = unredacted_view()
    files = stored.audio or {}
    path = files.get("original" if unredacted else "redacted")
    if not path or not Path(path).is_file():
        abort(404)
    if unredacted and (not request.range or request.range.ranges[0][0] == 0):
        audit("open_audio", sid, {"view": "unredacted"})  # once per playback (its first bytes), not per seek
    return send_file(path, mimetype="audio/wav", conditional=True, max_age=0)


@bp.get("/export.json")
def export_json(sid: str):
    _, stored = open_call(sid)
    unredacted = unredacted_view()
    record = hotline().store.get_call(sid)
    followups = [asdict(f) for f in AnalysisStore(hotline().store).followups(call_sid=sid, status=None)]
    document = export_call(record.to_dict(), stored.analysis, stored.outcome, followups, redacted=not unredacted)
    if unredacted:
        audit("export_json", sid, {"view": "unredacted"})
    response = jsonify(document)
    response.headers["Content-Disposition"] = f'attachment; filename="{sid}.json"'
    return response


@bp.post("/scorecard")
def submit_scorecard(sid: str):
    review, stored = open_call(sid)
    if not can_score(current_user.role, current_user.id, review.assignee_id):
        abort(403)
    card = load_scorecard(current_app.config["QA_SCORECARD"])
    prefilled = prefill(card, {c.category for c in stored.outcome.categories})
    answers, problems = read_answers(card, request.form, prefilled)
    if problems:
        values = {q.id: request.form.get(f"a_{q.id}", "") for q in card.questions()}
        return page(sid, form_values=values, errors=problems, status=400)
    score = compute_score(card, {q: a["value"] for q, a in answers.items()})
    try:
        ReviewStore(hotline().store).submit(sid, reviewer_id=current_user.id, form=card.key, answers=answers,
                                            score=score.total, sections=score.sections,
                                            note=request.form.get("note", "").strip())
    except TransitionError:
        flash(t("review.not_now"), "error")
        return redirect(url_for("qa.call.page", sid=sid))
    flash(t("scorecard.saved", score=f"{score.total:g}"))
    return redirect(url_for("qa.call.page", sid=sid))


@bp.post("/review/<action>")
def review_action(sid: str, action: str):
    open_call(sid)
    if action not in ACTION_PERMISSION:
        abort(404)
    if not can_act(current_user.role, action):
        abort(403)
    assignee = request.form.get("assignee", "")
    try:
        ReviewStore(hotline().store).act(sid, action, by=current_user.name,
                                         assignee_id=int(assignee) if assignee.isdigit() else None,
                                         note=request.form.get("note", "").strip())
    except TransitionError:
        flash(t("review.not_now"), "error")
    else:
        flash(t(f"review.done_{action}"))
    return redirect(url_for("qa.call.page", sid=sid))


@bp.post("/comments")
def comment(sid: str):
    open_call(sid)
    text = request.form.get("text", "").strip()[:4000]
    at = request.form.get("at_ms", "")
    if text:
        ReviewStore(hotline().store).add_comment(sid, current_user.id, text, int(at) if at.isdigit() else None)
    else:
        flash(t("comment.empty"), "error")
    return redirect(url_for("qa.call.page", sid=sid) + "#comments")


@bp.post("/followups/<int:followup_id>")
@require("followups")
def close_followup(sid: str, followup_id: int):
    """Mark one of the call's follow-ups done or cancelled (a supervisor, with an optional note)."""
    open_call(sid)
    analyses = AnalysisStore(hotline().store)
    if followup_id not in {f.id for f in analyses.followups(call_sid=sid, status=None)}:
        abort(404)  # not this call's: the URL was edited
    status = "cancelled" if request.form.get("status") == "cancelled" else "done"
    analyses.close_followup(followup_id, current_user.name, request.form.get("note", "").strip(), status=status)
    flash(t(f"followup.closed_{status}"))
    return redirect(url_for("qa.call.page", sid=sid))
