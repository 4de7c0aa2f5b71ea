"""DTMF tones decode back to their digits (Goertzel), also through noise and the telephone channel."""

from __future__ import annotations

import numpy as np
import pytest

import synth
from synth.dtmf import KEYS


@pytest.mark.parametrize("sr", [8000, 16000])
def test_every_key_round_trips(sr):
    tones = synth.dtmf(KEYS, sr)
    assert synth.decode_dtmf(tones, sr) == KEYS


def test_repeated_digits_stay_separate():
    assert synth.decode_dtmf(synth.dtmf("1100#", 16000), 16000) == "1100#"


def test_tones_survive_noise_and_the_telephone_channel():
    tones = synth.dtmf("950618", 16000)
    noisy = synth.add_noise(tones, 16000, "babble", 10.0, seed=1)
    phone = synth.telephone_channel(noisy, 16000, seed=1)
    assert synth.decode_dtmf(phone.pcm_8k / 32768.0, 8000) == "950618"


def test_silence_and_speechlike_noise_give_no_digits():
    rng = np.random.default_rng(2)
    assert synth.decode_dtmf(np.zeros(16000), 16000) == ""
    assert synth.decode_dtmf(rng.standard_normal(16000) * 0.1, 16000) == ""


def test_tone_timing_and_level():
    tones = synth.dtmf("5", 16000)
    assert len(tones) == int(0.10 * 16000) + int(0.08 * 16000)
    assert float(np.max(np.abs(tones))) <= 2 * 10 ** (-10 / 20) + 1e-6


@pytest.mark.parametrize("digits", ["", "12x", "9 9"])
def test_bad_digits(digits):
    with pytest.raises(synth.SynthParameterError, match="DTMF digits"):
        synth.dtmf(digits, 16000)
