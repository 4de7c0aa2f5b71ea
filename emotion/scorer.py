"""From window features to a 0-1 arousal score and an agitation flag (pure logic, no audio).

Per window: robust z against the caller's own baseline (population prior until 12 s of speech), level steps
taken out of loudness, a weighted sum, a cue-agreement guard, a logistic map, EMA smoothing and on/off
hysteresis. Nothing is fitted: the constants are priors, documented where they are defined.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .prior import AROUSAL_CUES, PRIOR_HIGH, PRIOR_LOW, PRIOR_SPLIT_HZ, PRIOR_WINDOWS, QUALITY_CUES, SCALE_FLOOR
from .window import WindowFeatures

#: seconds of caller speech that form the baseline
BASELINE_SPEECH_S = 12.0
#: z-scores are clipped to +/- this
Z_CLIP = 4.0
#: a cue family "agrees" above this z
AGREE_Z = 1.0
#: with fewer than two agreeing families raw is capped here (score ~0.38): one cue alone never flags
SINGLE_FAMILY_CAP = 0.85
#: logistic map score = 1 / (1 + exp(-2k (raw - b))): raw 0 -> 0.04, 1 -> 0.5, 2 -> 0.96
LOGISTIC_K = 1.6
LOGISTIC_B = 1.0
#: EMA weight of the newest window
EMA_ALPHA = 0.5
#: hysteresis: on after FLAG_ON_N windows >= FLAG_ON, off after FLAG_OFF_N windows <= FLAG_OFF
FLAG_ON, FLAG_ON_N = 0.70, 2
FLAG_OFF, FLAG_OFF_N = 0.45, 4
#: level step: loudness moves this much between non-overlapping windows while pitch and tilt hold still
STEP_DB = 5.0
STEP_MAX_F0_ST = 1.5
STEP_MAX_ALPHA_DB = 2.5
#: espeak's F0 raises the alpha ratio (harmonics move up through the band); tilt is judged net of this coupling
ALPHA_PER_ST = 0.35
HAMMARBERG_PER_ST = -0.35

ALL_CUES = tuple(AROUSAL_CUES) + tuple(QUALITY_CUES)
#: loudness this far from baseline (z) for LOUD_ONLY_N windows, with pitch and tempo families below AGREE_Z,
#: is taken as a channel gain change even when it was gradual (AGC, a handset moved away)
LOUD_ONLY_Z = 2.5
LOUD_ONLY_N = 3


def families_of(z: dict[str, float]) -> dict[str, float]:
    """z of the three cue families: pitch (level, range), energy (loudness, tilt), tempo."""
    return {
        "pitch": max(z.get("f0_med_st", -Z_CLIP), z.get("f0_range_st", -Z_CLIP)),
        "energy": max(z.get("loud_db", -Z_CLIP), 0.5 * (z.get("alpha_db", 0.0) - z.get("hammarberg_db", 0.0))),
        "tempo": z.get("rate_syl_s", -Z_CLIP),
    }


@dataclass(frozen=True)
class WindowScore:
    """The prosodic result for one window."""

    score: float | None
    """arousal 0..1 (None when the window has no score)"""
    smooth: float | None
    """EMA of the score"""
    flag: bool
    """agitation flag after hysteresis"""
    confidence: str | None
    """'high' once the caller's baseline is set, 'low' on the population prior, None without a score"""
    z: dict[str, float]
    """robust z of each cue against the baseline (arousal and voice-quality cues)"""
    families: dict[str, float]
    """z of the pitch, energy and tempo families"""
    instability: float | None
    """voice-instability indicator (mean z of jitter, shimmer, -HNR; QA only)"""
    level_step_db: float
    """total loudness offset taken out as channel gain changes so far, dB"""


def _robust(values: list[float]) -> tuple[float, float]:
    a = np.asarray([v for v in values if math.isfinite(v)])
    if len(a) == 0:
        return math.nan, math.nan
    med = float(np.median(a))
    return med, float(1.4826 * np.median(np.abs(a - med)))


@dataclass
class Baseline:
    """The caller's own reference, built from valid windows of their first BASELINE_SPEECH_S of speech."""

    speech_s: float = 0.0
    """caller speech heard so far in valid windows, seconds"""
    rows: list[dict[str, float]] = field(default_factory=list)
    frozen: dict[str, tuple[float, float]] | None = None
    """cue -> (median, robust sd) once the baseline is complete"""

    def add(self, values: dict[str, float], new_speech_s: float) -> None:
        if self.frozen is not None:
            return
        self.rows.append(values)
        self.speech_s += new_speech_s
        if self.speech_s >= BASELINE_SPEECH_S:
            self.frozen = {c: _robust([r[c] for r in self.rows]) for c in ALL_CUES}

    def reference(self, cue: str) -> tuple[float, float]:
        """(centre, scale) for ``cue``: the caller's own once frozen, else shrunk towards the population prior."""
        floor = SCALE_FLOOR[cue]
        if self.frozen is not None:
            med, sd = self.frozen[cue]
            if math.isfinite(med):
                return med, max(sd if math.isfinite(sd) else 0.0, floor)
        f0 = np.nanmedian([r["f0_med_st"] for r in self.rows]) if self.rows else math.nan
        prior = PRIOR_HIGH if math.isfinite(f0) and 27.5 * 2 ** (f0 / 12) >= PRIOR_SPLIT_HZ else PRIOR_LOW
        mu_pop, sd_pop = prior[cue]
        own = [r[cue] for r in self.rows if math.isfinite(r[cue])]
        n = len(own)
        mu = (n * float(np.median(own)) + PRIOR_WINDOWS * mu_pop) / (n + PRIOR_WINDOWS) if n else mu_pop
        return mu, max(sd_pop, floor)


class ArousalScorer:
    """Stateful scorer for one caller: feed windows in time order, get a :class:`WindowScore` each."""

    def __init__(self) -> None:
        self.baseline = Baseline()
        self._smooth: float | None = None
        self._flag = False
        self._on_run = 0
        self._off_run = 0
        self._level_offset = 0.0
        self._last_step_t1: float | None = None
        self._loud_only_run = 0
        self._history: list[WindowFeatures] = []

    def update(self, wf: WindowFeatures, new_speech_s: float) -> WindowScore:
        """Score ``wf``; ``new_speech_s`` is the speech in its newest hop (what it adds to the baseline)."""
        if not wf.valid:
            return WindowScore(None, self._smooth, self._flag, None, {}, {}, None, self._level_offset)
        self._check_level_step(wf)
        values = self._values(wf)
        self.baseline.add(values, new_speech_s)
        z = {}
        for cue in ALL_CUES:
            mu, sd = self.baseline.reference(cue)
            x = values[cue]
            if math.isfinite(x) and math.isfinite(mu):
                z[cue] = float(np.clip((x - mu) / sd, -Z_CLIP, Z_CLIP))
        if self._loudness_only(z, families_of(z)):
            # a sustained loudness shift with pitch and tempo at baseline: re-baseline loudness (channel gain)
            mu, _ = self.baseline.reference("loud_db")
            self._level_offset += values["loud_db"] - mu
            values["loud_db"] = mu
            z["loud_db"] = 0.0
        num = sum(AROUSAL_CUES[c][0] * AROUSAL_CUES[c][1] * z[c] for c in AROUSAL_CUES if c in z)
        den = sum(AROUSAL_CUES[c][0] for c in AROUSAL_CUES if c in z)
        raw = num / den if den else 0.0
        families = families_of(z)
        if sum(v > AGREE_Z for v in families.values()) < 2:
            raw = min(raw, SINGLE_FAMILY_CAP)
        score = 1.0 / (1.0 + math.exp(-2 * LOGISTIC_K * (raw - LOGISTIC_B)))
        self._smooth = score if self._smooth is None else EMA_ALPHA * score + (1 - EMA_ALPHA) * self._smooth
        confident = self.baseline.frozen is not None
        self._hysteresis(self._smooth, confident)
        quality = [QUALITY_CUES[c] * z[c] for c in QUALITY_CUES if c in z]
        return WindowScore(
            score=round(score, 4),
            smooth=round(self._smooth, 4),
            flag=self._flag,
            confidence="high" if confident else "low",
            z={k: round(v, 3) for k, v in z.items()},
            families={k: round(v, 3) for k, v in families.items()},
            instability=round(max(0.0, float(np.mean(quality))), 3) if quality else None,
            level_step_db=round(self._level_offset, 2),
        )

    def _values(self, wf: WindowFeatures) -> dict[str, float]:
        """Cue values with loudness net of level steps and tilt net of its F0 coupling."""
        values = {c: float(getattr(wf, c)) for c in ALL_CUES}
        values["loud_db"] -= self._level_offset
        ref_f0 = self._ref_f0()
        if math.isfinite(ref_f0) and math.isfinite(wf.f0_med_st):
            d = wf.f0_med_st - ref_f0
            values["alpha_db"] -= ALPHA_PER_ST * d
            values["hammarberg_db"] -= HAMMARBERG_PER_ST * d
        return values

    def _ref_f0(self) -> float:
        rows = self.baseline.rows
        if self.baseline.frozen is not None:
            return self.baseline.frozen["f0_med_st"][0]
        return float(np.nanmedian([r["f0_med_st"] for r in rows])) if rows else math.nan

    def _check_level_step(self, wf: WindowFeatures) -> None:
        """A sustained level jump with pitch and tilt unchanged is a handset/AGC gain change, not emotion."""
        prev = [h for h in self._history if abs(h.t1 - (wf.t1 - 3.0)) < 1e-6]
        self._history = [h for h in self._history if h.t1 > wf.t1 - 3.5] + [wf]
        if not prev:
            return
        p = prev[0]
        d_loud = wf.loud_db - p.loud_db
        d_f0 = abs(wf.f0_med_st - p.f0_med_st)
        d_alpha = abs(wf.alpha_db - p.alpha_db)
        recent_step = self._last_step_t1 is not None and wf.t1 - self._last_step_t1 < 3.5
        if abs(d_loud) >= STEP_DB and d_f0 < STEP_MAX_F0_ST and d_alpha < STEP_MAX_ALPHA_DB and not recent_step:
            self._level_offset += d_loud
            self._last_step_t1 = wf.t1

    def _loudness_only(self, z: dict[str, float], fam: dict[str, float]) -> bool:
        loud_only = (
            self.baseline.frozen is not None
            and abs(z.get("loud_db", 0.0)) >= LOUD_ONLY_Z
            and fam["pitch"] < AGREE_Z
            and fam["tempo"] < AGREE_Z
        )
        self._loud_only_run = self._loud_only_run + 1 if loud_only else 0
        return self._loud_only_run >= LOUD_ONLY_N

    def _hysteresis(self, smooth: float, confident: bool) -> None:
        self._on_run = self._on_run + 1 if smooth >= FLAG_ON else 0
        self._off_run = self._off_run + 1 if smooth <= FLAG_OFF else 0
        if not self._flag and confident and self._on_run >= FLAG_ON_N:
            self._flag = True
        elif self._flag and self._off_run >= FLAG_OFF_N:
            self._flag = False
