"""Session fixtures for the synth tests: real engines, each sentence synthesised once per session."""

from __future__ import annotations

import numpy as np
import pytest

import synth
from synth.registry import EngineRegistry

#: one test sentence per language: 9 syllables / 9 words
SENTENCES = {"zh": "您好，我要查询订单。", "en": "Hello, I would like to check my order status."}


def _median_f0(samples: np.ndarray, sr: int) -> float:
    """Median F0 of the voiced frames (Praat autocorrelation pitch), Hz."""
    import parselmouth

    pitch = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=sr).to_pitch(pitch_floor=60, pitch_ceiling=500)
    f0 = pitch.selected_array["frequency"]
    return float(np.median(f0[f0 > 0]))


def _f0_span_semitones(samples: np.ndarray, sr: int) -> float:
    """p10-p90 spread of F0 over voiced frames, semitones."""
    import parselmouth

    pitch = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=sr).to_pitch(pitch_floor=60, pitch_ceiling=500)
    f0 = pitch.selected_array["frequency"]
    f0 = f0[f0 > 0]
    p10, p90 = np.percentile(f0, [10, 90])
    return float(12 * np.log2(p90 / p10))


@pytest.fixture(scope="session")
def registry() -> EngineRegistry:
    return EngineRegistry()


@pytest.fixture(scope="session")
def utter(registry):
    """``utter(text, lang, voice, **controls)``: say() with a per-session cache."""
    cache: dict[tuple, synth.Utterance] = {}

    def get(text: str, lang: str, voice: str, **kwargs) -> synth.Utterance:
        key = (text, lang, voice, tuple(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = synth.say(text, lang, voice, registry=registry, **kwargs)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def sentence() -> dict[str, str]:
    return SENTENCES


@pytest.fixture(scope="session")
def median_f0():
    return _median_f0


@pytest.fixture(scope="session")
def f0_span():
    return _f0_span_semitones
