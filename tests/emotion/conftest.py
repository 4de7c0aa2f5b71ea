"""Stimuli for the emotion tests, generated once per session with espeak-ng (+ numpy) and cached on disk.

A private copy of espeak-ng-data holds variant files (voices/!v/hl_*) that set pitch range, breath,
roughness, flutter and spectral tone, per espeak-ng docs/voices.md. Mandarin is written in tone-numbered
pinyin (the Debian cmn voice reads hanzi as code points).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import butter, sosfilt

from asr.codec import resample, ulaw_decode, ulaw_encode

SR = 16000
VOICE = {"en": "en-us", "zh": "cmn-latn-pinyin"}
TEXT = {
    "en": "I ordered a phone last week and it still has not arrived at my home.",
    "zh": "wo3 shang4 ge4 xing1 qi1 mai3 le5 yi2 bu4 shou3 ji1, dao4 xian4 zai4 hai2 mei2 you3 dao4.",
}
#: sentences for synthetic calls (different words, same neutral content)
CALL_TEXT = {
    "en": [
        "Hello, I am calling about my order from last Tuesday.",
        "The tracking page says it was delivered, but nothing is here.",
        "I checked with my neighbours and at the front desk.",
        "Could you please look into it and tell me what happened?",
        "My order number starts with two three four five.",
        "I would like a replacement or a refund, whichever is faster.",
    ],
    "zh": [
        "ni3 hao3, wo3 xiang3 wen4 yi2 xia4 wo3 de5 ding4 dan1.",
        "wu4 liu2 xian3 shi4 yi3 jing1 qian1 shou1 le5, ke3 shi4 wo3 mei2 shou1 dao4.",
        "wo3 wen4 guo4 lin2 ju1 he2 wu4 ye4, dou1 shuo1 mei2 you3.",
        "qing3 ni3 bang1 wo3 cha2 yi2 xia4 dao4 di3 shi4 zen3 me5 hui2 shi4.",
        "wo3 de5 ding4 dan1 hao4 shi4 er4 san1 si4 wu3.",
        "wo3 xiang3 yao4 huan4 huo4 huo4 zhe3 tui4 kuan3, na3 ge4 kuai4 jiu4 yao4 na3 ge4.",
    ],
}

VARIANTS = {
    **{f"range{top}": f"pitch 82 {top}\n" for top in (100, 118, 160, 220)},
    **{f"breath{b}": "pitch 82 118\nbreath " + " ".join([str(b)] * 8) + "\n" for b in (0, 10, 25, 50, 100)},
    **{f"rough{r}": f"pitch 82 118\nroughness {r}\n" for r in (0, 2, 4, 7)},
    **{f"flutter{f}": f"pitch 82 118\nflutter {f}\n" for f in (0, 10, 30, 60)},
    **{f"tone{a}": f"pitch 82 118\ntone 600 170 1200 135 2000 {a}\n" for a in (40, 80, 110, 170, 255)},
    "calm": "pitch 90 120\ntone 600 170 1200 100 2000 60\n",
    "agitated": "pitch 90 230\ntone 600 170 1200 150 2000 200\n",
}


def telephone(y: np.ndarray) -> np.ndarray:
    """300-3400 Hz band-pass, 8 kHz, G.711 mu-law and back to 16 kHz (the research note's chain)."""
    sos = butter(4, [300, 3400], btype="bandpass", fs=SR, output="sos")
    x = resample(sosfilt(sos, y).astype(np.float32), SR, 8000)
    pcm = np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)
    back = ulaw_decode(ulaw_encode(pcm)).astype(np.float32) / 32768.0
    return resample(back, 8000, SR)


@dataclass
class Stimuli:
    """Generates and caches espeak-ng stimuli (16 kHz float32)."""

    root: Path
    data: Path

    def say(self, lang: str, text: str | None = None, variant: str | None = None, p: int = 50, s: int = 160, a: int = 100) -> np.ndarray:
        text = TEXT[lang] if text is None else text
        key = f"{lang}_{variant}_{p}_{s}_{a}_{abs(hash(text)) % 10**8}"
        out = self.root / f"{key}.wav"
        if not out.exists():
            voice = VOICE[lang] + (f"+hl_{variant}" if variant else "")
            subprocess.run(
                ["espeak-ng", "--path", str(self.data), "-v", voice, "-p", str(p), "-s", str(s), "-a", str(a), "-w", str(out), text],
                check=True,
                capture_output=True,
            )
        y, sr = sf.read(str(out), dtype="float32")
        return resample(y, sr, SR)

    def call(self, lang: str, parts: list[tuple[str, dict]], gap_s: float = 0.4, tel: bool = True,
             level_rms: float | None = None) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
        """Concatenate sentences spoken in named styles: [(style, espeak kwargs), ...].

        ``level_rms`` scales every sentence to that RMS (espeak's pitch setting also changes its level, so a
        pitch-only or rate-only stimulus needs it). Returns the signal and (start, end, style) of each
        sentence in seconds.
        """
        pieces, spans, t = [], [], 0.0
        gap = np.zeros(int(gap_s * SR), dtype=np.float32)
        sentences = CALL_TEXT[lang]
        for i, (style, kw) in enumerate(parts):
            y = self.say(lang, sentences[i % len(sentences)], **kw)
            if level_rms is not None:
                y = (y * level_rms / np.sqrt(np.mean(y**2))).astype(np.float32)
            spans.append((t, t + len(y) / SR, style))
            pieces += [y, gap]
            t += (len(y) + len(gap)) / SR
        sig = np.concatenate(pieces)
        return (telephone(sig) if tel else sig), spans


@pytest.fixture(scope="session")
def stimuli(tmp_path_factory) -> Stimuli:
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is required for the emotion tests (install.sh installs it)")
    root = tmp_path_factory.mktemp("emotion_stimuli")
    data = root / "espeak-ng-data"
    src = Path(subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout.split("Data at:")[1].strip())
    shutil.copytree(src, data)
    vdir = data / "voices" / "!v"
    for name, body in VARIANTS.items():
        (vdir / f"hl_{name}").write_text(f"language variant\nname hl_{name}\n{body}")
    return Stimuli(root=root, data=data)


CALM = {"variant": "calm", "p": 45, "s": 150, "a": 60}
AGITATED = {"variant": "agitated", "p": 70, "s": 215, "a": 150}


@pytest.fixture(scope="session")
def calm_style() -> dict:
    return dict(CALM)


@pytest.fixture(scope="session")
def agitated_style() -> dict:
    return dict(AGITATED)


@pytest.fixture(scope="session")
def tel():
    """The telephone chain as a function (16 kHz in, 16 kHz out)."""
    return telephone


@dataclass(frozen=True)
class Vowel:
    """A synthetic /a/ with known perturbations (research note section 6)."""

    y: np.ndarray
    """16 kHz samples"""
    jitter_pct: float
    """realised local jitter, percent"""
    shimmer_pct: float
    """realised local shimmer of the pulse amplitudes, percent"""
    hnr_db: float
    """periodic-to-noise power ratio, dB"""
    f0_hz: np.ndarray
    """true F0 at each 10 ms frame centre, Hz"""


def make_vowel(f0, seconds=1.0, jitter_pct=0.0, shimmer_pct=0.0, hnr_db=40.0, seed=0) -> Vowel:
    """``f0``: a number (Hz) or a function of time (s) -> Hz."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    f0_of = f0 if callable(f0) else (lambda t, f=float(f0): f)
    hi = 160_000
    sj, ss = jitter_pct / 100 / 1.1284, shimmer_pct / 100 / 1.1284
    times, amps, t = [], [], 0.0
    while t < seconds:
        times.append(t)
        amps.append(1.0 + ss * rng.standard_normal())
        t += (1.0 / f0_of(t)) * (1.0 + sj * rng.standard_normal())
    idx = np.round(np.array(times) * hi).astype(int)
    pulses = np.zeros(int(seconds * hi) + 1)
    pulses[idx[idx < len(pulses)]] = np.array(amps)[idx < len(pulses)]
    glottal = lfilter([1.0], np.convolve([1, -0.995], [1, -0.995]), pulses)
    src = resample(np.diff(glottal, prepend=0.0).astype(np.float32), hi, SR).astype(np.float64)
    src = lfilter([1.0], [1.0, -0.95], src)
    for fc, bw in ((700, 80), (1220, 90), (2600, 120), (3500, 150)):
        r = np.exp(-np.pi * bw / SR)
        src = lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * fc / SR), r * r], src)
    src = src / np.max(np.abs(src)) * 0.3
    noise = rng.standard_normal(len(src)) * np.sqrt(np.mean(src**2) / 10 ** (hnr_db / 10))
    periods = np.diff(idx) / hi
    a = np.array(amps)
    true_j = 100 * np.mean(np.abs(np.diff(periods))) / np.mean(periods)
    true_s = 100 * np.mean(np.abs(np.diff(a))) / np.mean(a)
    frame_t = np.arange(1 + len(src) // 160) * 0.01
    return Vowel((src + noise).astype(np.float32), true_j, true_s, hnr_db, np.array([f0_of(x) for x in frame_t]))


@pytest.fixture(scope="session")
def vowel():
    return make_vowel
