"""The telephone channel: band limits, 8 kHz G.711 that decodes to the PCM we return, packet loss."""

from __future__ import annotations

import io
import subprocess

import numpy as np
import pytest
import soundfile as sf

import synth
from asr.codec import ulaw_decode
from synth.telephone import PACKET_S, TELEPHONE_RATE
from synth.wavio import mulaw_wav_bytes

SR = 16000


@pytest.fixture(scope="module")
def white() -> np.ndarray:
    return (np.random.default_rng(440).standard_normal(SR * 3) * 0.1).astype(np.float32)


def _power_share(x: np.ndarray, sr: int, lo: float, hi: float) -> float:
    p = np.abs(np.fft.rfft(x.astype(np.float64))) ** 2
    f = np.fft.rfftfreq(len(x), 1 / sr)
    return float(p[(f >= lo) & (f < hi)].sum() / p.sum())


def test_band_pass_keeps_300_to_3400_hz(white):
    y = synth.band_limit(white, SR)
    assert _power_share(y, SR, 300, 3400) > 0.95
    assert _power_share(y, SR, 4000, 8000) < 1e-3  # 30 dB down above 4 kHz
    assert _power_share(y, SR, 0, 150) < 1e-3


def test_channel_output_has_no_energy_above_the_telephone_band(white):
    phone = synth.telephone_channel(white, SR)
    assert len(phone.pcm_8k) == len(white) // 2 and len(phone.pcm_16k) == len(white)
    assert phone.pcm_8k.dtype == np.int16 and phone.pcm_16k.dtype == np.int16
    assert _power_share(phone.pcm_16k, SR, 4100, 8000) < 1e-4  # nothing above the 8 kHz Nyquist
    assert _power_share(phone.pcm_8k, TELEPHONE_RATE, 300, 3400) > 0.9


def test_mulaw_stream_decodes_to_the_pcm_output(white):
    phone = synth.telephone_channel(white, SR)
    assert np.array_equal(ulaw_decode(phone.ulaw_8k), phone.pcm_8k)
    # an independent decoder (libsndfile) reads the WAVE format-7 file to the same samples
    data, sr = sf.read(io.BytesIO(mulaw_wav_bytes(phone.ulaw_8k)), dtype="int16")
    assert sr == TELEPHONE_RATE and np.array_equal(data, phone.pcm_8k)


def test_sox_reads_the_mulaw_file(tmp_path, white):
    phone = synth.telephone_channel(white[:SR], SR)
    path = tmp_path / "call.wav"
    path.write_bytes(mulaw_wav_bytes(phone.ulaw_8k))
    info = subprocess.run(["sox", "--i", str(path)], capture_output=True, text=True, check=True).stdout
    assert "u-law" in info and "8000" in info


def test_packet_loss_silences_whole_packets(white):
    phone = synth.telephone_channel(white, SR, packet_loss=0.25, seed=5)
    per = int(TELEPHONE_RATE * PACKET_S)
    packets = phone.pcm_8k[: len(phone.pcm_8k) // per * per].reshape(-1, per)
    silent = int(np.sum(np.all(packets == 0, axis=1)))
    assert silent == phone.packets_lost
    assert 0.1 < silent / len(packets) < 0.4
    again = synth.telephone_channel(white, SR, packet_loss=0.25, seed=5)
    assert again.ulaw_8k == phone.ulaw_8k
    assert synth.telephone_channel(white, SR).packets_lost == 0


def test_bad_channel_parameters(white):
    with pytest.raises(synth.SynthParameterError, match="packet_loss"):
        synth.telephone_channel(white, SR, packet_loss=1.5)
    with pytest.raises(synth.SynthParameterError, match="too low"):
        synth.telephone_channel(white, 6000)
