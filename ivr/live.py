"""The live side of a call: the ``/twilio/media`` WebSocket (Media Streams) feeding Vosk.

Twilio forks the caller's audio here (``<Start><Stream>``). Each final utterance is handed
to the call service as a :class:`Speech` event; when that moves the call on, the new TwiML
replaces the current one through the REST API (barge-in). The recogniser's grammar follows
the caller from node to node. The WebSocket upgrade must carry a valid Twilio signature.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, abort, current_app, request
from simple_websocket import ConnectionClosed

from ivr.callcontrol import CallControl, CallControlError
from ivr.engine import CallState
from ivr.events import Speech
from ivr.listener import CallListener
from asr import ulaw_decode
from ivr.metrics import stream_meter
from ivr.mediastream import SAMPLE_RATE, MediaChunk, MediaStreamError, StreamStart, StreamStop, parse
from ivr.security import signature_is_valid
from ivr.twiml import render
from qa.store import StoreError

log = logging.getLogger(__name__)

MEDIA_PATH = "/twilio/media"


@dataclass
class LiveSpeech:
    """What the media endpoint needs: the shared model and a way to change live calls."""

    model: object  # asr.LoadedModel
    control: CallControl
    #: score the caller's prosody live (emotion timeline for routing)
    score_emotion: bool = True


def _ws_public_url(public_url: str) -> str:
    base = public_url.rstrip("/")
    return "wss://" + base.split("://", 1)[1] if base.startswith("https://") else "ws://" + base.split("://", 1)[1]


def stream_url(public_url: str) -> str:
    """Where ``<Stream url=...>`` points (Twilio requires wss:// in production)."""
    return _ws_public_url(public_url) + MEDIA_PATH


def _check_upgrade_signature() -> None:
    if request.path != MEDIA_PATH:
        return None
    settings = current_app.extensions["hotline"].settings
    if settings.disable_signature_check:
        return None
    # Twilio signs the WebSocket handshake over the wss:// URL with no parameters
    if not signature_is_valid(settings.twilio_auth_token, _ws_public_url(settings.public_url), form={}):
        log.warning("rejected media stream upgrade from %s: bad or missing X-Twilio-Signature", request.remote_addr)
        abort(403, description="invalid or missing X-Twilio-Signature")
    return None


class EmotionTracker:
    """Scores the caller's prosody live and records the call's emotion when it changes.

    The router reads the latest ``emotion`` event when it routes the call, so an agitated
    caller is prioritised even when another web worker serves the routing webhook.
    """

    #: a new record when the peak score rises this much (or the label changes)
    MIN_CHANGE = 0.1

    def __init__(self, store, call_sid: str):
        import emotion

        self.store = store
        self.call_sid = call_sid
        self.scorer = emotion.StreamScorer(sample_rate=SAMPLE_RATE)
        self._last: tuple[str, float] | None = None

    def feed(self, pcm) -> None:
        if self.scorer.feed(pcm):
            self._record()

    def heard(self, speech, start: float, end: float) -> None:
        if self.scorer.add_transcript(speech.text, start, end):
            self._record()

    def _record(self) -> None:
        summary = self.scorer.summary
        score = summary.peak if summary.peak is not None else 0.0
        if self._last and self._last[0] == summary.label and score < self._last[1] + self.MIN_CHANGE:
            return
        self._last = (summary.label, score)
        self.store.add_event(self.call_sid, "emotion", {
            "label": summary.label, "score": round(score, 3), "mean": summary.mean, "confidence": summary.confidence,
            "flagged_s": summary.flagged_s, "reasons": list(summary.reasons)[:5]})


class MediaSession:
    """One media stream: parse messages, listen, move the call on when the caller speaks."""

    #: how often (in 20 ms frames) the grammar is checked against the call's node: keys pressed
    #: on the <Gather> webhook move the call without this stream hearing about it
    REFRESH_FRAMES = 25

    def __init__(self, hotline, live: LiveSpeech):
        self.hotline = hotline
        self.live = live
        self.call_sid = ""
        self.listener: CallListener | None = None
        self.emotion: EmotionTracker | None = None
        self._frames = 0
        self._state_version: int | None = None

    def _state(self) -> CallState:
        record = self.hotline.store.get_call(self.call_sid, with_events=False)
        self._state_version = record.state_version
        return CallState.from_dict(record.state)

    def _follow_node(self) -> None:
        """Listen for the phrases of the node the call is at now (it may have moved by keypad)."""
        record = self.hotline.store.get_call(self.call_sid, with_events=False)
        if record.state_version != self._state_version:
            self._state_version = record.state_version
            self._listen(CallState.from_dict(record.state))

    def _listen(self, state: CallState) -> None:
        engine = self.hotline.engine
        self.listener.listen_for(engine.phrases_at(state), engine.cues_at(state, self.live.model.vocabulary))

    def on_message(self, text: str) -> bool:
        """Handle one message; False when the stream is over."""
        message = parse(text)
        if isinstance(message, StreamStart):
            self.call_sid = message.call_sid
            state = self._state()
            engine = self.hotline.engine
            vocabulary = self.live.model.vocabulary
            self.listener = CallListener(self.live.model, engine.phrases_at(state), engine.cues_at(state, vocabulary))
            self.emotion = EmotionTracker(self.hotline.store, self.call_sid) if self.live.score_emotion else None
            log.info("media stream %s started for call %s", message.stream_sid, self.call_sid)
        elif isinstance(message, MediaChunk) and self.listener is not None and message.track == "inbound":
            self._frames += 1
            if self._frames % self.REFRESH_FRAMES == 0:
                self._follow_node()
            pcm = ulaw_decode(message.payload)
            if self.emotion is not None:
                self.emotion.feed(pcm)
            for speech in self.listener.feed_pcm(pcm):
                self.on_speech(speech)
        elif isinstance(message, StreamStop):
            if self.listener is not None:
                for speech in self.listener.finish():
                    self.on_speech(speech)
            return False
        return True

    def on_speech(self, speech) -> None:
        if self.emotion is not None and self.listener.heard and isinstance(speech, Speech):
            last = self.listener.heard[-1]
            self.emotion.heard(speech, last.start, last.end)
        service = self.hotline.service
        turn = service.handle(self.call_sid, speech)
        if turn.actions:
            twiml = render(turn.actions, self.hotline.twiml_options(), call_sid=self.call_sid, caller=turn.caller)
            try:
                self.live.control.update(self.call_sid, twiml)
            except CallControlError as exc:
                log.error("call %s: could not apply speech result: %s", self.call_sid, exc)
        self._listen(turn.state)
        self._state_version = None  # re-read: this step stored a new version


def init_app(app: Flask, live: LiveSpeech) -> None:
    """Register the media WebSocket on ``app``."""
    from flask_sock import Sock

    app.before_request(_check_upgrade_signature)
    sock = Sock(app)

    @sock.route(MEDIA_PATH)
    def media(ws):
        session = MediaSession(current_app.extensions["hotline"], live)
        meter = stream_meter()  # active streams, real-time factor, the call SID in the logs
        try:
            while True:
                text = ws.receive()
                if text is None:
                    break
                started = meter.clock()
                try:
                    if not session.on_message(text):
                        break
                except MediaStreamError as exc:
                    log.warning("call %s: bad media message dropped: %s", session.call_sid or "?", exc)
                except StoreError as exc:
                    log.error("call %s: store failed during speech: %s", session.call_sid, exc)
                finally:
                    meter.message(text, started, session.call_sid)
        except ConnectionClosed:
            pass
        finally:
            try:
                if session.listener is not None:
                    log.info("call %s media ended; latency %s", session.call_sid,
                             session.listener.recognizer.latency.summary())
                    session.listener.close()
            finally:
                meter.close()
