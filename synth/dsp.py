"""Signal-chain helpers: sox fallbacks, silence trimming, speech levels, peak limiting.

Levels are in dBFS relative to a full-scale square wave (RMS 1.0 = 0 dBFS).
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np

from synth.errors import EngineFailed, EngineUnavailable

#: Reference active speech level for every utterance, dBFS (ITU-T P.56 practice).
REFERENCE_LEVEL_DB = -26.0
#: Ceiling of the peak limiter, dBFS.
PEAK_CEILING_DB = -1.0
_FRAME_S = 0.02  # level-measurement frame, seconds
_ACTIVE_BELOW_LOUDEST_DB = 30.0  # frames this far below the loudest ones count as pauses
_FLOOR_DB = -70.0  # frames below this never count as speech


def db(x: float) -> float:
    """Power ratio in dB, floored at -200 dB for silence."""
    return float(10.0 * np.log10(max(x, 1e-20)))


def frame_levels(samples: np.ndarray, sr: int) -> np.ndarray:
    """Mean-square level of consecutive 20 ms frames, dBFS (shape: n_frames)."""
    n = max(1, int(sr * _FRAME_S))
    usable = len(samples) // n * n
    if usable == 0:
        return np.array([db(float(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else -200.0])
    power = np.mean(np.square(samples[:usable].astype(np.float64)).reshape(-1, n), axis=1)
    return 10.0 * np.log10(np.maximum(power, 1e-20))


def active_mask(samples: np.ndarray, sr: int) -> np.ndarray:
    """Which 20 ms frames hold speech: within 30 dB of the loud frames and above -70 dBFS."""
    levels = frame_levels(samples, sr)
    loud = np.percentile(levels, 95)
    return (levels > loud - _ACTIVE_BELOW_LOUDEST_DB) & (levels > _FLOOR_DB)


def active_level_db(samples: np.ndarray, sr: int) -> float:
    """Active speech level (mean power over speech frames only), dBFS."""
    levels = frame_levels(samples, sr)
    mask = active_mask(samples, sr)
    if not mask.any():
        return -200.0
    return db(float(np.mean(10.0 ** (levels[mask] / 10.0))))


def rms_db(samples: np.ndarray) -> float:
    """RMS level over all samples, dBFS."""
    return db(float(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else -200.0


def peak_db(samples: np.ndarray) -> float:
    """Sample peak, dBFS."""
    return 20.0 * float(np.log10(max(float(np.max(np.abs(samples))) if len(samples) else 0.0, 1e-10)))


def speech_bounds(samples: np.ndarray, sr: int) -> tuple[float, float]:
    """Start and end of the speech in a signal (first/last active frame), seconds."""
    mask = active_mask(samples, sr)
    if not mask.any():
        return 0.0, 0.0
    idx = np.flatnonzero(mask)
    return idx[0] * _FRAME_S, min((idx[-1] + 1) * _FRAME_S, len(samples) / sr)


def trim_silence(samples: np.ndarray, sr: int, margin_s: float = 0.02) -> np.ndarray:
    """Cut leading and trailing non-speech, keeping ``margin_s`` of edge on each side."""
    start, end = speech_bounds(samples, sr)
    if end <= start:
        return samples[:0]
    a = max(0, int((start - margin_s) * sr))
    b = min(len(samples), int((end + margin_s) * sr))
    return samples[a:b]


def normalise_level(samples: np.ndarray, sr: int, target_db: float) -> tuple[np.ndarray, float]:
    """Scale to an active speech level of ``target_db``, then peak-limit at -1 dBFS.

    Returns the scaled float32 samples and the gain the limiter took off (dB, >= 0).
    The limiter is a plain gain reduction (no clipping, no compression) so shapes are kept.
    """
    level = active_level_db(samples, sr)
    if level <= -199.0:
        return samples.astype(np.float32), 0.0
    y = samples.astype(np.float64) * 10.0 ** ((target_db - level) / 20.0)
    over = peak_db(y) - PEAK_CEILING_DB
    limited = max(0.0, over)
    if limited > 0:
        y *= 10.0 ** (-limited / 20.0)
    return y.astype(np.float32), float(limited)


def sox_available() -> bool:
    return shutil.which("sox") is not None


def sox_process(samples: np.ndarray, sr: int, effects: list[str]) -> np.ndarray:
    """Run float32 mono samples through sox effects (no dither, so output is deterministic)."""
    if not effects:
        return samples
    if not sox_available():
        raise EngineUnavailable("sox is not installed (apt-get install sox); it realises speed/pitch fallbacks")
    raw = ["-t", "raw", "-e", "floating-point", "-b", "32", "-c", "1", "-r", str(sr)]
    cmd = ["sox", "-D", "-V1", *raw, "-", *raw, "-", *effects]
    proc = subprocess.run(cmd, input=np.ascontiguousarray(samples, dtype=np.float32).tobytes(),
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise EngineFailed(f"sox {' '.join(effects)} failed: {proc.stderr.decode(errors='replace').strip()}")
    return np.frombuffer(proc.stdout, dtype=np.float32).copy()


def sox_fallback_effects(*, speed: float = 1.0, pitch_semitones: float = 0.0) -> list[str]:
    """sox effects that change tempo (keeping pitch) and pitch (keeping tempo)."""
    effects: list[str] = []
    if pitch_semitones:
        effects += ["pitch", f"{pitch_semitones * 100:.1f}"]
    if speed != 1.0:
        effects += ["tempo", "-s", f"{speed:.4f}"]
    return effects
