"""DTMF keypad tones (ITU-T Q.23) and a Goertzel detector to read them back."""

from __future__ import annotations

import numpy as np

from synth.errors import SynthParameterError

KEYS = "123A456B789C*0#D"
ROWS_HZ = (697.0, 770.0, 852.0, 941.0)
COLS_HZ = (1209.0, 1336.0, 1477.0, 1633.0)
TONE_S = 0.10  # key down, seconds (Q.24 asks for >= 40 ms)
GAP_S = 0.08  # key up between digits, seconds
LEVEL_DB = -10.0  # per-tone level, dBFS (peak of each sine)


def _freqs(key: str) -> tuple[float, float]:
    i = KEYS.index(key)
    return ROWS_HZ[i // 4], COLS_HZ[i % 4]


def dtmf(digits: str, sr: int = 16000, *, tone_s: float = TONE_S, gap_s: float = GAP_S,
         level_db: float = LEVEL_DB) -> np.ndarray:
    """float32 tones for ``digits`` (0-9, *, #, A-D), each followed by ``gap_s`` of silence."""
    bad = sorted({c for c in digits.upper() if c not in KEYS})
    if not digits or bad:
        raise SynthParameterError(f"DTMF digits must be non-empty and from {KEYS!r}; got {digits!r}")
    amp = 10.0 ** (level_db / 20.0)
    t = np.arange(int(round(tone_s * sr))) / sr
    ramp = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.005)  # 5 ms fades avoid key clicks
    gap = np.zeros(int(round(gap_s * sr)))
    parts = []
    for key in digits.upper():
        low, high = _freqs(key)
        parts += [amp * ramp * (np.sin(2 * np.pi * low * t) + np.sin(2 * np.pi * high * t)), gap]
    return np.concatenate(parts).astype(np.float32)


def goertzel_power(frames: np.ndarray, sr: int, freqs: tuple[float, ...]) -> np.ndarray:
    """Power of each frequency in each frame (shape: n_frames x n_freqs).

    The Goertzel recurrence's final value equals |X(f)|^2 of the frame's DFT at ``f``; we compute
    that as one matrix product instead of a per-sample Python loop.
    """
    n = frames.shape[1]
    basis = np.exp(-2j * np.pi * np.outer(np.arange(n), np.asarray(freqs)) / sr)
    return np.abs(frames @ basis) ** 2


def decode_dtmf(samples: np.ndarray, sr: int, frame_s: float = 0.03, min_frames: int = 2) -> str:
    """Digits in a signal: per frame, the strongest row and column tone must each dominate.

    A key counts once per run of at least ``min_frames`` frames carrying it.
    """
    n = int(sr * frame_s)
    n_frames = len(samples) // n
    frames = np.asarray(samples[:n_frames * n], dtype=np.float64).reshape(n_frames, n)
    energy = np.sum(frames**2, axis=1) * n / 2  # a sine of amplitude a gives |X|^2 ~ (n a / 2)^2
    row = goertzel_power(frames, sr, ROWS_HZ)
    col = goertzel_power(frames, sr, COLS_HZ)
    keys: list[str] = []
    run_key, run_len = "", 0
    for i in range(n_frames):
        r, c = int(np.argmax(row[i])), int(np.argmax(col[i]))
        strong = energy[i] > 0 and row[i, r] + col[i, c] > 0.5 * energy[i]
        dominant = np.sort(row[i])[-2] < 0.1 * row[i, r] and np.sort(col[i])[-2] < 0.1 * col[i, c]
        key = KEYS[r * 4 + c] if strong and dominant else ""
        if key == run_key:
            run_len += 1
        else:
            run_key, run_len = key, 1
        if key and run_len == min_frames:
            keys.append(key)
    return "".join(keys)
