"""``say``: one utterance through an engine and the shared signal chain.

Chain: engine at its native rate -> sox tempo/pitch for what the engine cannot do itself ->
16 kHz -> trim edge silence -> active speech level to -26 dBFS + volume -> -1 dBFS peak limit.
"""

from __future__ import annotations

import numpy as np

from asr.codec import resample
from synth.dsp import (REFERENCE_LEVEL_DB, active_level_db, normalise_level, peak_db, sox_fallback_effects,
                       sox_process, trim_silence)
from synth.errors import EngineFailed, SynthParameterError
from synth.registry import EngineRegistry
from synth.values import SAMPLE_RATE, Controls, RawAudio, Utterance, agitated

PRESETS = ("agitated",)


def make_controls(*, speed: float = 1.0, pitch_semitones: float = 0.0, pitch_range: float = 1.0,
                  volume_db: float = 0.0, energy: float = 1.0, preset: str | None = None) -> Controls:
    """Controls from keyword values, with an optional preset applied on top."""
    base = Controls(speed=speed, pitch_semitones=pitch_semitones, pitch_range=pitch_range,
                    volume_db=volume_db, energy=energy)
    if preset is None:
        return base
    if preset not in PRESETS:
        raise SynthParameterError(f"unknown preset {preset!r}; presets: {', '.join(PRESETS)}")
    return agitated(base)


def realise(raw: RawAudio, controls: Controls) -> tuple[np.ndarray, dict[str, str]]:
    """Apply sox fallbacks for the controls the engine left undone; say how each was realised."""
    realisation: dict[str, str] = {}
    fallback = {}
    for name in controls.requested():
        if name == "volume_db":
            realisation[name] = "dsp"
        elif name in raw.native:
            realisation[name] = "native"
        elif name in ("speed", "pitch_semitones"):
            realisation[name] = "sox"
            fallback[name] = getattr(controls, name)
        else:
            realisation[name] = "unsupported"
    samples = sox_process(raw.samples, raw.sample_rate, sox_fallback_effects(**fallback)) if fallback else raw.samples
    return samples, realisation


def say(text: str, lang: str, voice: str | None = None, *, speed: float = 1.0, pitch_semitones: float = 0.0,
        pitch_range: float = 1.0, volume_db: float = 0.0, energy: float = 1.0, preset: str | None = None,
        seed: int = 0, registry: EngineRegistry | None = None) -> Utterance:
    """Synthesise ``text`` in ``lang`` ("zh"/"en") with ``voice`` ("engine:name"; default: best installed).

    Same inputs and seed give the same samples. ``preset="agitated"`` raises rate, pitch, range,
    level and effort on top of the given values. Raises ``SynthError`` subclasses only.
    """
    if not text or not text.strip():
        raise SynthParameterError("text to speak is empty")
    controls = make_controls(speed=speed, pitch_semitones=pitch_semitones, pitch_range=pitch_range,
                             volume_db=volume_db, energy=energy, preset=preset)
    registry = registry or EngineRegistry()
    engine, voice_name = registry.resolve(lang, voice)
    raw = engine.synthesize(text, lang, voice_name, controls, seed)
    samples, realisation = realise(raw, controls)
    samples = trim_silence(resample(samples, raw.sample_rate, SAMPLE_RATE), SAMPLE_RATE)
    if len(samples) == 0 or active_level_db(samples, SAMPLE_RATE) < -80.0:
        raise EngineFailed(f"{engine.name}:{voice_name} produced silence for {text!r}")
    samples, limited = normalise_level(samples, SAMPLE_RATE, REFERENCE_LEVEL_DB + controls.volume_db)
    return Utterance(samples=samples, sample_rate=SAMPLE_RATE, text=text, spoken_text=raw.spoken_text, lang=lang,
                     engine=engine.name, voice=voice_name, engine_version=engine.version(), controls=controls,
                     realisation=realisation, seed=seed, active_level_db=active_level_db(samples, SAMPLE_RATE),
                     peak_db=peak_db(samples), limited_db=limited, warnings=raw.warnings)
