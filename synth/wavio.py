"""WAV files: 16-bit PCM for wideband audio, and G.711 mu-law (WAVE format 7) written byte-exact."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import soundfile as sf

from synth.errors import SynthError
from synth.telephone import to_int16

_WAVE_FORMAT_MULAW = 7


def write_pcm16(path: str | Path, samples: np.ndarray, sr: int) -> None:
    """Write mono 16-bit PCM (float input is rounded and clipped; int16 is written as is)."""
    data = samples if samples.dtype == np.int16 else to_int16(samples)
    try:
        sf.write(str(path), data, sr, subtype="PCM_16", format="WAV")
    except (OSError, sf.LibsndfileError) as exc:
        raise SynthError(f"cannot write {path}: {exc}") from exc


def mulaw_wav_bytes(ulaw: bytes, sr: int = 8000) -> bytes:
    """A WAVE file (format 7, mono, 8-bit mu-law) holding exactly these mu-law bytes.

    Written by hand because libsndfile would re-encode from PCM with its own mu-law table.
    """
    fmt = struct.pack("<HHIIHHH", _WAVE_FORMAT_MULAW, 1, sr, sr, 1, 8, 0)
    fact = struct.pack("<I", len(ulaw))
    pad = b"\x00" if len(ulaw) % 2 else b""
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<I", 4) + fact
            + b"data" + struct.pack("<I", len(ulaw)) + ulaw + pad)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def write_mulaw(path: str | Path, ulaw: bytes, sr: int = 8000) -> None:
    try:
        Path(path).write_bytes(mulaw_wav_bytes(ulaw, sr))
    except OSError as exc:
        raise SynthError(f"cannot write {path}: {exc}") from exc


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Read a WAV as float32 mono (channels averaged) and its sample rate."""
    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (OSError, sf.LibsndfileError) as exc:
        raise SynthError(f"cannot read audio file {path}: {exc}") from exc
    return data.mean(axis=1).astype(np.float32), int(sr)
