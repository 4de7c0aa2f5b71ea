"""Level and spectral-balance tracks: intensity, alpha ratio, Hammarberg index, spectral slope, tonal mask.

Bands stop at 3.4 kHz on every input so wideband and telephone audio are scored on the same scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import fft as sp_fft
from scipy.ndimage import binary_dilation

from .audio import ANALYSIS_RATE

#: intensity window (samples): 64 ms Hann, as Praat's intensity with a 50 Hz floor
INTENSITY_WIN = 1024
#: STFT window (samples) for spectral balance and tone detection: 32 ms
SPEC_WIN = 512
#: a frame is "tonal" when this share of its 100-3400 Hz power sits within +/-2 bins of its two strongest peaks
#: (tones measure >= 0.995; 15-25 % of high-pitched speech frames exceed 0.9, under 3 % exceed 0.99)
TONAL_CONCENTRATION = 0.985
#: tonal runs shorter than this many frames are ignored (DTMF digits last >= 40 ms)
TONAL_MIN_FRAMES = 4
#: tonal frames are widened by this many frames each side (50 ms) to cover tone onsets and decays
TONAL_GUARD_FRAMES = 5

_FREQS = np.fft.rfftfreq(SPEC_WIN, 1.0 / ANALYSIS_RATE)
_LOW = (_FREQS >= 50) & (_FREQS < 1000)
_HIGH = (_FREQS >= 1000) & (_FREQS <= 3400)
_H_LOW = _FREQS < 2000
_H_HIGH = (_FREQS >= 2000) & (_FREQS <= 3400)
_SLOPE_BAND = (_FREQS >= 300) & (_FREQS <= 3400)
_TONE_BAND = (_FREQS >= 100) & (_FREQS <= 3400)
#: DTMF row and column frequencies (Hz); a digit is one of each
DTMF_LOW = (697, 770, 852, 941)
DTMF_HIGH = (1209, 1336, 1477, 1633)
#: a frame is a DTMF digit when one row and one column tone hold this share of the band power (speech over
#: the digit lowers the pure-tone concentration, so digits get their own Goertzel-style test)
DTMF_SHARE = 0.7
#: ... with the weaker of the two within this many dB of the stronger (ITU-T Q.24 allows 4-8 dB of twist)
DTMF_TWIST_DB = 8.0


@dataclass(frozen=True)
class SpectralTracks:
    """Per-frame spectral tracks on the grid (dB values are finite everywhere)."""

    alpha_db: np.ndarray
    """10*log10(E[1-3.4 kHz] / E[50 Hz-1 kHz]), dB (openSMILE sign: more vocal effort -> higher)"""
    hammarberg_db: np.ndarray
    """strongest peak 0-2 kHz minus strongest peak 2-3.4 kHz, dB (more effort -> lower)"""
    slope_db_khz: np.ndarray
    """least-squares slope of the 300-3400 Hz log spectrum, dB per kHz"""
    tonal_raw: np.ndarray
    """frame looks like a pure tone or tone pair (before run-length and guard rules)"""


def intensity_db(frames: np.ndarray) -> np.ndarray:
    """Hann-weighted mean-square level of each frame (count x INTENSITY_WIN), dBFS (full-scale square = 0 dB)."""
    w = np.hanning(frames.shape[1])
    ms = (frames.astype(np.float64) ** 2 @ w) / w.sum()
    return (10.0 * np.log10(ms + 1e-12)).astype(np.float32)


def spectral_tracks(frames: np.ndarray) -> SpectralTracks:
    """Spectral balance and tonality of each frame (count x SPEC_WIN)."""
    spec = sp_fft.rfft((frames * np.hanning(frames.shape[1])).astype(np.float32), axis=1)
    power = (spec.real.astype(np.float64) ** 2 + spec.imag.astype(np.float64) ** 2) + 1e-14
    alpha = 10 * np.log10(power[:, _HIGH].sum(axis=1) / power[:, _LOW].sum(axis=1))
    db = 10 * np.log10(power)
    hamm = db[:, _H_LOW].max(axis=1) - db[:, _H_HIGH].max(axis=1)
    f_khz = _FREQS[_SLOPE_BAND] / 1000.0
    fc = f_khz - f_khz.mean()
    slope = (db[:, _SLOPE_BAND] - db[:, _SLOPE_BAND].mean(axis=1, keepdims=True)) @ fc / (fc @ fc)
    return SpectralTracks(
        alpha_db=alpha.astype(np.float32),
        hammarberg_db=hamm.astype(np.float32),
        slope_db_khz=slope.astype(np.float32),
        tonal_raw=_tonal(power) | _dtmf(power),
    )


def _tonal(power: np.ndarray) -> np.ndarray:
    band = power[:, _TONE_BAND]
    total = band.sum(axis=1)
    first = np.argmax(band, axis=1)
    n_bins = band.shape[1]
    idx = np.arange(n_bins)
    near_first = np.abs(idx[None, :] - first[:, None]) <= 2
    second = np.argmax(np.where(near_first, 0.0, band), axis=1)
    near = near_first | (np.abs(idx[None, :] - second[:, None]) <= 2)
    share = (band * near).sum(axis=1) / np.maximum(total, 1e-14)
    # digital silence has no tone; require some absolute power too (about -70 dBFS)
    return (share >= TONAL_CONCENTRATION) & (total > 1e-4)


def _tone_power(power: np.ndarray, freqs: tuple[int, ...]) -> np.ndarray:
    """Power within +/-1 bin of each frequency (frames x len(freqs)): a Goertzel bank read off the FFT."""
    step = _FREQS[1]
    out = []
    for f in freqs:
        k = int(round(f / step))
        out.append(power[:, k - 1 : k + 2].sum(axis=1))
    return np.stack(out, axis=1)


def _dtmf(power: np.ndarray) -> np.ndarray:
    total = power[:, _TONE_BAND].sum(axis=1)
    low = _tone_power(power, DTMF_LOW).max(axis=1)
    high = _tone_power(power, DTMF_HIGH).max(axis=1)
    twist = 10 * np.log10(np.maximum(low, high) / np.maximum(np.minimum(low, high), 1e-14))
    return ((low + high) >= DTMF_SHARE * np.maximum(total, 1e-14)) & (twist <= DTMF_TWIST_DB) & (total > 1e-4)


def tonal_mask(tonal_raw: np.ndarray) -> np.ndarray:
    """Keep tonal runs of at least TONAL_MIN_FRAMES frames, then widen them by TONAL_GUARD_FRAMES each side."""
    x = np.asarray(tonal_raw, dtype=bool)
    if not x.any():
        return x.copy()
    edges = np.diff(np.concatenate(([0], x.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    keep = np.zeros_like(x)
    for a, b in zip(starts, stops):
        if b - a >= TONAL_MIN_FRAMES:
            keep[a:b] = True
    if not keep.any():
        return keep
    return binary_dilation(keep, iterations=TONAL_GUARD_FRAMES)
