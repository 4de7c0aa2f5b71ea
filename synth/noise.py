"""Background noise at a requested signal-to-noise ratio.

SNR is measured against the active speech level of the clean signal (speech frames only) and
the RMS of the noise over the whole signal, so pauses do not dilute the speech level.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from synth.dsp import active_level_db, rms_db
from synth.errors import SynthParameterError

NOISE_KINDS = ("white", "pink", "brown", "hum", "babble")
_HUM_HZ = 50.0  # mains frequency in China
_BABBLE_TALKERS = 6


def make_noise(kind: str, n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` samples of unit-RMS noise of one kind (float64).

    babble is speech-shaped noise from six independent "talkers", each switched on and off at
    syllable rate (~4 Hz) — a stand-in for a crowded room, since no babble recordings ship here.
    """
    if kind not in NOISE_KINDS:
        raise SynthParameterError(f"unknown noise kind {kind!r}; choose one of {', '.join(NOISE_KINDS)}")
    if n <= 0:
        return np.zeros(0)
    if kind == "white":
        x = rng.standard_normal(n)
    elif kind in ("pink", "brown"):
        # shape white noise in the frequency domain: power ~ 1/f (pink) or 1/f^2 (brown)
        spectrum = np.fft.rfft(rng.standard_normal(n))
        f = np.fft.rfftfreq(n, 1.0 / sr)
        f[0] = f[1] if n > 1 else 1.0
        spectrum /= np.sqrt(f) if kind == "pink" else f
        spectrum[f < 20.0] = 0.0  # no sub-audio rumble
        x = np.fft.irfft(spectrum, n)
    elif kind == "hum":
        t = np.arange(n) / sr
        x = sum(np.sin(2 * np.pi * _HUM_HZ * k * t + rng.uniform(0, 2 * np.pi)) / k for k in (1, 2, 3, 5))
        x = x + 0.05 * rng.standard_normal(n)
    else:
        sos = signal.butter(2, [200.0, min(3000.0, sr / 2 - 1)], btype="bandpass", fs=sr, output="sos")
        x = np.zeros(n)
        for _ in range(_BABBLE_TALKERS):
            talker = signal.sosfilt(sos, rng.standard_normal(n))
            # syllable-rate on/off envelope, smoothed so it does not click
            env = (rng.random(n // max(1, sr // 4) + 2) > 0.35).astype(float)
            env = np.repeat(env, max(1, sr // 4))[:n]
            env = signal.sosfiltfilt(signal.butter(2, 8.0, fs=sr, output="sos"), env)
            x += talker * np.clip(env, 0, None)
    x = np.asarray(x, dtype=np.float64)
    rms = np.sqrt(np.mean(x**2))
    return x / rms if rms > 0 else x


def add_noise(samples: np.ndarray, sr: int, kind: str, snr_db: float, seed: int = 0) -> np.ndarray:
    """Mix noise of ``kind`` into ``samples`` so that active speech level minus noise RMS = ``snr_db``.

    Deterministic for a given seed. Returns float32; the caller is responsible for headroom
    (low SNRs of loud speech can exceed full scale).
    """
    if not -20.0 <= snr_db <= 80.0:
        raise SynthParameterError(f"snr_db={snr_db} is out of range (-20..80)")
    speech_db = active_level_db(samples, sr)
    if speech_db <= -199.0:
        raise SynthParameterError("cannot set an SNR against a silent signal")
    noise = make_noise(kind, len(samples), sr, np.random.default_rng(seed))
    noise *= 10.0 ** ((speech_db - snr_db) / 20.0)
    return (samples.astype(np.float64) + noise).astype(np.float32)


def measured_snr_db(clean: np.ndarray, noisy: np.ndarray, sr: int) -> float:
    """SNR of ``noisy`` given its clean speech: active speech level minus RMS of the difference."""
    return active_level_db(clean, sr) - rms_db(noisy.astype(np.float64) - clean.astype(np.float64))
