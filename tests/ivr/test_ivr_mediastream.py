"""Media Streams wire format: Twilio's messages in, typed values out."""

from __future__ import annotations

import base64
import json

import pytest

from ivr.mediastream import (Connected, Dtmf, Mark, MediaChunk, MediaStreamError, StreamStart, StreamStop, clear,
                             mark, parse, twilio_messages)

START = {"event": "start", "sequenceNumber": "1", "streamSid": "MZ1", "start": {
    "streamSid": "MZ1", "accountSid": "AC1", "callSid": "CA1", "tracks": ["inbound"],
    "customParameters": {"call_sid": "CA1"},
    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}}


def test_twilio_messages_parse_back():
    ulaw = bytes(range(256)) * 2  # 512 bytes: three full 160-byte frames and a short one
    messages = [parse(m) for m in twilio_messages("CA9", "MZ9", ulaw, parameters={"a": "b"})]
    assert isinstance(messages[0], Connected) and messages[0].protocol == "Call"
    start = messages[1]
    assert isinstance(start, StreamStart) and (start.call_sid, start.stream_sid) == ("CA9", "MZ9")
    assert start.custom_parameters == {"a": "b"} and start.sample_rate == 8000
    media = messages[2:-1]
    assert [m.chunk for m in media] == [1, 2, 3, 4]
    assert [m.timestamp_ms for m in media] == [0, 20, 40, 60]
    assert b"".join(m.payload for m in media) == ulaw
    assert media[0].duration_ms == 20
    assert isinstance(messages[-1], StreamStop) and messages[-1].call_sid == "CA9"


def test_start_dtmf_mark():
    start = parse(json.dumps(START))
    assert start.tracks == ("inbound",) and start.account_sid == "AC1"
    assert parse(json.dumps({"event": "dtmf", "streamSid": "MZ1", "dtmf": {"track": "inbound_track", "digit": "5"}})) == Dtmf("MZ1", "5")
    assert parse(json.dumps({"event": "mark", "streamSid": "MZ1", "mark": {"name": "p3"}})) == Mark("MZ1", "p3")
    assert parse(json.dumps({"event": "something-new"})) is None


@pytest.mark.parametrize("text,fragment", [
    ("not json", "not JSON"),
    ("[1, 2]", "JSON object"),
    (json.dumps({"event": "start", "start": {"streamSid": "MZ1"}}), "start.callSid"),
    (json.dumps({"event": "media", "media": {"payload": "@@@"}}), "not base64"),
    (json.dumps({"event": "media"}), "without media"),
])
def test_malformed_messages(text, fragment):
    with pytest.raises(MediaStreamError, match=fragment):
        parse(text)


def test_outgoing_messages():
    assert json.loads(clear("MZ1")) == {"event": "clear", "streamSid": "MZ1"}
    assert json.loads(mark("MZ1", "prompt-1")) == {"event": "mark", "streamSid": "MZ1", "mark": {"name": "prompt-1"}}


def test_media_payload_is_raw_mulaw():
    payload = base64.b64encode(b"\xff" * 160).decode()
    chunk = parse(json.dumps({"event": "media", "streamSid": "MZ1",
                              "media": {"track": "inbound", "chunk": "7", "timestamp": "140", "payload": payload}}))
    assert isinstance(chunk, MediaChunk) and chunk.payload == b"\xff" * 160 and chunk.chunk == 7
