"""Window functionals: one 3 s window of frame tracks -> the prosodic features the scorer uses.

Pure functions of :class:`~emotion.tracks.FrameTracks`; undefined values are NaN here and ``None`` in JSON.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.signal import find_peaks

from .grid import FRAME_RATE
from .tracks import FrameTracks
from .voice_quality import jitter_local, shimmer_local

#: window length and hop, seconds
WINDOW_S = 3.0
HOP_S = 1.0
#: a window shorter than this (the first second of a call, or a whole short clip) is not scored, seconds
MIN_WINDOW_S = 1.5
#: validity gate: at least this much VAD speech and pYIN-voiced F0 in a window, seconds
MIN_SPEECH_S = 0.8
MIN_VOICED_S = 0.5
#: ... and pYIN must find F0 in this share of the autocorrelation-voiced frames, or its F0 is too thin to trust
MIN_PYIN_SHARE = 0.3
#: voicing gate level rule: frames quieter than the window's 99th percentile minus this are unvoiced, dB
VOICED_RANGE_DB = 30.0
#: syllable nuclei: intensity peaks within this of the 99th percentile, with a dip of at least NUCLEUS_DIP_DB
NUCLEUS_RANGE_DB = 25.0
NUCLEUS_DIP_DB = 2.0

#: F0 values farther than this from the window's median are taken as octave errors and folded back, st
OCTAVE_FOLD_ST = 9.0
#: noise floor: this percentile of the level of frames that are neither speech nor tone, with at least
#: FLOOR_MIN_S of them; below FLOOR_MEASURABLE_DB it is digital silence, which says nothing about the line
FLOOR_PERCENTILE = 20
FLOOR_MIN_S = 0.1
FLOOR_MEASURABLE_DB = -80.0

#: reasons a window has no score
REASONS = ("too_short", "tonal", "no_speech", "unvoiced")


@dataclass(frozen=True)
class WindowFeatures:
    """Prosodic functionals of one window (NaN where undefined)."""

    t0: float
    """window start, seconds"""
    t1: float
    """window end, seconds"""
    speech_s: float
    """VAD speech in the window (tones excluded), seconds"""
    voiced_s: float
    """pYIN-voiced time, seconds"""
    tonal_s: float
    """time blanked as DTMF / call-progress tone, seconds"""
    f0_med_hz: float
    """median F0, Hz"""
    f0_med_st: float
    """median F0, semitones re 27.5 Hz"""
    f0_range_st: float
    """F0 80th minus 20th percentile, semitones"""
    f0_slope_st_s: float
    """least-squares F0 slope over the window, semitones per second"""
    loud_db: float
    """mean level of the louder half of speech frames, dBFS"""
    floor_db: float
    """line noise floor: level of the quiet non-speech frames, dBFS (NaN when too few or digital silence)"""
    alpha_db: float
    """mean alpha ratio of voiced frames, dB"""
    hammarberg_db: float
    """mean Hammarberg index of voiced frames, dB"""
    slope_db_khz: float
    """mean spectral slope of voiced frames, dB/kHz"""
    syllables: int
    """syllable nuclei counted in the window"""
    rate_syl_s: float
    """syllable nuclei per second of speech"""
    pause_ratio: float
    """share of the (non-tone) window without speech, 0..1"""
    jitter_pct: float
    """local jitter, percent"""
    shimmer_pct: float
    """local shimmer, percent"""
    hnr_db: float
    """mean harmonics-to-noise ratio of voiced frames, dB"""
    reason: str | None
    """why the window cannot be scored (one of REASONS), or None"""

    @property
    def valid(self) -> bool:
        return self.reason is None

    def to_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self).items()}


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if len(x) else math.nan


def count_nuclei(level_db: np.ndarray, voiced: np.ndarray, floor_db: float) -> int:
    """Syllable nuclei (De Jong & Wempe 2009): voiced intensity peaks above ``floor_db`` with a 2 dB dip between them."""
    peaks, _ = find_peaks(level_db, prominence=NUCLEUS_DIP_DB)
    return int(np.sum(voiced[peaks] & (level_db[peaks] > floor_db)))


def fold_octaves(st: np.ndarray, centre: float) -> np.ndarray:
    """Move F0 values more than OCTAVE_FOLD_ST from ``centre`` by whole octaves towards it.

    Halving and doubling errors (and creaky voice read at half F0) would otherwise turn a 6 st range into
    a 25 st one and swamp the window's range with one tracker slip.
    """
    off = st - centre
    return np.where(np.abs(off) > OCTAVE_FOLD_ST, st - 12.0 * np.round(off / 12.0), st)


def noise_floor_db(level_db: np.ndarray, busy: np.ndarray) -> float:
    """Level of the line between words (the frames not ``busy`` with speech or tones), dBFS, or NaN.

    A channel gain change moves this floor with the speech; a caller who raises their voice does not.
    """
    quiet = level_db[~busy]
    if len(quiet) < FLOOR_MIN_S * FRAME_RATE:
        return math.nan
    floor = float(np.percentile(quiet, FLOOR_PERCENTILE))
    return floor if floor > FLOOR_MEASURABLE_DB else math.nan


def window_features(w: FrameTracks, t0: float, t1: float) -> WindowFeatures:
    """Functionals of the frames in ``w`` (which span ``t0 .. t1`` seconds)."""
    sec = 1.0 / FRAME_RATE
    open_ = ~w.tonal
    level = w.intensity_db
    ref = float(np.percentile(level[open_], 99)) if open_.any() else -120.0
    voiced = w.ac_voiced & (level > ref - VOICED_RANGE_DB)
    f0_ok = np.isfinite(w.f0_hz) & open_ & (level > ref - VOICED_RANGE_DB)
    speech_s = float(w.speech.sum()) * sec
    voiced_s = float(f0_ok.sum()) * sec
    tonal_s = float(w.tonal.sum()) * sec
    st = 12.0 * np.log2(w.f0_hz[f0_ok] / 27.5)
    nan = math.nan
    if len(st) >= 2:
        f0_med_st = float(np.median(st))
        st = fold_octaves(st, f0_med_st)
        p20, p80 = np.percentile(st, [20, 80])
        tt = np.flatnonzero(f0_ok) * sec
        slope = float(np.polyfit(tt, st, 1)[0]) if np.ptp(tt) > 0 else nan
    else:
        f0_med_st, p20, p80, slope = nan, nan, nan, nan
    sp_level = np.sort(level[w.speech])
    loud = _mean(sp_level[len(sp_level) // 2 :])
    floor = noise_floor_db(level, w.speech | w.tonal)
    nuclei = count_nuclei(level, voiced, ref - NUCLEUS_RANGE_DB)
    cyc = w.cycles
    jit, shim = jitter_local(cyc), shimmer_local(cyc)
    hnr = w.hnr_db[voiced]
    hnr = hnr[np.isfinite(hnr)]
    open_s = float(open_.sum()) * sec
    if t1 - t0 < MIN_WINDOW_S:
        reason = "too_short"
    elif tonal_s > 0.5 * (t1 - t0):
        reason = "tonal"
    elif speech_s < MIN_SPEECH_S:
        reason = "no_speech"
    elif voiced_s < MIN_VOICED_S or f0_ok.sum() < MIN_PYIN_SHARE * max(voiced.sum(), 1):
        reason = "unvoiced"
    else:
        reason = None
    return WindowFeatures(
        t0=round(t0, 3),
        t1=round(t1, 3),
        speech_s=round(speech_s, 3),
        voiced_s=round(voiced_s, 3),
        tonal_s=round(tonal_s, 3),
        f0_med_hz=27.5 * 2 ** (f0_med_st / 12) if math.isfinite(f0_med_st) else nan,
        f0_med_st=f0_med_st,
        f0_range_st=float(p80 - p20),
        f0_slope_st_s=slope,
        loud_db=loud,
        floor_db=floor,
        alpha_db=_mean(w.alpha_db[voiced]),
        hammarberg_db=_mean(w.hammarberg_db[voiced]),
        slope_db_khz=_mean(w.slope_db_khz[voiced]),
        syllables=nuclei,
        rate_syl_s=nuclei / speech_s if speech_s > 0 else nan,
        pause_ratio=1.0 - speech_s / open_s if open_s > 0 else nan,
        jitter_pct=100.0 * jit,
        shimmer_pct=100.0 * shim,
        hnr_db=_mean(hnr),
        reason=reason,
    )
