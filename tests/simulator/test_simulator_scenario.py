"""Scenario files: the format, and one clear error with file and line for each mistake."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ivr.simulator import ScenarioFileError, load_all, load_call_scenario, read_caller_wav


def write(tmp_path: Path, text: str, name: str = "call.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_scenario_reads_into_typed_turns_and_expectations(tmp_path):
    sf.write(tmp_path / "hello.wav", np.zeros(800, np.int16), 8000, subtype="PCM_16")
    sc = load_call_scenario(write(tmp_path, """
call_id: demo
from: "+8613800000002"
seed: 4
noise: {kind: pink, snr_db: 20}
order_backend: down
turns:
  - digits: "1"
  - dtmf: "289123456789#"
  - say: 我要投诉
    lang: zh
    voice: espeak:cmn+m7
    barge_in: 1.5
  - wav: hello.wav
  - silence: true
  - silence: 2.5
  - agent: 您好
    lang: zh
  - hangup: true
expect:
  queue: complaints
  priority_at_least: 60
  path: [welcome, main]
  emotion: agitated
  qa_categories: {present: [complaint_call]}
"""))
    assert (sc.call_id, sc.caller, sc.seed, sc.order_backend) == ("demo", "+8613800000002", 4, "down")
    assert [t.kind for t in sc.turns] == ["digits", "digits", "say", "wav", "silence", "silence", "agent", "hangup"]
    say = sc.turns[2]
    assert say.speech.text == "我要投诉" and say.speech.voice == "espeak:cmn+m7" and say.barge_in == 1.5
    assert say.speech.noise.kind == "pink"  # the call-wide default, as in `hotline synth render`
    assert sc.turns[3].wav == tmp_path / "hello.wav"
    assert sc.turns[4].seconds is None and sc.turns[5].seconds == 2.5
    assert sc.order_numbers == {"289123456789"}
    assert sc.expect.queue == "complaints" and sc.expect.emotion == ("agitated",)
    assert sc.expect.path == ("welcome", "main") and sc.expect.qa_present == ("complaint_call",)
    assert say.where == f"{tmp_path / 'call.yaml'}:10"  # the text starts with a blank line


def test_synth_render_scenarios_replay_too(project_root):
    sc = load_call_scenario(project_root / "recordings" / "scenarios" / "return_request.yaml")
    assert [t.kind for t in sc.turns][:3] == ["say", "digits", "silence"]


def test_a_plain_wav_is_one_caller_turn(project_root):
    sc = load_call_scenario(project_root / "recordings" / "wav" / "transfer_agent_zh.wav")
    assert [t.kind for t in sc.turns] == ["wav"] and sc.call_id == "transfer_agent_zh"


BAD = [
    ("turns:\n  - digits: '1'\nagent_x: 1\n", r":3: unknown key\(s\): agent_x"),
    ("turns:\n  - digits: '1'\n    loud: yes\n", r":3: unknown key\(s\) for a digits turn: loud"),
    ("turns:\n  - say: hi\n    lang: en\n    speeed: 2\n", r":2: unknown key\(s\) for a say turn: speeed"),
    ("turns:\n  - say: hi\n    lang: xx\n", r":2: .*xx"),
    ("turns: [\n  - digits: 1\n", r":\d+: not valid YAML"),
    ("turns:\n  - digits: 12a\n", r":2: digits are keys"),
    ("turns:\n  - wav: nowhere.wav\n", r":2: WAV file nowhere.wav not found"),
    ("turns:\n  - digits: '1'\n    say: hi\n", r":2: turn 1 needs exactly one of"),
    ("turns:\n  - silence: -1\n", r":2: silence is true"),
    ("turns: []\n", r":1: 'turns' must be a non-empty list"),
    ("turns:\n  - digits: '1'\nexpect:\n  queue: general\n  qeue: billing\n", r":5: unknown expectation\(s\): qeue"),
    ("turns:\n  - digits: '1'\nexpect:\n  outcome: lost\n", r":4: outcome is one of"),
    ("turns:\n  - digits: '1'\norder_backend: sideways\n", r":3: order_backend is up or down"),
    ("turns:\n  - silence: true\n    barge_in: 2\n", r":3: barge_in is seconds"),
]


@pytest.mark.parametrize("text,message", BAD)
def test_each_mistake_is_one_error_with_file_and_line(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioFileError, match=re.escape(str(path)) + message):
        load_call_scenario(path)


def test_unreadable_and_wrong_rate_wavs(tmp_path):
    sf.write(tmp_path / "cd.wav", np.zeros(4410, np.int16), 44100, subtype="PCM_16")
    with pytest.raises(ScenarioFileError, match=r"cd\.wav: sample rate 44100 Hz; a caller WAV must be 8000 Hz"):
        read_caller_wav(tmp_path / "cd.wav")
    (tmp_path / "junk.wav").write_bytes(b"RIFF0000WAVEjunk")
    with pytest.raises(ScenarioFileError, match=r"junk\.wav: cannot read WAV"):
        read_caller_wav(tmp_path / "junk.wav")
    with pytest.raises(ScenarioFileError, match="no such WAV file"):
        load_call_scenario(tmp_path / "missing.wav")


def test_a_wideband_wav_is_brought_to_the_phone_line_rate(tmp_path):
    t = np.arange(16000) / 16000
    sf.write(tmp_path / "wide.wav", (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16), 16000, subtype="PCM_16")
    samples = read_caller_wav(tmp_path / "wide.wav")
    assert samples.dtype == np.int16 and len(samples) == 8000


def test_a_wrong_rate_wav_in_a_scenario_is_an_error_before_any_call(tmp_path):
    sf.write(tmp_path / "cd.wav", np.zeros(4410, np.int16), 44100, subtype="PCM_16")
    path = write(tmp_path, "turns:\n  - digits: '1'\n  - wav: cd.wav\n")
    with pytest.raises(ScenarioFileError, match=re.escape(f"{path}:3: {tmp_path / 'cd.wav'}: sample rate 44100 Hz")):
        load_all([path])
