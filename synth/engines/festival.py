"""festival (Debian package): diphone voices kal/ked and the HTS voice cmu_us_slt_arctic_hts."""

from __future__ import annotations

import shutil
from pathlib import Path

from synth.engines.base import Engine, command_version, run_to_wav
from synth.values import Controls, RawAudio, Voice

VOICE_ROOT = Path("/usr/share/festival/voices")
# voice -> (Debian package, default target F0 mean and spread in Hz for diphone voices)
VOICES = {
    "kal_diphone": ("festvox-kallpc16k", (105.0, 14.0)),
    "ked_diphone": ("festvox-kdlpc16k", (105.0, 15.0)),
    "cmu_us_slt_arctic_hts": ("festvox-us-slt-hts", None),
}


class FestivalEngine(Engine):
    name = "festival"

    def voices(self) -> list[Voice]:
        has_festival = shutil.which("text2wave") is not None
        out = []
        for voice, (package, _) in VOICES.items():
            installed = has_festival and any(VOICE_ROOT.glob(f"*/{voice}"))
            reason = "" if installed else f"apt-get install festival {package}"
            out.append(Voice(self.name, voice, "en", installed, reason))
        return out

    def version(self) -> str:
        return command_version(["festival", "--version"])

    def synthesize(self, text: str, lang: str, voice: str, controls: Controls, seed: int) -> RawAudio:
        self.check_voice(voice, lang)
        # text2wave evaluates only the first -eval expression, so everything goes in one (begin ...)
        settings = [f"(voice_{voice})"]
        f0 = VOICES[voice][1]
        if f0 is None:  # HTS: only hts_engine's speed option works; pitch goes to sox
            settings.append(f'(set! hts_engine_params (append hts_engine_params (list (list "-r" {controls.speed:.4f}))))')
            native = {"speed"}
        else:
            mean = f0[0] * 2.0 ** (controls.pitch_semitones / 12.0)
            std = f0[1] * controls.pitch_range * 2.0 ** (controls.pitch_semitones / 12.0)
            settings += [f"(Parameter.set 'Duration_Stretch {1.0 / controls.speed:.4f})",
                         f"(set! int_lr_params '((target_f0_mean {mean:.2f}) (target_f0_std {std:.2f}) "
                         "(model_f0_mean 170) (model_f0_std 34)))"]
            native = {"speed", "pitch_semitones", "pitch_range"}
        samples, sr = run_to_wav(["text2wave", "-o", "{out}", "-eval", f"(begin {' '.join(settings)})", "{text}"],
                                 files={"text": text})
        return RawAudio(samples, sr, frozenset(native), text)
