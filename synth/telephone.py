"""The telephone channel: 300-3400 Hz band-pass, 8 kHz, G.711 mu-law, optional packet loss.

mu-law and resampling come from ``asr.codec`` (bit-exact G.711), so what we write is what the
hotline's own media path decodes.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from asr.codec import resample, ulaw_decode, ulaw_encode
from synth.errors import SynthParameterError
from synth.values import TelephoneAudio

BAND_HZ = (300.0, 3400.0)
TELEPHONE_RATE = 8000
PACKET_S = 0.02  # one RTP packet of G.711 at 20 ms ptime
_ULAW_SILENCE = 0xFF  # mu-law code of sample value 0


def band_limit(samples: np.ndarray, sr: int) -> np.ndarray:
    """Zero-phase Butterworth band-pass 300-3400 Hz (4th order per pass, run forward and back)."""
    if sr <= 2 * BAND_HZ[1]:
        raise SynthParameterError(f"sample rate {sr} Hz is too low for a 3400 Hz band edge")
    sos = signal.butter(4, BAND_HZ, btype="bandpass", fs=sr, output="sos")
    return signal.sosfiltfilt(sos, samples.astype(np.float64)).astype(np.float32)


def to_int16(samples: np.ndarray) -> np.ndarray:
    """float [-1, 1] -> int16, rounded and clipped."""
    return np.clip(np.round(np.asarray(samples, dtype=np.float64) * 32768.0), -32768, 32767).astype(np.int16)


def drop_packets(ulaw: bytes, loss: float, seed: int) -> tuple[bytes, int]:
    """Replace each 20 ms packet with silence with probability ``loss``; returns (stream, lost)."""
    if not 0.0 <= loss <= 1.0:
        raise SynthParameterError(f"packet_loss={loss} must be between 0 and 1")
    if loss == 0.0:
        return ulaw, 0
    per = int(TELEPHONE_RATE * PACKET_S)
    codes = np.frombuffer(ulaw, dtype=np.uint8).copy()
    n_packets = -(-len(codes) // per)
    lost = np.random.default_rng(seed).random(n_packets) < loss
    for p in np.flatnonzero(lost):
        codes[p * per:(p + 1) * per] = _ULAW_SILENCE
    return codes.tobytes(), int(lost.sum())


def telephone_channel(samples: np.ndarray, sr: int, packet_loss: float = 0.0, seed: int = 0) -> TelephoneAudio:
    """Pass float samples at ``sr`` Hz through the telephone channel.

    Band-pass at ``sr``, resample to 8 kHz, mu-law encode, drop packets, decode, and resample
    the decoded signal to 16 kHz.
    """
    narrow = resample(band_limit(samples, sr), sr, TELEPHONE_RATE)
    ulaw, lost = drop_packets(ulaw_encode(to_int16(narrow)), packet_loss, seed)
    pcm_8k = ulaw_decode(ulaw)
    return TelephoneAudio(ulaw_8k=ulaw, pcm_8k=pcm_8k, pcm_16k=resample(pcm_8k, TELEPHONE_RATE, 16000),
                          packets_lost=lost)
