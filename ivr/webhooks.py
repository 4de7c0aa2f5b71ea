"""Twilio voice webhooks (blueprint ``/twilio``): incoming call, gathered digits, call status.

Each handler is thin: check the signature, turn the form into an engine event, ask the
call service, render TwiML. No ASR, model loading or slow work happens here. When the
store fails, the caller still gets an apology and a queue, never a dead line.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from twilio.twiml.voice_response import VoiceResponse

from ivr.events import Digits, Hangup, NoInput, Say
from ivr.security import twilio_signed
from ivr.twiml import TwimlOptions, apology, render
from qa.store import CallNotFound, StoreError

log = logging.getLogger(__name__)

bp = Blueprint("twilio", __name__, url_prefix="/twilio")


def _hotline():
    return current_app.extensions["hotline"]


def _twiml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def _options() -> TwimlOptions:
    settings = _hotline().settings
    base = settings.public_url.rstrip("/")
    return TwimlOptions(
        gather_url=f"{base}/twilio/gather",
        voices=settings.voices,
        gather_timeout=settings.gather_timeout,
        workflow_sid=settings.taskrouter_workflow_sid,
        task_timeout=settings.task_timeout,
        enqueue_action_url=f"{base}/twilio/enqueue",
    )


def _fail_safe(exc: Exception, call_sid: str) -> Response:
    hotline = _hotline()
    log.error("call %s: %s; apologising and queueing the caller", call_sid, exc)
    locale = hotline.settings.default_locale
    return _twiml(apology(locale, hotline.settings.voices, hotline.flow.agent.skill))


def _respond(call_sid: str, produce) -> Response:
    """Run one call-service step and render it; a store failure still serves the caller."""
    try:
        turn = produce()
    except StoreError as exc:
        return _fail_safe(exc, call_sid)
    return _twiml(render(turn.actions, _options(), call_sid=call_sid, caller=turn.caller))


def _incoming(form, call_sid: str):
    return _hotline().service.incoming(call_sid, caller=form.get("From", ""), called=form.get("To", ""))


@bp.post("/voice")
@twilio_signed
def voice() -> Response:
    call_sid = request.form.get("CallSid", "")
    if not call_sid:
        return Response("missing CallSid", status=400)
    return _respond(call_sid, lambda: _incoming(request.form, call_sid))


@bp.post("/gather")
@twilio_signed
def gather() -> Response:
    form = request.form
    call_sid = form.get("CallSid", "")
    if not call_sid:
        return Response("missing CallSid", status=400)
    digits = form.get("Digits", "")
    event = Digits(digits) if digits else NoInput()

    def step():
        try:
            return _hotline().service.handle(call_sid, event)
        except CallNotFound:
            # a gather for a call we never saw start (e.g. the store was down then): start it now
            log.warning("gather for unknown call %s; starting it", call_sid)
            return _incoming(form, call_sid)

    return _respond(call_sid, step)


@bp.post("/status")
@twilio_signed
def status() -> Response:
    form = request.form
    call_sid = form.get("CallSid", "")
    call_status = form.get("CallStatus", "")
    duration = form.get("CallDuration")
    if call_status in ("completed", "busy", "failed", "no-answer", "canceled"):
        try:
            _hotline().service.ended(call_sid, call_status, int(duration) if duration and duration.isdigit() else None)
        except CallNotFound:
            log.warning("status %s for unknown call %s ignored", call_status, call_sid)
        except StoreError as exc:
            log.error("could not record status %s of %s: %s", call_status, call_sid, exc)
            return Response("store unavailable", status=503)  # Twilio retries status callbacks
    return Response(status=204)


@bp.post("/enqueue")
@twilio_signed
def enqueue_result() -> Response:
    """Twilio reports how the queue ended (bridged, hangup, queue-full ...); a full queue goes to general."""
    form = request.form
    result = form.get("QueueResult", "")
    call_sid = form.get("CallSid", "")
    log.info("call %s left the queue: %s", call_sid, result)
    if result in ("queue-full", "system-error", "error"):
        # no endless queue loop: tell the caller and end the call; the record keeps the route
        locale = _hotline().settings.default_locale
        text = ("抱歉，当前排队人数过多，请稍后再拨。" if locale.startswith("zh")
                else "Sorry, all our agents are busy. Please call again later.")
        return _twiml(render([Hangup(prompts=(Say(text, locale),))], _options()))
    return _twiml(str(VoiceResponse()))
