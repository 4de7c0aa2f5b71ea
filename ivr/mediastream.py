"""Twilio Media Streams wire format, in one place (like Pipecat's Twilio serializer).

Twilio sends JSON text messages over the WebSocket: ``connected``, ``start``, ``media``
(base64 mu-law, 8 kHz, mono, usually 20 ms = 160 bytes), ``dtmf`` and ``mark``
(bidirectional streams only) and ``stop``. :func:`parse` turns one message into a typed
value (``None`` for anything unknown); :func:`clear` and :func:`mark` build the
messages we may send back. No other module reads or writes this JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any, Union

#: Twilio's media format: G.711 mu-law, 8000 Hz, mono
SAMPLE_RATE = 8000


class MediaStreamError(ValueError):
    """A message that is not valid Media Streams JSON."""


@dataclass(frozen=True)
class Connected:
    protocol: str
    version: str


@dataclass(frozen=True)
class StreamStart:
    stream_sid: str
    call_sid: str
    account_sid: str
    #: "inbound" and/or "outbound"
    tracks: tuple[str, ...]
    #: <Parameter name= value=> pairs from the <Stream> TwiML
    custom_parameters: dict[str, str] = field(default_factory=dict)
    encoding: str = "audio/x-mulaw"
    #: Hz
    sample_rate: int = SAMPLE_RATE
    channels: int = 1


@dataclass(frozen=True)
class MediaChunk:
    stream_sid: str
    #: "inbound" (caller) or "outbound" (what the caller hears)
    track: str
    #: chunk counter, from 1
    chunk: int
    #: milliseconds since the stream started
    timestamp_ms: int
    #: raw mu-law bytes (no header)
    payload: bytes

    @property
    def duration_ms(self) -> float:
        return len(self.payload) * 1000 / SAMPLE_RATE


@dataclass(frozen=True)
class Dtmf:
    stream_sid: str
    digit: str


@dataclass(frozen=True)
class Mark:
    stream_sid: str
    name: str


@dataclass(frozen=True)
class StreamStop:
    stream_sid: str
    call_sid: str


Message = Union[Connected, StreamStart, MediaChunk, Dtmf, Mark, StreamStop]


def _get(data: dict, *path: str) -> Any:
    value: Any = data
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise MediaStreamError(f"{data.get('event', '?')} message without {'.'.join(path)}")
        value = value[key]
    return value


def parse(text: str | bytes) -> Message | None:
    """One WebSocket message -> a typed value; ``None`` for events we do not use."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MediaStreamError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MediaStreamError("a Media Streams message is a JSON object")
    event = data.get("event")
    if event == "connected":
        return Connected(protocol=str(data.get("protocol", "")), version=str(data.get("version", "")))
    if event == "start":
        start = _get(data, "start")
        fmt = start.get("mediaFormat", {})
        return StreamStart(
            stream_sid=str(data.get("streamSid") or _get(data, "start", "streamSid")),
            call_sid=str(_get(data, "start", "callSid")),
            account_sid=str(start.get("accountSid", "")),
            tracks=tuple(start.get("tracks", ("inbound",))),
            custom_parameters={str(k): str(v) for k, v in (start.get("customParameters") or {}).items()},
            encoding=str(fmt.get("encoding", "audio/x-mulaw")),
            sample_rate=int(fmt.get("sampleRate", SAMPLE_RATE)),
            channels=int(fmt.get("channels", 1)),
        )
    if event == "media":
        media = _get(data, "media")
        try:
            payload = base64.b64decode(_get(data, "media", "payload"), validate=True)
        except (binascii.Error, TypeError) as exc:
            raise MediaStreamError(f"media payload is not base64: {exc}") from exc
        return MediaChunk(
            stream_sid=str(data.get("streamSid", "")),
            track=str(media.get("track", "inbound")),
            chunk=int(media.get("chunk", 0)),
            timestamp_ms=int(media.get("timestamp", 0)),
            payload=payload,
        )
    if event == "dtmf":
        return Dtmf(stream_sid=str(data.get("streamSid", "")), digit=str(_get(data, "dtmf", "digit")))
    if event == "mark":
        return Mark(stream_sid=str(data.get("streamSid", "")), name=str(_get(data, "mark", "name")))
    if event == "stop":
        stop = data.get("stop") or {}
        return StreamStop(stream_sid=str(data.get("streamSid", "")), call_sid=str(stop.get("callSid", "")))
    return None


# ---- messages we send (bidirectional streams) and, in tests, what Twilio sends ----------


def clear(stream_sid: str) -> str:
    """Drop audio Twilio has buffered for playback (barge-in)."""
    return json.dumps({"event": "clear", "streamSid": stream_sid})


def mark(stream_sid: str, name: str) -> str:
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def connected_message() -> str:
    """The first message Twilio sends on a new stream."""
    return json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})


def start_message(call_sid: str, stream_sid: str, *, account_sid: str = "AC" + "0" * 32,
                  parameters: dict[str, str] | None = None, sequence: int = 1) -> str:
    """Twilio's ``start``: which call, which tracks, the media format and the <Parameter>s."""
    return json.dumps({"event": "start", "sequenceNumber": str(sequence), "streamSid": stream_sid, "start": {
        "streamSid": stream_sid, "accountSid": account_sid, "callSid": call_sid, "tracks": ["inbound"],
        "customParameters": parameters or {},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": SAMPLE_RATE, "channels": 1}}})


def media_message(stream_sid: str, payload: bytes, *, chunk: int, timestamp_ms: int, sequence: int) -> str:
    """One ``media`` message: mu-law bytes (160 = 20 ms), base64 in JSON, counters as strings like Twilio's."""
    return json.dumps({"event": "media", "sequenceNumber": str(sequence), "streamSid": stream_sid,
                       "media": {"track": "inbound", "chunk": str(chunk), "timestamp": str(timestamp_ms),
                                 "payload": base64.b64encode(payload).decode("ascii")}})


def stop_message(call_sid: str, stream_sid: str, *, account_sid: str = "AC" + "0" * 32, sequence: int) -> str:
    return json.dumps({"event": "stop", "sequenceNumber": str(sequence), "streamSid": stream_sid,
                       "stop": {"accountSid": account_sid, "callSid": call_sid}})


def twilio_messages(call_sid: str, stream_sid: str, ulaw: bytes, *, account_sid: str = "AC" + "0" * 32,
                    frame_bytes: int = 160, parameters: dict[str, str] | None = None) -> list[str]:
    """The messages Twilio would send for ``ulaw`` audio: connected, start, media..., stop.

    Used by the call simulator and tests to drive the real endpoint with real wire format.
    """
    messages = [connected_message(),
                start_message(call_sid, stream_sid, account_sid=account_sid, parameters=parameters)]
    sequence = 2
    for chunk, offset in enumerate(range(0, len(ulaw), frame_bytes), start=1):
        messages.append(media_message(stream_sid, ulaw[offset:offset + frame_bytes], chunk=chunk,
                                      timestamp_ms=offset * 1000 // SAMPLE_RATE, sequence=sequence))
        sequence += 1
    messages.append(stop_message(call_sid, stream_sid, account_sid=account_sid, sequence=sequence))
    return messages
