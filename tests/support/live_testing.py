"""Running hotline for real on 127.0.0.1 (HTTP + WebSocket) next to the simulator's stand-in for Twilio's REST API."""

from __future__ import annotations

import contextlib
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Iterator
from xml.etree import ElementTree

import websocket
from twilio.request_validator import RequestValidator

from fake_twilio import FakeTwilioRest, ServerThread
from ivr.app import create_app
from ivr.mediastream import twilio_messages
from ivr.simulator.server import LateApp
from twilio_testing import AUTH_TOKEN, make_settings

ACCOUNT = "AC" + "1" * 32


@contextlib.contextmanager
def live_hotline(tmp_path: Path, **overrides) -> Iterator[tuple[ServerThread, FakeTwilioRest, object]]:
    """(web server, fake Twilio REST, app) with speech navigation on."""
    fake = FakeTwilioRest(ACCOUNT, AUTH_TOKEN)
    holder = LateApp()
    with ServerThread(fake.wsgi) as rest, ServerThread(holder) as web:
        settings = make_settings(tmp_path, speech_navigation="on", public_url=web.url, twilio_account_sid=ACCOUNT,
                                 twilio_api_base_url=rest.url, **overrides)
        holder.app = create_app(settings)
        yield web, fake, holder.app


def post_signed(url: str, params: dict) -> ElementTree.Element:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(),
                                     headers={"X-Twilio-Signature": signature})
    with urllib.request.urlopen(request, timeout=10) as response:
        return ElementTree.fromstring(response.read())


def stream_caller_audio(stream_url: str, call_sid: str, ulaw: bytes) -> None:
    """Send ``ulaw`` over the media WebSocket exactly as Twilio would, signed for the wss URL."""
    signature = RequestValidator(AUTH_TOKEN).compute_signature(stream_url, {})
    ws = websocket.create_connection(stream_url, header=[f"X-Twilio-Signature: {signature}"], timeout=60)
    try:
        for message in twilio_messages(call_sid, "MZ" + call_sid[2:], ulaw, account_sid=ACCOUNT):
            ws.send(message)
    finally:
        ws.close()
