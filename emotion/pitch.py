"""F0 tracking after Boersma (1993) / Praat "To Pitch (ac)": autocorrelation candidates + Viterbi path.

Chosen over pYIN because pYIN's voicing HMM drops most voiced frames of fast, wide-range telephone
Mandarin (measured: 7-15 % of frames voiced where the autocorrelation gate finds 57 %), and because it
costs a tenth as much. Constants are Praat's defaults.
"""

from __future__ import annotations

import numpy as np

from .audio import ANALYSIS_RATE
from .grid import FRAME_RATE

#: candidate peaks per frame (besides "unvoiced")
MAX_CANDIDATES = 6
#: Praat defaults: silence threshold, voicing threshold, octave cost, octave-jump cost, voiced/unvoiced cost
SILENCE_THRESHOLD = 0.03
VOICING_THRESHOLD = 0.45
OCTAVE_COST = 0.01
OCTAVE_JUMP_COST = 0.35
VOICED_UNVOICED_COST = 0.14


def candidates(ac: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Up to MAX_CANDIDATES local maxima of each frame's corrected autocorrelation between lags lo..hi.

    Returns (lag in samples, parabolically refined; r at the peak), shape frames x MAX_CANDIDATES, with
    lag 0 / r -inf where a frame has fewer peaks.
    """
    band = ac[:, lo - 1 : hi + 2]
    mid = band[:, 1:-1]
    is_peak = (mid > band[:, :-2]) & (mid >= band[:, 2:]) & (mid > 0.5 * VOICING_THRESHOLD)
    score = np.where(is_peak, mid, -np.inf)
    k = min(MAX_CANDIDATES, score.shape[1])
    idx = np.argpartition(-score, k - 1, axis=1)[:, :k]
    rows = np.arange(len(ac))[:, None]
    r = score[rows, idx]
    a, b, c = band[rows, idx], band[rows, idx + 1], band[rows, idx + 2]
    d = a - 2 * b + c
    safe = np.where(np.abs(d) > 1e-12, d, 1.0)
    shift = np.where(np.abs(d) > 1e-12, np.clip(0.5 * (a - c) / safe, -0.5, 0.5), 0.0)
    r_peak = np.where(np.isfinite(r), b - 0.25 * (a - c) * shift, -np.inf)
    lag = np.where(np.isfinite(r), lo + idx + shift, 0.0)
    return lag, np.minimum(r_peak, 1.0)


def track_f0(
    ac: np.ndarray, lo: int, hi: int, local_peak: np.ndarray, global_peak: float, f0_ceiling: float
) -> tuple[np.ndarray, np.ndarray]:
    """Best path through the candidates: (F0 in Hz, NaN = unvoiced; autocorrelation peak value on the path)."""
    n = len(ac)
    if n == 0:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32)
    lag, r = candidates(ac, lo, hi)
    freq = np.where(lag > 0, ANALYSIS_RATE / np.maximum(lag, 1e-9), 0.0)
    # Praat's octave cost: a small penalty growing with the distance below the ceiling (favours the higher octave)
    voiced_strength = np.where(np.isfinite(r), r - OCTAVE_COST * np.log2(f0_ceiling / np.maximum(freq, 1e-9)), -np.inf)
    rel = local_peak / max(global_peak, 1e-9)
    unvoiced_strength = VOICING_THRESHOLD + np.maximum(0.0, 2.0 - rel / (SILENCE_THRESHOLD / (1 + VOICING_THRESHOLD)))
    strength = np.concatenate([unvoiced_strength[:, None], voiced_strength], axis=1)  # state 0 = unvoiced
    logf = np.where(freq > 0, np.log2(np.maximum(freq, 1e-9)), np.nan)
    logf = np.concatenate([np.full((n, 1), np.nan), logf], axis=1)
    jump = OCTAVE_JUMP_COST * 0.01 * FRAME_RATE  # Praat scales the costs by 0.01 s / time step
    vuv = VOICED_UNVOICED_COST * 0.01 * FRAME_RATE
    score = strength[0].copy()
    back = np.zeros(strength.shape, dtype=np.int64)
    for t in range(1, n):
        prev_v, cur_v = ~np.isnan(logf[t - 1]), ~np.isnan(logf[t])
        cost = jump * np.abs(logf[t - 1][:, None] - logf[t][None, :])
        cost = np.where(prev_v[:, None] & cur_v[None, :], cost, 0.0)
        cost = cost + vuv * (prev_v[:, None] != cur_v[None, :])
        total = score[:, None] - cost
        back[t] = np.argmax(total, axis=0)
        score = total[back[t], np.arange(total.shape[1])] + strength[t]
    state = np.zeros(n, dtype=np.int64)
    state[-1] = int(np.argmax(score))
    for t in range(n - 1, 0, -1):
        state[t - 1] = back[t, state[t]]
    rows = np.arange(n)
    f = np.concatenate([np.zeros((n, 1)), freq], axis=1)[rows, state]
    r_path = np.concatenate([np.zeros((n, 1)), np.where(np.isfinite(r), r, 0.0)], axis=1)[rows, state]
    voiced = state > 0
    return np.where(voiced, f, np.nan).astype(np.float32), np.where(voiced, r_path, np.nan).astype(np.float32)
