"""espeak-ng (Debian package): English variants, and Mandarin fed tone-numbered pinyin.

Debian's espeak-ng 1.51 reads many Hanzi as English-spelt pinyin ("de five"), so Mandarin text
goes through the front-end and pypinyin and is spoken with the ``cmn-latn-pinyin`` voice.
"""

from __future__ import annotations

import shutil
from functools import cached_property
from xml.sax.saxutils import escape

from synth.engines.base import Engine, command_version, run_to_wav
from synth.values import Controls, RawAudio, Voice
from synth.zh_text import normalize_zh, split_segments, to_pinyin

EN_VOICES = ("en-us", "en-us+f2", "en-us+f3", "en-us+f4", "en-us+m1", "en-us+m3", "en-us+m7", "en", "en+f3")
ZH_VOICES = ("cmn", *(f"cmn+f{i}" for i in range(2, 6)), *(f"cmn+m{i}" for i in range(1, 8)))
_DEFAULT_WPM = 175
_ZH_RATE = 1.2  # espeak's Mandarin is slow at 175 wpm (3.8 vs ~4.6 syllables/s for natural speech)
_SEMITONES_PER_P = 0.18  # measured: -p 20/50/80 -> 72/98/134 Hz for en-us
_MAX_RANGE_PCT = 200  # SSML range saturates here


class EspeakEngine(Engine):
    name = "espeak"

    @cached_property
    def _binary(self) -> str | None:
        return shutil.which("espeak-ng")

    def voices(self) -> list[Voice]:
        ok = self._binary is not None
        reason = "" if ok else "espeak-ng is not installed (apt-get install espeak-ng)"
        return ([Voice(self.name, v, "en", ok, reason) for v in EN_VOICES]
                + [Voice(self.name, v, "zh", ok, reason) for v in ZH_VOICES])

    def version(self) -> str:
        return command_version(["espeak-ng", "--version"])

    def synthesize(self, text: str, lang: str, voice: str, controls: Controls, seed: int) -> RawAudio:
        self.check_voice(voice, lang)
        native = {"speed", "pitch_range"}
        p = 50 + controls.pitch_semitones / _SEMITONES_PER_P
        if 0 <= p <= 99:
            native.add("pitch_semitones")
        else:
            p = 50
        range_pct = min(_MAX_RANGE_PCT, round(100 * controls.pitch_range))
        warnings: tuple[str, ...] = ()
        if lang == "zh":
            norm = normalize_zh(text)
            warnings = norm.warnings
            parts = []
            for seg in split_segments(norm.text, max_chars=200):
                parts.append(escape(to_pinyin(seg.text)))
                if seg.pause_s:
                    parts.append(f'<break time="{round(1000 * seg.pause_s / controls.speed)}ms"/>')
            body, spoken = " ".join(parts), to_pinyin(norm.text)
            variant = voice.partition("+")[2]
            ev = "cmn-latn-pinyin" + (f"+{variant}" if variant else "")
            wpm = _DEFAULT_WPM * _ZH_RATE * controls.speed
        else:
            body, spoken, ev, wpm = escape(text), text, voice, _DEFAULT_WPM * controls.speed
        ssml = f'<speak><prosody range="{range_pct}%">{body}</prosody></speak>'
        samples, sr = run_to_wav(["espeak-ng", "-m", "-v", ev, "-s", str(round(wpm)), "-p", str(round(p)),
                                  "-w", "{out}", "-f", "{text}"], files={"text": ssml})
        return RawAudio(samples, sr, frozenset(native), spoken, warnings)
