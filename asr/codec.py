"""Telephone audio codecs: G.711 mu-law and resampling, in numpy.

``audioop`` is gone from Python 3.13, so the codec is written out here; it is
bit-exact with the ITU-T G.711 reference (and with ``audioop.lin2ulaw``/``ulaw2lin``).
"""

from __future__ import annotations

import numpy as np

_BIAS = 0x84
_CLIP14 = 8159
_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])


def _build_decode_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


#: int16 sample for each of the 256 mu-law codes
ULAW_DECODE_TABLE = _build_decode_table()


def ulaw_decode(data: bytes | np.ndarray) -> np.ndarray:
    """Decode mu-law bytes to int16 PCM samples (one byte -> one sample)."""
    codes = np.frombuffer(data, dtype=np.uint8) if isinstance(data, (bytes, bytearray, memoryview)) else np.asarray(data, dtype=np.uint8)
    return ULAW_DECODE_TABLE[codes]


def ulaw_encode(samples: np.ndarray) -> bytes:
    """Encode int16 PCM samples to mu-law bytes (the G.711 reference, as ``audioop.lin2ulaw``)."""
    pcm = np.asarray(samples)
    if pcm.dtype != np.int16:
        raise TypeError(f"ulaw_encode expects int16 samples, got {pcm.dtype}")
    x = pcm.astype(np.int32) >> 2  # the reference works on 14-bit magnitudes
    mask = np.where(x < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(x), _CLIP14) + (_BIAS >> 2)
    segment = np.searchsorted(_SEGMENT_ENDS, magnitude, side="left")
    code = (segment << 4) | ((magnitude >> (np.minimum(segment, 7) + 1)) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code)
    return (code ^ mask).astype(np.uint8).tobytes()


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample a 1-D signal with an anti-aliasing filter (soxr, high quality).

    int16 in gives int16 out (rounded, clipped); float in gives float32 out.
    """
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {from_rate} -> {to_rate}")
    x = np.asarray(samples)
    if from_rate == to_rate:
        return x.copy()
    import soxr

    if x.dtype == np.int16:
        y = soxr.resample(x.astype(np.float32) / 32768.0, from_rate, to_rate, quality="HQ")
        return np.clip(np.round(y * 32768.0), -32768, 32767).astype(np.int16)
    return soxr.resample(x.astype(np.float32), from_rate, to_rate, quality="HQ").astype(np.float32)
