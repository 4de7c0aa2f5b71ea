"""Twilio voice webhooks (blueprint ``/twilio``): incoming call, gathered digits, call status.

Each handler is thin: check the signature, turn the form into an engine event, ask the
call service, render TwiML. No ASR, model loading or slow work happens here. When the
store fails, the caller still gets an apology and a queue, never a dead line.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from twilio.twiml.voice_response import VoiceResponse

from ivr.events import Digits, Hangup, NoInput, Say, Speech
from ivr.metrics import count_fail_safe
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
    return _hotline().twiml_options()


def _fail_safe(exc: Exception, call_sid: str) -> Response:
    hotline = _hotline()
    log.error("call %s: %s; apologising and queueing the caller", call_sid, exc)
    count_fail_safe()
    locale = hotline.settings.default_locale
    return _twiml(apology(locale, hotline.settings.voices, hotline.flow.agent.skill))


def _respond(call_sid: str, produce, start_call: bool = False) -> Response:
    """Run one call-service step and render it; a store failure still serves the caller."""
    try:
        turn = produce()
    except StoreError as exc:
        return _fail_safe(exc, call_sid)
    start_call = start_call and not turn.resumed
    return _twiml(render(turn.actions, _options(), call_sid=call_sid, caller=turn.caller, start_call=start_call))


def _incoming(form, call_sid: str):
    return _hotline().service.incoming(call_sid, caller=form.get("From", ""), called=form.get("To", ""))


@bp.post("/voice")
@twilio_signed
def voice() -> Response:
    call_sid = request.form.get("CallSid", "")
    if not call_sid:
        return Response("missing CallSid", status=400)
    return _respond(call_sid, lambda: _incoming(request.form, call_sid), start_call=True)


@bp.post("/gather")
@twilio_signed
def gather() -> Response:
    form = request.form
    call_sid = form.get("CallSid", "")
    if not call_sid:
        return Response("missing CallSid", status=400)
    digits = form.get("Digits", "")
    speech = form.get("SpeechResult", "")
    # Twilio's own <Gather input="speech"> posts SpeechResult + Confidence; accept it as speech too
    event = Digits(digits) if digits else Speech(speech, _confidence(form)) if speech else NoInput()

    def step():
        try:
            return _hotline().service.handle(call_sid, event)
        except CallNotFound:
            # a gather for a call we never saw start (e.g. the store was down then): start it now
            log.warning("gather for unknown call %s; starting it", call_sid)
            return _incoming(form, call_sid)

    return _respond(call_sid, step)


def _confidence(form) -> float:
    try:
        return float(form.get("Confidence", "1"))
    except ValueError:
        return 0.0


@bp.post("/recording")
@twilio_signed
def recording() -> Response:
    """Twilio's recording status callback: keep where the dual-channel recording is and queue its QA job.

    Nothing heavy here: the job (download, recognition, rules) runs on a post-call worker.
    """
    form = request.form
    call_sid = form.get("CallSid", "")
    detail = {k: form.get(v, "") for k, v in (("sid", "RecordingSid"), ("url", "RecordingUrl"),
                                               ("status", "RecordingStatus"), ("duration_s", "RecordingDuration"),
                                               ("channels", "RecordingChannels"),
                                               ("start_time", "RecordingStartTime"))}
    return _record_callback(call_sid, f"recording {detail['url']}", lambda: _recording_arrived(call_sid, detail))


def _recording_arrived(call_sid: str, detail: dict) -> None:
    hotline = _hotline()
    known = True
    try:
        hotline.store.add_event(call_sid, "recording", detail)
    except CallNotFound:
        known = False  # still queued: the job fails visibly ("no record of call ...") instead of vanishing
        log.warning("recording %s for unknown call %s: queued, its job will say so", detail["sid"], call_sid)
    if hotline.jobs is None or not detail["sid"] or detail["status"] not in ("completed", ""):
        if known:
            return
        raise CallNotFound(f"no call with sid {call_sid!r}")
    from qa.jobs import submit_recording

    job, created = submit_recording(hotline.jobs, call_sid=call_sid, recording_sid=detail["sid"], url=detail["url"],
                                    recording_start=detail["start_time"],
                                    max_attempts=hotline.settings.qa_max_attempts, notifier=hotline.notifier)
    log.info("call %s: recording %s %s job %s", call_sid, detail["sid"], "queued as" if created else "already has",
             job.id)


def _record_callback(call_sid: str, what: str, write) -> Response:
    """Store what a status-style callback reports; 503 when the store fails, so Twilio retries."""
    try:
        write()
    except CallNotFound:
        log.warning("%s for unknown call %s ignored", what, call_sid)
    except StoreError as exc:
        log.error("could not record %s of %s: %s", what, call_sid, exc)
        count_fail_safe()
        return Response("store unavailable", status=503)
    return Response(status=204)


@bp.post("/status")
@twilio_signed
def status() -> Response:
    form = request.form
    call_sid = form.get("CallSid", "")
    call_status = form.get("CallStatus", "")
    duration = form.get("CallDuration")
    if call_status not in ("completed", "busy", "failed", "no-answer", "canceled"):
        return Response(status=204)
    seconds = int(duration) if duration and duration.isdigit() else None
    return _record_callback(call_sid, f"status {call_status}",
                            lambda: _hotline().service.ended(call_sid, call_status, seconds,
                                                             caller=form.get("From", ""), called=form.get("To", "")))


@bp.post("/enqueue")
@twilio_signed
def enqueue_result() -> Response:
    """Twilio reports how the queue ended (bridged, hangup, queue-full ...); a full queue ends the call politely."""
    form = request.form
    result = form.get("QueueResult", "")
    call_sid = form.get("CallSid", "")
    log.info("call %s left the queue: %s", call_sid, result)
    detail = {"result": result, "queue_time_s": form.get("QueueTime", ""), "queue_sid": form.get("QueueSid", "")}
    try:
        # when the agent conversation began: the QA pipeline cuts the outbound channel there
        _hotline().store.add_event(call_sid, "queue_result", detail)
    except StoreError as exc:
        log.warning("could not record the queue result of %s: %s", call_sid, exc)
    if result in ("queue-full", "system-error", "error"):
        # no endless queue loop: tell the caller and end the call; the record keeps the route
        locale = _hotline().settings.default_locale
        text = ("抱歉，当前排队人数过多，请稍后再拨。" if locale.startswith("zh")
                else "Sorry, all our agents are busy. Please call again later.")
        return _twiml(render([Hangup(prompts=(Say(text, locale),))], _options()))
    return _twiml(str(VoiceResponse()))
