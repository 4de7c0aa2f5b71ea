"""Pure signal functions that vary training audio: trimming, padding, gain, noise, telephone channel."""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, lfilter, sosfilt

from asr.codec import resample, ulaw_decode, ulaw_encode

RATE = 16000  # Hz
FRAME = RATE // 100  # 10 ms


def trim(x: np.ndarray, threshold: float = 40.0, floor_db: float = 45.0) -> tuple[int, int]:
    """(start, end) sample indices of the speech: the span whose |x| exceeds ``threshold`` int16 units,
    narrowed to the 10 ms frames within ``floor_db`` of the loud ones (95th percentile).

    Vocoded voices (flite's clustergen, HTS) wrap their speech in 100-250 ms of breath and vocoder noise
    that crosses a fixed threshold; labelled as speech, it would teach the first phone to be noise.
    """
    idx = np.flatnonzero(np.abs(x.astype(np.int32)) > threshold)
    if idx.size == 0:
        return 0, 0
    start, end = int(idx[0]), int(idx[-1]) + 1
    n = len(x) // FRAME
    if n < 3:
        return start, end
    level = np.sqrt(np.mean(np.square(x[:n * FRAME].astype(np.float64)).reshape(n, FRAME), axis=1))
    loud = np.flatnonzero(level > np.percentile(level, 95) * 10 ** (-floor_db / 20))
    s, e = max(start, int(loud[0]) * FRAME), min(end, (int(loud[-1]) + 1) * FRAME)
    return (s, e) if e > s else (start, end)


def silence(n: int, kind: str, rng: np.random.Generator) -> np.ndarray:
    """Non-speech: exact digital zero, very low noise (sigma 1-5) or background noise (sigma 10-200)."""
    if kind == "zero":
        return np.zeros(n, dtype=np.float64)
    sigma = rng.uniform(1, 5) if kind == "low" else 10 ** rng.uniform(1, 2.3)
    return coloured_noise(n, rng) * sigma


def coloured_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-variance noise with a random spectral tilt (white to brown-ish)."""
    white = rng.standard_normal(n + 64)
    alpha = rng.uniform(0.0, 0.95)
    # one-pole low-pass: alpha 0 keeps white noise, near 1 gives a strong low-frequency tilt
    out = lfilter([1 - alpha], [1, -alpha], white)[64:]
    return out / (np.std(out) + 1e-9)


def add_noise(x: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Add coloured noise at ``snr_db`` relative to the power of the non-silent part of x."""
    s, e = trim(x)
    power = np.mean(np.square(x[s:e].astype(np.float64))) if e > s else 1.0
    return x + coloured_noise(len(x), rng) * np.sqrt(power / 10 ** (snr_db / 10))


def telephone(x: np.ndarray) -> np.ndarray:
    """The PSTN path: 16 kHz -> 8 kHz, 300-3400 Hz band, G.711 mu-law, back to 16 kHz (int16)."""
    narrow = resample(to_int16(x), RATE, 8000).astype(np.float64)
    sos = butter(4, [300, 3400], btype="bandpass", fs=8000, output="sos")
    coded = ulaw_decode(ulaw_encode(to_int16(sosfilt(sos, narrow))))
    return resample(coded, 8000, RATE)


def to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)
