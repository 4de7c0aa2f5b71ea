"""Dual-channel call recordings made for QA tests: what a Twilio <Start><Recording channels=dual> holds.

Channel 0 is the caller (inbound track), channel 1 what the caller heard (IVR prompts, then the
agent). Every line is synthesised offline (hotline synth for zh/en, espeak-ng for Korean),
passed through the G.711 telephone channel and placed at its time on an 8 kHz timeline with a
faint line-noise floor, so VAD and the recognisers see telephone audio, not digital silence.
"""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

import synth
from asr import resample

RATE = 8000
CHANNEL = {"caller": 0, "ivr": 1, "agent": 1}


@dataclass(frozen=True)
class Line:
    party: str
    text: str
    #: seconds from the start of the recording
    at: float
    lang: str = "zh"
    voice: str | None = None
    preset: str | None = None


@dataclass(frozen=True)
class Placed:
    line: Line
    start: float
    end: float


def _speech(line: Line, seed: int) -> np.ndarray:
    """The line at 8 kHz through the phone line, float32."""
    if line.lang == "ko":
        wav = subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "--stdout", line.text], check=True,
                             capture_output=True).stdout
        samples, rate = sf.read(io.BytesIO(wav), dtype="float32")
        samples = samples / max(1e-6, float(np.abs(samples).max())) * 0.3
    else:
        default = {"zh": "espeak:cmn+m7", "en": "espeak:en-us+m7"}[line.lang]
        utt = synth.say(line.text, line.lang, line.voice or default, preset=line.preset, seed=seed)
        samples, rate = utt.samples, utt.sample_rate
    pcm = synth.telephone_channel(samples, rate).pcm_8k
    return pcm.astype(np.float32) / 32768.0


def render_call(lines: list[Line], path: Path, *, tail_s: float = 1.5, seed: int = 7) -> list[Placed]:
    """Write the dual-channel WAV of ``lines`` at ``path``; returns where each line really is."""
    rendered = [(line, _speech(line, seed + i)) for i, line in enumerate(lines)]
    end = max(line.at + len(x) / RATE for line, x in rendered) + tail_s
    rng = np.random.default_rng(seed)
    out = (rng.standard_normal((int(end * RATE), 2)) * 10 ** (-62 / 20)).astype(np.float32)
    placed = []
    for line, x in rendered:
        start = int(round(line.at * RATE))
        out[start:start + len(x), CHANNEL[line.party]] += x
        placed.append(Placed(line, line.at, line.at + len(x) / RATE))
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.clip(out, -1, 1), RATE, subtype="PCM_16")
    return placed


def mono_copy(src: Path, dest: Path) -> Path:
    data, rate = sf.read(str(src), dtype="float32", always_2d=True)
    sf.write(str(dest), data.mean(axis=1), rate, subtype="PCM_16")
    return dest


def resampled_copy(src: Path, dest: Path, rate: int) -> Path:
    data, old = sf.read(str(src), dtype="float32", always_2d=True)
    sf.write(str(dest), np.stack([resample(data[:, c], old, rate) for c in range(data.shape[1])], axis=1), rate,
             subtype="PCM_16")
    return dest


# ---- calls the QA tests share (tests/qa, tests/qaweb) ----------------------------------------

ZH_AGENT = "espeak:cmn+f4"
EN_AGENT = "espeak:en-us+m7"

#: a polite Mandarin agent: greets, promises a reply within 24 hours, closes
ZH_GOOD = [
    Line("ivr", "您好，欢迎致电京东客服，请选择您要办理的业务", 0.3, voice="espeak:cmn+f3"),
    Line("caller", "我要退货", 5.0),
    Line("agent", "您好，很高兴为您服务", 9.0, voice=ZH_AGENT),
    Line("caller", "换货", 12.5),
    Line("agent", "二十四小时内给您回复", 15.5, voice=ZH_AGENT),
    Line("agent", "感谢您的来电，再见", 20.0, voice=ZH_AGENT),
]
#: an English agent who neither greets nor closes, and says a taboo phrase
EN_BAD = [
    Line("ivr", "Welcome to the J D hotline. Please choose a service.", 0.3, lang="en", voice="espeak:en-us+f3"),
    Line("caller", "returns", 5.0, lang="en"),
    Line("agent", "your order number", 9.0, lang="en", voice=EN_AGENT),
    Line("caller", "my order is broken", 11.5, lang="en"),
    Line("agent", "not my problem", 14.5, lang="en", voice=EN_AGENT),
    Line("agent", "okay", 18.0, lang="en", voice=EN_AGENT),
]
