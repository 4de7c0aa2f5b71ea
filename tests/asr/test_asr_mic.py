"""hotline listen on a real (virtual) microphone: a private PulseAudio server with a null
sink whose monitor is the default source; speech is played into the sink with paplay and
PyAudio/PortAudio capture it through ALSA's pulse plugin, as from a sound card."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import pytest

PA_BINARIES = ("pulseaudio", "pactl", "paplay")


@pytest.fixture(scope="module")
def virtual_mic(tmp_path_factory):
    missing = [b for b in PA_BINARIES if shutil.which(b) is None]
    assert not missing, f"install.sh installs pulseaudio/pulseaudio-utils; missing {missing}"
    run_dir = tmp_path_factory.mktemp("pulse")
    socket = run_dir / "native"
    env = {**os.environ, "XDG_RUNTIME_DIR": str(run_dir), "HOME": str(run_dir),
           "PULSE_SERVER": f"unix:{socket}"}
    server = subprocess.Popen(
        ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
         "-L", f"module-native-protocol-unix auth-anonymous=1 socket={socket}",
         "-L", "module-null-sink sink_name=vmic rate=16000 channels=1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        subprocess.run(["pactl", "set-default-source", "vmic.monitor"], env=env, check=True)
        yield env
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_listen_hears_speech_played_into_the_microphone(virtual_mic, ko_model, speech):
    env = {**virtual_mic, "HOTLINE_TWILIO_AUTH_TOKEN": "", "HOTLINE_ASR_MODEL": ""}
    phrases = "비 가 올 수,있다는 뜻 이다,주문 상태"
    # a grammar keeps decoding far faster than real time even on a busy machine, so the
    # live capture never overflows
    proc = subprocess.Popen(
        [sys.executable, "-c", "from ivr.cli import main; main()", "listen", "--model", str(ko_model.info.path),
         "--grammar", phrases, "--seconds", "6"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = proc.stderr.readline()  # printed once the model is loaded and the mic is open
        assert banner.startswith("listening on"), banner + proc.stderr.read()  # and nothing before it
        subprocess.run(["paplay", "-d", "vmic", str(speech["rain"].path)], env=env, check=True, timeout=60)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    finals = [m.group(3) for m in re.finditer(r"\[\s*([\d.]+)-\s*([\d.]+)\] (.+?)  \(([\d.]+)\)", out)]
    assert finals, out
    allowed = {w for p in phrases.split(",") for w in p.split()} | {"[unk]"}
    words = [w for text in finals for w in text.split()]
    assert words and set(words) <= allowed
    # the sentence played was "비가 올 수 있다는 뜻이다", not "주문 상태"
    assert set(words) & {"비", "가", "올", "수", "있다는", "뜻", "이다"}
    assert not set(words) & {"주문", "상태"}
    assert "latency end-of-speech" in err
