"""Voice-quality proxies: cycle-by-cycle periods and amplitudes (jitter, shimmer) and HNR.

Periods come from waveform matching with sub-sample refinement: one sample at 16 kHz and 110 Hz is already
0.7 % jitter, so integer-sample peak picking reads a large false floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .audio import ANALYSIS_RATE
from .grid import HOP

#: cycles whose best match correlates below this are skipped (and break the run)
MATCH_MIN = 0.6
#: consecutive-period pairs further apart than this ratio are not counted (Praat's "maximum period factor")
PERIOD_FACTOR = 1.3
#: consecutive-amplitude pairs further apart than this ratio are not counted (Praat's "maximum amplitude factor")
AMPLITUDE_FACTOR = 1.6


@dataclass(frozen=True)
class Cycles:
    """Glottal cycles found in voiced stretches."""

    time: np.ndarray
    """cycle start, seconds from the start of the call"""
    period: np.ndarray
    """cycle length, seconds"""
    amplitude: np.ndarray
    """peak-to-peak amplitude within the cycle (full scale = 2)"""
    run: np.ndarray
    """id of the unbroken run the cycle belongs to; only pairs within a run are compared"""

    @staticmethod
    def empty() -> "Cycles":
        z = np.zeros(0)
        return Cycles(z, z, z, np.zeros(0, dtype=np.int64))

    @staticmethod
    def concat(parts: list["Cycles"]) -> "Cycles":
        if not parts:
            return Cycles.empty()
        return Cycles(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("time", "period", "amplitude", "run")))

    def between(self, t0: float, t1: float) -> "Cycles":
        sel = (self.time >= t0) & (self.time < t1)
        return Cycles(self.time[sel], self.period[sel], self.amplitude[sel], self.run[sel])


def track_cycles(
    seg: np.ndarray, seg_t0: float, frame_t0: float, period: np.ndarray, voiced: np.ndarray, run_base: int
) -> Cycles:
    """Walk the voiced frames of ``seg`` cycle by cycle.

    ``seg`` starts at ``seg_t0`` seconds; ``period``/``voiced`` are per-frame tracks whose first frame is centred at
    ``frame_t0`` seconds. Run ids start at ``run_base`` so that blocks of a stream never share one.
    """
    sr = ANALYSIS_RATE
    times, periods, amps, runs = [], [], [], []
    run = run_base
    n = len(seg)
    edges = np.diff(np.concatenate(([0], voiced.astype(np.int8), [0])))
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        t = (frame_t0 - seg_t0) * sr + (a - 0.5) * HOP  # sample position in seg
        stop = (frame_t0 - seg_t0) * sr + (b - 0.5) * HOP
        run += 1
        while True:
            # frame whose 10 ms cell holds t (the run starts at the lower edge of frame a's cell)
            fi = max(int(np.floor(((t / sr) + seg_t0 - frame_t0) * sr / HOP + 0.5 + 1e-9)), a)
            if fi >= b:
                break
            T = float(period[fi]) * sr
            if T <= 0:
                t += HOP
                run += 1
                continue
            ti, Ti = int(round(t)), int(round(T))
            lmin, lmax = int(np.floor(0.75 * T)), int(np.ceil(1.25 * T))
            if ti < 0 or ti + lmax + Ti + 1 > n or t + T > stop:
                break
            ref = seg[ti : ti + Ti].astype(np.float64)
            x = seg[ti + lmin - 1 : ti + lmax + 1 + Ti].astype(np.float64)
            energy = np.cumsum(np.concatenate(([0.0], x * x)))
            norms = np.sqrt(np.maximum(energy[Ti:] - energy[:-Ti], 0.0) * (ref @ ref))
            corr = np.correlate(x, ref, mode="valid") / np.maximum(norms, 1e-12)
            k = int(np.argmax(corr[1:-1])) + 1
            if corr[k] < MATCH_MIN:
                t += T
                run += 1
                continue
            c0, c1, c2 = corr[k - 1], corr[k], corr[k + 1]
            d = c0 - 2 * c1 + c2
            shift = 0.5 * (c0 - c2) / d if abs(d) > 1e-12 else 0.0
            lag = lmin - 1 + k + float(np.clip(shift, -0.5, 0.5))
            cyc = seg[ti : ti + int(round(lag))]
            times.append(seg_t0 + t / sr)
            periods.append(lag / sr)
            amps.append(float(cyc.max() - cyc.min()))
            runs.append(run)
            t += lag
    if not times:
        return Cycles.empty()
    return Cycles(np.array(times), np.array(periods), np.array(amps), np.array(runs, dtype=np.int64))


def _local_perturbation(values: np.ndarray, run: np.ndarray, factor: float) -> float:
    if len(values) < 3:
        return float("nan")
    same = run[1:] == run[:-1]
    ratio = np.maximum(values[1:], values[:-1]) / np.maximum(np.minimum(values[1:], values[:-1]), 1e-12)
    ok = same & (ratio < factor)
    if ok.sum() < 2:
        return float("nan")
    return float(np.mean(np.abs(np.diff(values))[ok]) / np.mean(values))


def jitter_local(c: Cycles) -> float:
    """Mean absolute difference of consecutive periods over the mean period (fraction; NaN if < 2 pairs)."""
    return _local_perturbation(c.period, c.run, PERIOD_FACTOR)


def shimmer_local(c: Cycles) -> float:
    """Mean absolute difference of consecutive cycle amplitudes over the mean amplitude (fraction)."""
    return _local_perturbation(c.amplitude, c.run, AMPLITUDE_FACTOR)


def hnr_db(r: np.ndarray) -> np.ndarray:
    """Harmonics-to-noise ratio from the normalised autocorrelation at the period lag, dB (Boersma 1993)."""
    r = np.clip(r, 1e-4, 1 - 1e-6)
    return (10 * np.log10(r / (1 - r))).astype(np.float32)
