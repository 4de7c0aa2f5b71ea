"""Recognition results: words and utterances with times in seconds from stream start."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Word:
    """One recognised word."""

    text: str
    #: seconds from stream start
    start: float
    #: seconds from stream start
    end: float
    #: Vosk's word posterior, 0..1
    conf: float

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end, "conf": self.conf}

    @classmethod
    def from_dict(cls, data: dict) -> "Word":
        return cls(str(data["text"]), float(data["start"]), float(data["end"]), float(data["conf"]))


@dataclass(frozen=True)
class RecognitionResult:
    """A partial (still changing) or final (endpointed) hypothesis for one utterance."""

    text: str
    is_final: bool
    words: tuple[Word, ...] = field(default_factory=tuple)
    #: seconds from stream start (first word, or the stream position when there are no words)
    start: float = 0.0
    #: seconds from stream start (last word)
    end: float = 0.0
    #: mean word confidence, 0..1 (1.0 when Vosk gave no word confidences)
    confidence: float = 1.0

    def to_dict(self) -> dict:
        return {
            "text": self.text, "is_final": self.is_final, "start": self.start, "end": self.end,
            "confidence": self.confidence, "words": [w.to_dict() for w in self.words],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "RecognitionResult":
        return cls(
            text=str(data["text"]), is_final=bool(data["is_final"]),
            words=tuple(Word.from_dict(w) for w in data.get("words", [])),
            start=float(data["start"]), end=float(data["end"]), confidence=float(data["confidence"]),
        )


def parse_vosk_json(raw: str, *, is_final: bool, offset: float = 0.0, position: float = 0.0) -> RecognitionResult:
    """Turn Vosk's JSON (``Result``/``FinalResult``/``PartialResult``) into a result.

    ``offset`` (s) is added to Vosk's word times: Vosk counts from the start of the
    current recognizer, which hotline recreates on ``reset``. ``position`` (s) is used
    for start/end when there are no words.
    """
    data = json.loads(raw)
    text = (data.get("text") if is_final else data.get("partial")) or ""
    items = data.get("result" if is_final else "partial_result") or []
    words = tuple(
        Word(str(w["word"]), round(float(w["start"]) + offset, 3), round(float(w["end"]) + offset, 3),
             float(w.get("conf", 1.0)))
        for w in items
    )
    if words:
        start, end = words[0].start, words[-1].end
        confidence = sum(w.conf for w in words) / len(words)
    else:
        start = end = round(position, 3)
        confidence = 1.0
    return RecognitionResult(text.strip(), is_final, words, start, end, round(confidence, 4))
