"""flite (Debian package): CMU's small English voices slt, awb, rms, kal16 and kal (8 kHz)."""

from __future__ import annotations

import shutil
from functools import cached_property

from synth.engines.base import Engine, command_version, run_to_wav
from synth.values import Controls, RawAudio, Voice

VOICES = ("slt", "awb", "rms", "kal16", "kal")
# Default intonation spread of each voice in Hz (estimated by measurement); rms ignores
# f0_shift and the intonation targets, so its pitch goes to sox and its range is unsupported.
_F0_STDDEV = {"slt": 32.0, "awb": 28.0, "kal16": 11.0, "kal": 11.0}


class FliteEngine(Engine):
    name = "flite"

    @cached_property
    def _installed(self) -> set[str]:
        if shutil.which("flite") is None:
            return set()
        out = command_version(["flite", "-lv"])  # "Voices available: kal awb_time kal16 awb rms slt"
        return set(out.partition(":")[2].split())

    def voices(self) -> list[Voice]:
        have = self._installed
        return [Voice(self.name, v, "en", v in have,
                      "" if v in have else "flite is not installed (apt-get install flite)") for v in VOICES]

    def version(self) -> str:
        return command_version(["flite", "--version"])

    def synthesize(self, text: str, lang: str, voice: str, controls: Controls, seed: int) -> RawAudio:
        self.check_voice(voice, lang)
        cmd = ["flite", "-voice", voice, "-o", "{out}", "--setf", f"duration_stretch={1.0 / controls.speed:.4f}"]
        native = {"speed"}
        if voice in _F0_STDDEV:
            native |= {"pitch_semitones", "pitch_range"}
            cmd += ["--setf", f"f0_shift={2.0 ** (controls.pitch_semitones / 12.0):.4f}",
                    "--setf", f"int_f0_target_stddev={_F0_STDDEV[voice] * controls.pitch_range:.2f}"]
        samples, sr = run_to_wav([*cmd, "-f", "{text}"], files={"text": text})
        return RawAudio(samples, sr, frozenset(native), text)
