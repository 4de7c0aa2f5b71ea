"""Fusion of prosodic arousal with lexical cues, and the calm / tense / agitated / distressed labels.

Prosody gives arousal, text gives valence and risk; safety phrases override everything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .lexical import NEGATIVE, LexicalHit

LABELS = ("calm", "tense", "agitated", "distressed")
#: negative-lexicon evidence halves every this many seconds
NEG_HALF_LIFE_S = 20.0
#: a safety phrase keeps the timeline "distressed" this long, seconds
SAFETY_HOLD_S = 30.0
#: positive phrases (e.g. excited thanks) soften prosody-only arousal for this long, seconds
POSITIVE_HOLD_S = 20.0
#: fused agitation at or above this reads "tense"
TENSE_AT = 0.45


def worst(labels: Iterable[str | None]) -> str | None:
    """The most severe label (None if there is none)."""
    ranked = [LABELS.index(x) for x in labels if x is not None]
    return LABELS[max(ranked)] if ranked else None


class LexicalState:
    """Timed lexical hits of one call; answers "how negative / is there a safety phrase" at time t."""

    def __init__(self) -> None:
        self.hits: list[LexicalHit] = []
        self.has_transcript = False

    def add(self, hits: Iterable[LexicalHit]) -> None:
        self.has_transcript = True
        self.hits.extend(hits)

    def _before(self, t: float, categories: tuple[str, ...], hold: float | None = None) -> list[LexicalHit]:
        out = []
        for h in self.hits:
            ht = 0.0 if h.time is None else h.time
            if h.category in categories and ht <= t and (hold is None or t - ht <= hold):
                out.append(h)
        return out

    def negativity(self, t: float) -> float:
        """0..1 from a decaying count of negative hits up to t: one fresh hit -> 0.63, two -> 0.86."""
        mass = sum(0.5 ** ((t - (h.time or 0.0)) / NEG_HALF_LIFE_S) for h in self._before(t, NEGATIVE))
        return 1.0 - math.exp(-mass)

    def safety(self, t: float) -> list[LexicalHit]:
        return self._before(t, ("safety",), SAFETY_HOLD_S)

    def positive(self, t: float) -> bool:
        return bool(self._before(t, ("positive",), POSITIVE_HOLD_S))


def fuse(p_pros: float | None, neg: float, positive: bool, has_transcript: bool) -> float | None:
    """Fused agitation 0..1.

    Without a transcript it is the prosodic score. With one: p*(0.5 + 0.5*neg) + 0.5*neg*(1 - p), so words
    and voice must agree for a high value; positive words with no negative ones halve prosody-only arousal.
    """
    if p_pros is None:
        return round(0.5 * neg, 4) if neg > 0 else None
    if not has_transcript:
        return p_pros
    if positive and neg < 0.05:
        return round(0.5 * p_pros, 4)
    return round(p_pros * (0.5 + 0.5 * neg) + 0.5 * neg * (1 - p_pros), 4)


def window_label(flag: bool, agitation: float | None, neg: float, safety: bool, positive: bool) -> str | None:
    """Label of one moment of the call (None when there is neither a score nor a lexical cue)."""
    if safety:
        return "distressed"
    if flag and not (positive and neg < 0.05):
        return "agitated"
    if flag or neg >= 0.5 or (agitation is not None and agitation >= TENSE_AT):
        return "tense"
    return None if agitation is None else "calm"
