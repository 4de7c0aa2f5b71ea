"""From window features to a 0-1 arousal score and an agitation flag (pure logic, no audio).

Per window: robust z against the caller's own baseline (population prior until 12 s of speech), level steps
taken out of loudness, a weighted sum, a cue-agreement guard, a logistic map, EMA smoothing and on/off
hysteresis. Nothing is fitted: the constants are priors, documented where they are defined.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .prior import AROUSAL_CUES, PRIOR_HIGH, PRIOR_LOW, PRIOR_SPLIT_HZ, PRIOR_WINDOWS, QUALITY_CUES, SCALE_FLOOR
from .window import WindowFeatures

#: seconds of caller speech that form the baseline
BASELINE_SPEECH_S = 12.0
#: z-scores are clipped to +/- this
Z_CLIP = 4.0
#: a cue family "agrees" above this z
AGREE_Z = 1.0
#: past the cap, raw may exceed it by this much per unit of the second-strongest family's z above AGREE_Z
AGREE_SLOPE = 1.0
#: ... judged on an EMA of each family's z with this weight on the newest window
AGREE_ALPHA = 0.7
#: an arousal cue's direction-adjusted z counts at no less than this in the weighted sum
NEGATIVE_Z_FLOOR = -1.0
#: with fewer than two agreeing families raw is capped here (score ~0.38): one cue alone never flags
SINGLE_FAMILY_CAP = 0.85
#: logistic map score = 1 / (1 + exp(-2k (raw - b))): raw 0 -> 0.04, 1 -> 0.5, 2 -> 0.96
LOGISTIC_K = 1.6
LOGISTIC_B = 1.0
#: EMA weight of the newest window
EMA_ALPHA = 0.85
#: hysteresis on time spent above a level: the flag goes on once the smoothed score has spent at least
#: `seconds` at or above `level` within the last FLAG_SPAN_S (a short peak, or a sustained tense stretch),
#: and off after FLAG_OFF_N windows at or below FLAG_OFF
FLAG_ON_RULES = ((0.60, 2), (0.45, 3), (0.40, 5))
FLAG_SPAN_S = 6
#: ... or a stretch that keeps rising: RISE_STEPS windows in a row each higher than the one before, by at
#: least RISE_MIN in all, ending at or above RISE_LEVEL (agitation building up is flagged before it peaks)
RISE_LEVEL, RISE_STEPS, RISE_MIN = 0.45, 3, 0.30
FLAG_OFF, FLAG_OFF_N = 0.40, 4
#: level step: loudness moves this much between non-overlapping windows
STEP_DB = 5.0
#: a jump whose later window has no measurable floor (continuous speech) waits this long, s, for a window
#: that has one before the voice rule decides
PENDING_S = 6.0
#: windows kept for the level-step comparisons, s
HISTORY_S = 7.0
#: a step is the line (gain, handset, AGC) when the noise floor between words moved with the speech level,
#: to within this many dB or this share of the step, whichever is larger
FLOOR_TRACK_DB = 3.0
FLOOR_TRACK_SHARE = 0.35
#: where no floor can be measured (digital silence between words), a step is the line only when the voice
#: itself did not follow: F0 level and range and spectral tilt moved less than these in the step's direction
STEP_MAX_F0_ST = 1.0
STEP_MAX_RANGE_ST = 2.0
STEP_MAX_ALPHA_DB = 1.5
STEP_MAX_HAMMARBERG_DB = 2.5
#: espeak's F0 raises the alpha ratio (harmonics move up through the band); tilt is judged net of this coupling
ALPHA_PER_ST = 0.35
HAMMARBERG_PER_ST = -0.35

ALL_CUES = tuple(AROUSAL_CUES) + tuple(QUALITY_CUES)
#: loudness this far from baseline (z) for LOUD_ONLY_N windows, with pitch, tempo and tilt below AGREE_Z and
#: the noise floor (where measurable) moved with it, is a channel gain change even when gradual (AGC, a
#: handset moved away)
LOUD_ONLY_Z = 2.0
LOUD_ONLY_N = 3


def families_of(z: dict[str, float]) -> dict[str, float]:
    """z of the three cue families: pitch (level, range), energy (loudness, tilt), tempo."""
    return {
        "pitch": max(z.get("f0_med_st", -Z_CLIP), z.get("f0_range_st", -Z_CLIP)),
        "energy": max(z.get("loud_db", -Z_CLIP), _tilt_z(z)),
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

    def centre(self, key: str) -> float:
        """Median of ``key`` over the baseline's windows (NaN when it was never measured)."""
        vals = [r[key] for r in self.rows if math.isfinite(r.get(key, math.nan))]
        return float(np.median(vals)) if vals else math.nan

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
        self._recent: list[float] = []
        self._families: dict[str, float] = {}
        self._off_run = 0
        self._level_offset = 0.0
        self._last_step_t1: float | None = None
        self._last_step_db = 0.0
        self._pending: WindowFeatures | None = None
        self._step_ref: WindowFeatures | None = None
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
        if self._loudness_only(wf, z, families_of(z)):
            # a sustained loudness shift with pitch and tempo at baseline: re-baseline loudness (channel gain)
            mu, _ = self.baseline.reference("loud_db")
            self._level_offset += values["loud_db"] - mu
            values["loud_db"] = mu
            z["loud_db"] = 0.0
        # a cue reading the calm way is weak evidence against arousal (tempo and range are the least reliable
        # cues across voices), so it may pull the sum down by at most NEGATIVE_Z_FLOOR
        num = sum(AROUSAL_CUES[c][0] * max(AROUSAL_CUES[c][1] * z[c], NEGATIVE_Z_FLOOR) for c in AROUSAL_CUES if c in z)
        den = sum(AROUSAL_CUES[c][0] for c in AROUSAL_CUES if c in z)
        raw = num / den if den else 0.0
        families = families_of(z)
        # agreement is judged on each family's recent level, so one window's stray pitch or tempo reading
        # beside a loud voice does not count as a second cue
        self._families = {k: v if k not in self._families else AGREE_ALPHA * v + (1 - AGREE_ALPHA) * self._families[k]
                          for k, v in families.items()}
        # graded agreement: past the one-cue cap, raw may rise only as far as the second family backs it
        second = sorted(self._families.values())[-2]
        raw = min(raw, SINGLE_FAMILY_CAP + max(0.0, second - AGREE_Z) * AGREE_SLOPE)
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
        values["floor_db"] = wf.floor_db - self._level_offset
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
        """A sustained level jump that the line made (see :func:`is_line_change`) is taken out of loudness."""
        prev = [h for h in self._history if abs(h.t1 - (wf.t1 - 3.0)) < 1e-6]
        self._history = [h for h in self._history if h.t1 > wf.t1 - HISTORY_S] + [wf]
        if self._pending is not None:
            # a jump seen where the speech left no gap to measure the floor in: judge it at the first window
            # that has one, so a line whose floor is known is never judged by the voice rule
            before = self._pending
            if math.isfinite(wf.floor_db) or wf.t1 - before.t1 > PENDING_S:
                self._pending = None
                self._take_step(before, wf)
            return
        if self._recent_step(wf):
            # top the step up against the window before it, as the windows move past it (a step first seen
            # half-way through a window is only partly in its loudness)
            if math.isfinite(wf.floor_db) or not math.isfinite(self._step_ref.floor_db):
                self._take_step(self._step_ref, wf)
            return
        if not prev:
            return
        before = prev[0]
        if abs(wf.loud_db - before.loud_db) < STEP_DB:
            return
        if not math.isfinite(before.floor_db):
            # continuous speech before the jump: the line's floor is the last one measured before it
            floors = [h.floor_db for h in self._history if h.t1 <= before.t1 and math.isfinite(h.floor_db)]
            if floors:
                before = replace(before, floor_db=floors[-1])
        if math.isfinite(before.floor_db) and not math.isfinite(wf.floor_db):
            self._pending = before
            return
        self._take_step(before, wf)

    def _recent_step(self, wf: WindowFeatures) -> bool:
        return self._last_step_t1 is not None and wf.t1 - self._last_step_t1 < 3.5

    def _take_step(self, before: WindowFeatures, after: WindowFeatures) -> None:
        d_loud = after.loud_db - before.loud_db
        if abs(d_loud) < STEP_DB or not is_line_change(before, after):
            return
        if self._recent_step(after):
            if d_loud * self._last_step_db > 0 and abs(d_loud) > abs(self._last_step_db):
                self._level_offset += d_loud - self._last_step_db
                self._last_step_db = d_loud
            return
        self._level_offset += d_loud
        self._last_step_t1, self._last_step_db, self._step_ref = after.t1, d_loud, before

    def _loudness_only(self, wf: WindowFeatures, z: dict[str, float], fam: dict[str, float]) -> bool:
        """Loudness far from baseline with the voice otherwise at baseline, and the floor moved with it."""
        loud_only = (
            self.baseline.frozen is not None
            and abs(z.get("loud_db", 0.0)) >= LOUD_ONLY_Z
            and fam["pitch"] < AGREE_Z
            and fam["tempo"] < AGREE_Z
            and _tilt_z(z) < AGREE_Z
            and self._floor_follows(wf)
        )
        self._loud_only_run = self._loud_only_run + 1 if loud_only else 0
        return self._loud_only_run >= LOUD_ONLY_N

    def _floor_follows(self, wf: WindowFeatures) -> bool:
        """True when the noise floor moved with the speech level since the baseline (or cannot be measured)."""
        floor0, loud0 = self.baseline.centre("floor_db"), self.baseline.centre("loud_db")
        d_floor = wf.floor_db - self._level_offset - floor0
        if not math.isfinite(d_floor):
            return True
        return _tracks(d_floor, wf.loud_db - self._level_offset - loud0)

    def _hysteresis(self, smooth: float, confident: bool) -> None:
        self._recent = (self._recent + [smooth])[-FLAG_SPAN_S:]
        self._off_run = self._off_run + 1 if smooth <= FLAG_OFF else 0
        if not self._flag and confident and (self._time_above() or self._rising()):
            self._flag = True
        elif self._flag and self._off_run >= FLAG_OFF_N:
            self._flag = False

    def _time_above(self) -> bool:
        return any(sum(v >= level for v in self._recent) >= seconds for level, seconds in FLAG_ON_RULES)

    def _rising(self) -> bool:
        run = self._recent[-(RISE_STEPS + 1):]
        return (
            len(run) == RISE_STEPS + 1
            and run[-1] >= RISE_LEVEL
            and run[-1] - run[0] >= RISE_MIN
            and all(b > a for a, b in zip(run, run[1:]))
        )

def _tilt_z(z: dict[str, float]) -> float:
    """Spectral-tilt evidence of vocal effort: brighter (alpha up) and flatter (Hammarberg down)."""
    return 0.5 * (z.get("alpha_db", 0.0) - z.get("hammarberg_db", 0.0))


def _tracks(d_floor: float, d_loud: float) -> bool:
    """The floor moved the same way as the speech level, by about as much."""
    return d_floor * d_loud > 0 and abs(d_floor - d_loud) <= max(FLOOR_TRACK_DB, FLOOR_TRACK_SHARE * abs(d_loud))


def is_line_change(before: WindowFeatures, after: WindowFeatures) -> bool:
    """Was the level change between two windows made by the line rather than by the voice?

    A gain change (handset, AGC, another leg bridged in) scales every frame, the noise between words
    included, and leaves the voice's shape alone. A raised voice lifts the speech frames only, and with
    more effort: higher F0, flatter spectrum, faster tempo. With a measurable floor the floor decides;
    without one (digital silence between words) the voice must have kept still.
    """
    d_loud = after.loud_db - before.loud_db
    d_floor = after.floor_db - before.floor_db
    if math.isfinite(d_floor):
        return _tracks(d_floor, d_loud)
    # the voice moved with the level when it got higher, wider, brighter or flatter in the step's direction
    # (tempo is left out: counting syllables across a level jump inside a window is not level-invariant)
    sign = 1.0 if d_loud > 0 else -1.0
    return bool(
        sign * (after.f0_med_st - before.f0_med_st) < STEP_MAX_F0_ST
        and sign * (after.f0_range_st - before.f0_range_st) < STEP_MAX_RANGE_ST
        and sign * (after.alpha_db - before.alpha_db) < STEP_MAX_ALPHA_DB
        and -sign * (after.hammarberg_db - before.hammarberg_db) < STEP_MAX_HAMMARBERG_DB
    )
