"""Reading audio files and normalising sample buffers to what Vosk needs.

Vosk wants 16-bit little-endian PCM, mono, at the model's rate. Everything that
reaches a recognizer passes through :func:`to_pcm16` (sample formats) and
:func:`asr.codec.resample` (rates), so mu-law bytes or a wrong rate never get there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from asr.codec import resample, ulaw_decode
from asr.errors import AudioError

#: file suffixes read as headerless G.711 mu-law, 8 kHz mono (Twilio media payloads)
RAW_ULAW_SUFFIXES = (".ulaw", ".mulaw", ".mu")
RAW_ULAW_RATE = 8000


@dataclass(frozen=True)
class Audio:
    """Decoded audio: ``samples`` is float32 in [-1, 1], shape ``[channels, n]``."""

    samples: np.ndarray
    #: samples per second
    sample_rate: int
    #: where it came from ("" for in-memory audio)
    source: str = ""

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def num_samples(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.num_samples / self.sample_rate

    def channel(self, index: int) -> np.ndarray:
        """One channel as float32 (0 = caller in hotline's dual-channel recordings)."""
        if not 0 <= index < self.channels:
            raise AudioError(
                f"{self.source or 'audio'} has {self.channels} channel(s); channel {index} does not exist"
            )
        return self.samples[index]

    def pcm16(self, index: int = 0, rate: int | None = None) -> np.ndarray:
        """One channel as int16 PCM, resampled (anti-aliased) to ``rate`` if given."""
        x = self.channel(index)
        if rate is not None and rate != self.sample_rate:
            x = resample(x, self.sample_rate, rate)
        return to_pcm16(x)


def to_pcm16(samples: np.ndarray | bytes | bytearray | memoryview) -> np.ndarray:
    """Return 1-D int16 PCM from int16 arrays, PCM16 bytes or float arrays in [-1, 1]."""
    if isinstance(samples, (bytes, bytearray, memoryview)):
        data = bytes(samples)
        if len(data) % 2:
            raise AudioError("PCM16 bytes must have an even length (2 bytes per sample)")
        return np.frombuffer(data, dtype="<i2").astype(np.int16, copy=False)
    x = np.asarray(samples)
    if x.ndim != 1:
        raise AudioError(f"expected mono samples (1-D), got shape {x.shape}")
    if x.dtype == np.int16:
        return x
    if np.issubdtype(x.dtype, np.floating):
        return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)
    raise AudioError(f"unsupported sample type {x.dtype} (use int16 PCM or float in [-1, 1])")


def read_audio(path: str | os.PathLike) -> Audio:
    """Read WAV/FLAC/OGG (anything libsndfile reads) or raw ``.ulaw`` into an :class:`Audio`.

    Raises :class:`AudioError` for a missing, empty, corrupt or unsupported file.
    """
    p = Path(path)
    if not p.is_file():
        raise AudioError(f"{p}: no such file")
    if p.stat().st_size == 0:
        raise AudioError(f"{p}: file is empty")
    if p.suffix.lower() in RAW_ULAW_SUFFIXES:
        pcm = ulaw_decode(p.read_bytes())
        samples = (pcm.astype(np.float32) / 32768.0)[np.newaxis, :]
        return Audio(samples, RAW_ULAW_RATE, str(p))
    import soundfile as sf

    try:
        data, rate = sf.read(str(p), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioError(f"{p}: not a readable audio file ({exc})") from exc
    if data.shape[0] == 0:
        raise AudioError(f"{p}: contains no audio samples")
    return Audio(np.ascontiguousarray(data.T), int(rate), str(p))
