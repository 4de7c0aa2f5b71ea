"""G.711 mu-law against a reference table, and resampling that keeps a tone's pitch and level."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from asr import resample, ulaw_decode, ulaw_encode

REFERENCE = Path(__file__).resolve().parents[2] / "recordings" / "asr" / "g711_ulaw_reference.tsv"


def _reference() -> tuple[dict[int, int], dict[int, int]]:
    decode, encode = {}, {}
    with open(REFERENCE, encoding="utf-8") as fh:
        for row in csv.reader((line for line in fh if not line.startswith("#")), delimiter="\t"):
            kind, a, b = row[0], int(row[1]), int(row[2])
            (decode if kind == "decode" else encode)[a] = b
    return decode, encode


def test_decode_matches_reference_table_for_all_256_codes():
    decode, _ = _reference()
    assert len(decode) == 256
    codes = np.arange(256, dtype=np.uint8)
    assert ulaw_decode(codes.tobytes()).tolist() == [decode[c] for c in range(256)]


def test_encode_matches_reference_table():
    _, encode = _reference()
    pcm = np.array(sorted(encode), dtype=np.int16)
    got = np.frombuffer(ulaw_encode(pcm), dtype=np.uint8)
    assert got.tolist() == [encode[int(v)] for v in pcm]


def test_round_trip_error_within_g711_quantisation_step():
    pcm = np.arange(-32768, 32768, 7, dtype=np.int16)
    back = ulaw_decode(ulaw_encode(pcm)).astype(np.int32)
    err = np.abs(back - pcm.astype(np.int32))
    # G.711 mu-law: the quantisation step doubles per segment (2**(segment+3) on the
    # 16-bit scale); the error stays within one step of the segment of the input or its
    # decoded value (they differ at segment edges), never more than 1024 (top segment)
    larger = np.maximum(np.abs(pcm.astype(np.int32)), np.abs(back))
    magnitude = np.minimum(larger >> 2, 8159) + 33
    segment = np.clip(np.floor(np.log2(magnitude)) - 5, 0, 7)
    assert np.all(err <= 2 ** (segment + 3)), err.max()
    assert err.max() <= 1024
    # and the codec is idempotent: re-encoding decoded values is exact
    codes = np.arange(256, dtype=np.uint8).tobytes()
    assert ulaw_encode(ulaw_decode(codes)) == ulaw_encode(ulaw_decode(ulaw_encode(ulaw_decode(codes))))


def _tone(rate: int, freq: float, seconds: float = 1.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _peak_freq_and_rms(x: np.ndarray, rate: int) -> tuple[float, float]:
    core = x[len(x) // 10: -len(x) // 10]  # ignore filter edges
    spectrum = np.abs(np.fft.rfft(core * np.hanning(core.size)))
    freqs = np.fft.rfftfreq(core.size, 1 / rate)
    return float(freqs[np.argmax(spectrum)]), float(np.sqrt(np.mean(core ** 2)))


@pytest.mark.parametrize("src,dst,freq", [(8000, 16000, 1000.0), (44100, 16000, 1000.0), (48000, 8000, 440.0)])
def test_resampling_keeps_tone_frequency_and_level(src, dst, freq):
    x = _tone(src, freq)
    y = resample(x, src, dst)
    assert abs(y.size - x.size * dst / src) <= 2
    f, rms = _peak_freq_and_rms(y, dst)
    assert abs(f - freq) <= 2.0
    assert abs(20 * np.log10(rms / (0.5 / np.sqrt(2)))) < 0.1  # level within 0.1 dB


def test_downsampling_removes_content_above_new_nyquist():
    # a 6 kHz tone cannot exist at 8 kHz: an anti-alias filter removes it instead of
    # folding it to 2 kHz
    y = resample(_tone(48000, 6000.0), 48000, 8000)
    assert np.sqrt(np.mean(y[800:-800] ** 2)) < 0.005


def test_int16_resampling_stays_int16():
    pcm = (_tone(8000, 500.0) * 32767).astype(np.int16)
    y = resample(pcm, 8000, 16000)
    assert y.dtype == np.int16
    f, _ = _peak_freq_and_rms(y.astype(np.float32) / 32768, 16000)
    assert abs(f - 500.0) <= 2.0
