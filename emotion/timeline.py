"""The values the scorer hands out: per-window records, per-turn and per-call summaries, the call timeline."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

from .errors import TranscriptError
from .fusion import LABELS, worst
from .lexical import LexicalHit

#: plain-language names of the arousal cues, for reasons ("louder +2.1 SD")
CUE_WORDS = {
    "f0_med_st": ("higher pitch", "lower pitch"),
    "f0_range_st": ("wider pitch range", "flatter pitch"),
    "loud_db": ("louder", "quieter"),
    "alpha_db": ("brighter voice", "darker voice"),
    "hammarberg_db": ("softer voice", "pressed voice"),
    "rate_syl_s": ("faster", "slower"),
}


@dataclass(frozen=True)
class TranscriptTurn:
    """One transcribed turn of the caller."""

    start: float
    """seconds from the start of the call"""
    end: float
    """seconds from the start of the call"""
    text: str
    lang: str | None = None
    """'zh' or 'en'; detected from the text when None"""

    @staticmethod
    def coerce(item: "TranscriptTurn | Mapping") -> "TranscriptTurn":
        """A turn from a TranscriptTurn or a mapping with text and start/end (s) or start_ms/end_ms."""
        if isinstance(item, TranscriptTurn):
            turn = item
        elif isinstance(item, Mapping):
            try:
                if "start_ms" in item:
                    start, end = float(item["start_ms"]) / 1000, float(item["end_ms"]) / 1000
                else:
                    start, end = float(item["start"]), float(item["end"])
                turn = TranscriptTurn(start, end, str(item["text"]), item.get("lang"))
            except (KeyError, TypeError, ValueError) as exc:
                raise TranscriptError(f"a transcript turn needs text and start/end times, got {dict(item)!r}") from exc
        else:
            raise TranscriptError(f"a transcript turn must be a TranscriptTurn or a mapping, got {type(item).__name__}")
        if not (math.isfinite(turn.start) and math.isfinite(turn.end)) or turn.end < turn.start or turn.start < 0:
            raise TranscriptError(f"transcript turn has bad times {turn.start}..{turn.end} s")
        return turn


@dataclass(frozen=True)
class EmotionWindow:
    """One 3 s window of the timeline (one per second)."""

    t0: float
    """window start, seconds"""
    t1: float
    """window end, seconds (the moment the value is known live)"""
    score: float | None
    """prosodic arousal 0..1; None when the window has no score (see reason)"""
    smooth: float | None
    """EMA-smoothed arousal"""
    agitation: float | None
    """arousal fused with lexical cues, 0..1"""
    flag: bool
    """agitation flag (prosodic hysteresis) or a safety phrase"""
    label: str | None
    """calm / tense / agitated / distressed; None without score or cue"""
    confidence: str | None
    """'high' (caller baseline set), 'low' (population prior), None (no score)"""
    reason: str | None
    """why there is no score: too_short, tonal, no_speech, unvoiced"""
    cues: dict[str, float]
    """robust z of each cue against the caller's baseline"""
    families: dict[str, float]
    """z of the pitch, energy and tempo cue families"""
    instability: float | None
    """voice-instability indicator (jitter, shimmer, HNR; QA only)"""
    level_step_db: float
    """loudness taken out so far as channel gain changes (handset, AGC), dB"""
    features: dict[str, float | str | None]
    """the raw window functionals (units in emotion.window.WindowFeatures)"""
    lexical: list[dict] = field(default_factory=list)
    """lexical hits whose time falls in this window"""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class EmotionSummary:
    """What the router and QA need to know about a stretch of the call."""

    label: str
    """calm / tense / agitated / distressed"""
    peak: float | None
    """highest fused agitation, 0..1 (None if nothing was scored)"""
    mean: float | None
    """mean fused agitation of scored windows"""
    confidence: str
    """'high', 'low' (short call: population prior only) or 'none' (nothing scorable, label from words only)"""
    flagged_s: float
    """seconds under the agitation flag"""
    reasons: list[str]
    """why, in words: strongest cues of the peak window, lexical hits, why nothing was scored"""
    flagged_spans: list[dict] = field(default_factory=list)
    """stretches under the flag: ``{"start", "end"}`` seconds and the ``peak`` fused agitation in them"""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TurnSummary:
    turn: TranscriptTurn
    summary: EmotionSummary

    def to_dict(self) -> dict:
        return {"turn": asdict(self.turn), "summary": self.summary.to_dict()}


@dataclass(frozen=True)
class EmotionTimeline:
    """The scorer's output for one call: JSON-ready with :meth:`to_dict`."""

    duration_s: float
    """audio length, seconds"""
    windows: list[EmotionWindow]
    summary: EmotionSummary
    turns: list[TurnSummary]
    hits: list[LexicalHit]
    """every lexical hit of the call"""

    def to_dict(self) -> dict:
        return {
            "duration_s": self.duration_s,
            "summary": self.summary.to_dict(),
            "turns": [t.to_dict() for t in self.turns],
            "hits": [h.to_dict() for h in self.hits],
            "windows": [w.to_dict() for w in self.windows],
        }


def _cue_reasons(w: EmotionWindow, limit: int = 3) -> list[str]:
    out = []
    for cue, z in sorted(w.cues.items(), key=lambda kv: -abs(kv[1])):
        if cue in CUE_WORDS and abs(z) >= 1.0:
            word = CUE_WORDS[cue][0 if z > 0 else 1]
            out.append(f"{word} ({z:+.1f} SD)")
    return out[:limit]


def flagged_spans(windows: Sequence[EmotionWindow]) -> list[dict]:
    """Runs of flagged windows as spans; a window stands for the time since the window before it (its hop)."""
    spans: list[dict] = []
    prev_t1 = None
    for w in windows:
        start = round(max(w.t1 - 1.0, prev_t1 if prev_t1 is not None else w.t0), 3)
        prev_t1 = w.t1
        if not w.flag:
            continue
        value = w.agitation if w.agitation is not None else w.score
        if spans and abs(spans[-1]["end"] - start) < 1e-6:
            spans[-1]["end"] = w.t1
            if value is not None:
                spans[-1]["peak"] = max(spans[-1]["peak"] or 0.0, value)
        else:
            spans.append({"start": start, "end": w.t1, "peak": value})
    return spans


def summarize(windows: Sequence[EmotionWindow], hits: Sequence[LexicalHit], t0: float, t1: float) -> EmotionSummary:
    """Summary of the windows that overlap ``t0 .. t1`` and the hits inside it."""
    inside = [w for w in windows if w.t1 > t0 and w.t0 < t1]
    scored = [w for w in inside if w.agitation is not None and w.score is not None]
    in_hits = [h for h in hits if h.time is None or t0 <= h.time <= t1]
    labels = [w.label for w in inside]
    if any(h.category == "safety" for h in in_hits):
        labels.append("distressed")
    label = worst(labels) or "calm"
    reasons: list[str] = []
    if scored:
        peak_w = max(scored, key=lambda w: w.agitation)
        reasons += _cue_reasons(peak_w)
    elif inside:
        missing = sorted({w.reason for w in inside if w.reason})
        reasons.append("nothing to score: " + ", ".join(missing) if missing else "nothing to score")
    else:
        reasons.append("nothing to score: no audio")
    for h in in_hits:
        reasons.append(f"{h.category}: '{h.phrase}'")
    steps = [w.level_step_db for w in inside if w.level_step_db]
    if steps:
        reasons.append(f"channel level change of {steps[-1]:+.0f} dB ignored")
    confidence = "none"
    if scored:
        confidence = "high" if any(w.confidence == "high" for w in scored) else "low"
    spans = flagged_spans(inside)
    flagged = round(sum(sp["end"] - sp["start"] for sp in spans), 3)
    return EmotionSummary(
        label=label if label in LABELS else "calm",
        peak=round(max(w.agitation for w in scored), 4) if scored else None,
        mean=round(sum(w.agitation for w in scored) / len(scored), 4) if scored else None,
        confidence=confidence,
        flagged_s=flagged,
        reasons=reasons,
        flagged_spans=spans,
    )
