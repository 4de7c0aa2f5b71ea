"""Audio input: read a file or take an array, and bring it to the analysis rate (16 kHz mono float32).

Resampling goes through :func:`asr.codec.resample` so the whole project resamples one way.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import numpy as np
import soundfile as sf

from asr.codec import resample

from .errors import AudioInputError

#: every feature is computed at this rate (Hz)
ANALYSIS_RATE = 16000

AudioSource = str | PathLike | np.ndarray


def to_float_mono(samples: np.ndarray) -> np.ndarray:
    """int16 or float samples (1-D, or 2-D frames x channels) -> mono float32 in [-1, 1]."""
    x = np.asarray(samples)
    if x.ndim == 2:
        x = x.mean(axis=1) if x.dtype.kind == "f" else x.astype(np.float64).mean(axis=1)
    if x.ndim != 1:
        raise AudioInputError(f"audio must be 1-D (or frames x channels), got shape {x.shape}")
    if x.dtype == np.int16:
        return (x.astype(np.float32) / 32768.0).astype(np.float32)
    if x.dtype.kind in "iu":
        raise AudioInputError(f"integer audio must be int16 PCM, got {x.dtype}")
    if x.dtype.kind != "f":
        raise AudioInputError(f"audio must be int16 or floating point, got {x.dtype}")
    x = x.astype(np.float32)
    if not np.all(np.isfinite(x)):
        raise AudioInputError("audio contains NaN or infinite samples")
    return x


def load_audio(source: AudioSource, sr: int | None = None) -> np.ndarray:
    """Read ``source`` (a path or an array at ``sr`` Hz) and return 16 kHz mono float32 samples."""
    if isinstance(source, np.ndarray):
        if sr is None:
            raise AudioInputError("an audio array needs its sample rate: pass sr=")
        if sr <= 0:
            raise AudioInputError(f"sample rate must be positive, got {sr}")
        x = to_float_mono(source)
        rate = int(sr)
    else:
        path = Path(source)
        try:
            data, rate = sf.read(str(path), dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            raise AudioInputError(f"cannot read audio file {path}: {exc}") from exc
        if sr is not None and sr != rate:
            raise AudioInputError(f"{path} is {rate} Hz but sr={sr} was given")
        x = to_float_mono(data)
    if rate == ANALYSIS_RATE:
        return x
    try:
        return np.asarray(resample(x, rate, ANALYSIS_RATE), dtype=np.float32)
    except ValueError as exc:
        raise AudioInputError(str(exc)) from exc
