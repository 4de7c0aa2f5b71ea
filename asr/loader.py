"""Loading Vosk models: validated first, loaded once per process, shared by threads.

Vosk's ``Model`` is thread-safe and meant to be shared; recognizers are cheap and
per-stream. Loading takes seconds and hundreds of MB, so it happens once per
process (at start-up, never on a request path) and is cached by resolved path.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asr.compounds import Compounds, read_vocabulary
from asr.errors import ModelError, ModelInvalid
from asr.registry import ModelInfo, inspect_model, resolve_model

log = logging.getLogger(__name__)


@dataclass(eq=False)
class LoadedModel:
    """A loaded Vosk model plus what :func:`inspect_model` found. Share it across threads."""

    info: ModelInfo
    #: the ``vosk.Model``
    vosk_model: Any
    #: seconds spent loading
    load_seconds: float = 0.0
    #: idle free-text recognizers kept per sample rate for reuse (see :meth:`acquire_idle`)
    pool_size: int = 8
    #: multi-word phrases the model knows as single words (grammars use them, results spell them out)
    compounds: Compounds = field(default_factory=Compounds)
    #: the words of ``graph/words.txt`` (empty when the model has none, e.g. a static graph only)
    vocabulary: frozenset[str] = frozenset()
    _warn_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _grammar_warned: bool = field(default=False, repr=False)
    _idle: dict[int, list[Any]] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def sample_rate(self) -> int:
        return self.info.sample_rate

    @property
    def supports_grammar(self) -> bool:
        return self.info.supports_grammar

    def acquire_idle(self, rate: int) -> Any | None:
        """An idle free-text decoder for ``rate`` returned by a finished stream, or None.

        A new free-text Vosk recognizer on a big dynamic-graph model expands its decoding
        graph lazily, costing seconds of CPU on its first minutes of audio; a reused one
        keeps that expansion, so streams hand theirs back instead of dropping them.
        """
        with self._warn_lock:
            idle = self._idle.get(rate)
            return idle.pop() if idle else None

    def release_idle(self, rate: int, decoder: Any) -> None:
        """Keep a decoder for reuse (dropped when ``pool_size`` are already idle)."""
        with self._warn_lock:
            idle = self._idle.setdefault(rate, [])
            if len(idle) < self.pool_size:
                idle.append(decoder)

    def warn_static_grammar_once(self) -> bool:
        """Log, once per model, that grammars are ignored on a static graph. True if logged now."""
        with self._warn_lock:
            if self._grammar_warned:
                return False
            self._grammar_warned = True
        log.warning(
            "model %s has a static graph (graph/HCLG.fst): per-utterance grammars are not "
            "supported, recognising free text instead", self.info.name,
        )
        return True


def open_model(path: str | os.PathLike, log_level: int = -2) -> LoadedModel:
    """Validate and load one model directory (uncached). Raises :class:`ModelError`."""
    import time

    import vosk

    info = inspect_model(path)
    if info.missing:
        raise ModelInvalid(info.path, info.missing)
    # Kaldi logs every load step (LOG, level 0) and warns (level -1) about e.g. grammar words
    # missing from the vocabulary on stderr; -2 keeps only errors. hotline reports what
    # matters itself (static graphs, bad files), so a CLI prints one clean message.
    vosk.SetLogLevel(log_level)
    start = time.perf_counter()
    try:
        model = vosk.Model(str(info.path))
    except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
        raise ModelError(f"Vosk could not load model {info.path}: {exc}") from exc
    vocabulary = read_vocabulary(info.path)
    return LoadedModel(info=info, vosk_model=model, load_seconds=time.perf_counter() - start,
                       compounds=Compounds.of_vocabulary(vocabulary), vocabulary=frozenset(vocabulary))


class ModelCache:
    """Loaded models keyed by resolved path; each loaded at most once, even under threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: dict[Path, LoadedModel] = {}
        self._loading: dict[Path, threading.Lock] = {}

    def get(self, name_or_path: str | os.PathLike | None = None,
            models_dir: str | os.PathLike | None = None) -> LoadedModel:
        path = resolve_model(name_or_path, models_dir)
        with self._lock:
            if path in self._models:
                return self._models[path]
            path_lock = self._loading.setdefault(path, threading.Lock())
        with path_lock:  # other paths keep loading in parallel
            with self._lock:
                if path in self._models:
                    return self._models[path]
            model = open_model(path)
            log.info("loaded model %s from %s in %.1f s", model.name, path, model.load_seconds)
            with self._lock:
                self._models[path] = model
            return model

    def loaded(self) -> list[LoadedModel]:
        with self._lock:
            return list(self._models.values())


# The one deliberate piece of process-wide state: a Vosk model must be loaded once per
# process and shared, so the cache has to outlive any single caller.
_PROCESS_CACHE = ModelCache()


def load_model(name_or_path: str | os.PathLike | LoadedModel | None = None,
               models_dir: str | os.PathLike | None = None) -> LoadedModel:
    """The process-wide shared model for a name or path (loaded on first use)."""
    if isinstance(name_or_path, LoadedModel):
        return name_or_path
    return _PROCESS_CACHE.get(name_or_path, models_dir)
