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
from ivr.listener import CallListener
from ivr.mediastream import MediaChunk, MediaStreamError, StreamStart, StreamStop, parse
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


class MediaSession:
    """One media stream: parse messages, listen, move the call on when the caller speaks."""

    def __init__(self, hotline, live: LiveSpeech):
        self.hotline = hotline
        self.live = live
        self.call_sid = ""
        self.listener: CallListener | None = None

    def _state(self) -> CallState:
        record = self.hotline.store.get_call(self.call_sid, with_events=False)
        return CallState.from_dict(record.state)

    def on_message(self, text: str) -> bool:
        """Handle one message; False when the stream is over."""
        message = parse(text)
        if isinstance(message, StreamStart):
            self.call_sid = message.call_sid
            phrases = self.hotline.engine.phrases_at(self._state())
            self.listener = CallListener(self.live.model, phrases)
            log.info("media stream %s started for call %s", message.stream_sid, self.call_sid)
        elif isinstance(message, MediaChunk) and self.listener is not None and message.track == "inbound":
            for speech in self.listener.feed(message.payload):
                self.on_speech(speech)
        elif isinstance(message, StreamStop):
            if self.listener is not None:
                for speech in self.listener.finish():
                    self.on_speech(speech)
            return False
        return True

    def on_speech(self, speech) -> None:
        service = self.hotline.service
        turn = service.handle(self.call_sid, speech)
        if turn.actions:
            twiml = render(turn.actions, self.hotline.twiml_options(), call_sid=self.call_sid, caller=turn.caller)
            try:
                self.live.control.update(self.call_sid, twiml)
            except CallControlError as exc:
                log.error("call %s: could not apply speech result: %s", self.call_sid, exc)
        self.listener.listen_for(self.hotline.engine.phrases_at(turn.state))


def init_app(app: Flask, live: LiveSpeech) -> None:
    """Register the media WebSocket on ``app``."""
    from flask_sock import Sock

    app.before_request(_check_upgrade_signature)
    sock = Sock(app)

    @sock.route(MEDIA_PATH)
    def media(ws):
        session = MediaSession(current_app.extensions["hotline"], live)
        try:
            while True:
                text = ws.receive()
                if text is None:
                    break
                try:
                    if not session.on_message(text):
                        break
                except MediaStreamError as exc:
                    log.warning("call %s: bad media message dropped: %s", session.call_sid or "?", exc)
                except StoreError as exc:
                    log.error("call %s: store failed during speech: %s", session.call_sid, exc)
        except ConnectionClosed:
            pass
        finally:
            if session.listener is not None:
                log.info("call %s media ended; latency %s", session.call_sid,
                         session.listener.recognizer.latency.summary())
