"""Streaming recognition on a shared Vosk model.

One :class:`StreamRecognizer` per call and channel (never shared between threads);
many of them run on one shared :class:`~asr.loader.LoadedModel`. Audio of any chunk
size and rate goes in; it is resampled to the model's rate and cut into fixed
blocks, so the results do not depend on how the caller chunks the audio.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from asr.audio import to_pcm16
from asr.errors import AudioError, GrammarError
from asr.loader import LoadedModel, load_model
from asr.results import RecognitionResult, parse_vosk_json

log = logging.getLogger(__name__)

#: Vosk's "unknown word" token; appended to every grammar so out-of-grammar speech maps to it
UNK = "[unk]"
#: the size of the blocks handed to Vosk, seconds (Vosk itself works in 0.2 s steps)
DEFAULT_BLOCK_SECONDS = 0.1


class _Keep:
    """Sentinel: ``reset()`` keeps the current grammar."""


KEEP = _Keep()


def normalize_grammar(phrases) -> list[str] | None:
    """Validate a phrase list; returns the phrases plus ``[unk]``, or None for free text."""
    if phrases is None:
        return None
    if isinstance(phrases, (str, bytes)) or not hasattr(phrases, "__iter__"):
        raise GrammarError(f"a grammar is a list of phrases, got {type(phrases).__name__}")
    cleaned: list[str] = []
    for p in phrases:
        if not isinstance(p, str) or not p.strip():
            raise GrammarError(f"grammar phrases must be non-empty strings, got {p!r}")
        text = " ".join(p.split())
        if text not in cleaned:
            cleaned.append(text)
    if not cleaned:
        raise GrammarError("a grammar needs at least one phrase")
    if UNK not in cleaned:
        cleaned.append(UNK)
    return cleaned


@dataclass
class LatencyStats:
    """Per-stream delay from end of speech (last word) to the final result.

    Measured on the audio clock plus decode time, so it is what a caller would see
    in real time regardless of how fast the audio was fed.
    """

    #: one value per final result, seconds
    samples: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.samples.append(max(0.0, seconds))

    @property
    def count(self) -> int:
        return len(self.samples)

    def summary(self) -> dict[str, float]:
        """count, mean, p50, p95, max (seconds); zeros when empty."""
        if not self.samples:
            return {"count": 0, "mean": 0.0, "p50": 0.0, "p95": 0.0, "max": 0.0}
        ordered = sorted(self.samples)
        p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
        return {"count": len(ordered), "mean": statistics.fmean(ordered), "p50": statistics.median(ordered),
                "p95": p95, "max": ordered[-1]}


@dataclass
class _Decoder:
    """One Vosk recognizer and its clock (Vosk counts fed samples, also across Reset())."""

    rec: Any
    #: phrases applied (None = free text)
    grammar: list[str] | None
    #: samples fed since creation, at the model's rate
    fed: int = 0
    #: stream seconds minus Vosk seconds
    offset: float = 0.0


class StreamRecognizer:
    """Streams PCM16 audio into Vosk and returns partial and final results.

    ``model`` is a :class:`LoadedModel` or a model name/path (loaded once per process).
    ``sample_rate`` is the rate of the audio you will pass to :meth:`accept`.

    A new free-text Vosk recognizer on a large dynamic-graph model expands its decoding
    graph lazily: its first audio decodes about 3x slower than audio through a reused one
    (Korean model, bench/bench_asr.py). So a stream keeps one free-text recognizer across
    ``reset()``, takes an idle one from the shared model when it starts, and hands it
    back on :meth:`close` (or at the end of a ``with`` block). Grammar recognizers are
    cheap and not pooled.
    """

    def __init__(self, model: LoadedModel | str | os.PathLike | None = None, sample_rate: int = 16000,
                 grammar=None, *, partials: bool = True, models_dir: str | os.PathLike | None = None,
                 block_seconds: float = DEFAULT_BLOCK_SECONDS):
        if not isinstance(sample_rate, int) or sample_rate < 4000:
            raise AudioError(f"sample_rate must be an integer >= 4000 Hz, got {sample_rate!r}")
        self.model = load_model(model, models_dir)
        self.sample_rate = sample_rate
        self.model_rate = self.model.sample_rate
        self.partials = partials
        self.latency = LatencyStats()
        self._block = max(1, int(round(block_seconds * self.model_rate)))
        self._resampler = None
        if sample_rate != self.model_rate:
            import soxr

            # streaming resampler: keeps filter state across chunks (no clicks at chunk edges)
            self._resampler = soxr.ResampleStream(sample_rate, self.model_rate, 1, dtype="int16", quality="HQ")
        self._pending = np.empty(0, dtype=np.int16)
        self._odd_byte = b""
        self._received = 0  # samples at model rate, whole stream
        self._last_partial = ""
        self._free: _Decoder | None = None
        #: the phrases asked for (None = free text); see ``grammar_active`` for whether they apply
        self.grammar: list[str] | None = None
        self._dec = self._select(normalize_grammar(grammar))

    # -- public -----------------------------------------------------------------------

    @property
    def position(self) -> float:
        """Seconds of audio received so far (at the model's rate)."""
        return self._received / self.model_rate

    @property
    def grammar_active(self) -> bool:
        """True when a phrase list is really restricting recognition."""
        return self._dec.grammar is not None

    def accept(self, chunk: bytes | bytearray | memoryview | np.ndarray) -> list[RecognitionResult]:
        """Feed PCM16 bytes (little-endian) or an int16/float array; returns new results."""
        if isinstance(chunk, (bytes, bytearray, memoryview)):
            data = self._odd_byte + bytes(chunk)
            cut = len(data) - (len(data) % 2)
            self._odd_byte = data[cut:]
            pcm = to_pcm16(data[:cut])
        else:
            pcm = to_pcm16(chunk)
        if self._resampler is not None:
            pcm = self._resampler.resample_chunk(pcm)
        return self._push(pcm, last=False)

    def finish(self) -> RecognitionResult | None:
        """End of stream: decode what is buffered and return the last final result, if any."""
        pcm = np.empty(0, dtype=np.int16)
        if self._resampler is not None:
            pcm = self._resampler.resample_chunk(pcm, last=True)
        results = [r for r in self._push(pcm, last=True) if r.is_final]
        started = time.perf_counter()
        last = self._final(self._dec.rec.FinalResult(), started)
        if last is not None:
            results.append(last)
        if not results:
            return None
        if len(results) == 1:
            return results[0]
        return _merge(results)

    def end_utterance(self) -> RecognitionResult | None:
        """The speaker has stopped (a VAD says so): decode what is buffered and return the final
        result now instead of waiting for Vosk's own endpoint. The stream stays open."""
        results = [r for r in self._push(np.empty(0, dtype=np.int16), last=True) if r.is_final]
        last = self._final(self._dec.rec.FinalResult(), time.perf_counter())
        if last is not None:
            results.append(last)
        if not results:
            return None
        return results[0] if len(results) == 1 else _merge(results)

    def reset(self, grammar=KEEP, at: float | None = None) -> None:
        """Start a new utterance (e.g. between menu prompts); buffered audio is dropped.

        ``grammar``: a new phrase list, None for free text, or omitted to keep the current one.
        ``at``: stream time (s) the next audio starts at, when audio was skipped (batch work).
        """
        phrases = self.grammar if grammar is KEEP else normalize_grammar(grammar)
        if at is not None:
            if at < 0:
                raise ValueError("at must be >= 0")
            self._received = int(round(at * self.model_rate))
        self._pending = np.empty(0, dtype=np.int16)
        self._odd_byte = b""
        self._last_partial = ""
        self._dec = self._select(phrases)

    def close(self) -> None:
        """End the stream and hand its free-text recognizer back to the model for reuse."""
        if self._free is not None:
            self._free.rec.Reset()
            self.model.release_idle(self.model_rate, self._free)
            self._free = None

    def __enter__(self) -> "StreamRecognizer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------

    def _select(self, phrases: list[str] | None) -> _Decoder:
        """The decoder for ``phrases``, reset and synchronised with the stream clock."""
        self.grammar = phrases
        applied = phrases
        if phrases is not None and not self.model.supports_grammar:
            self.model.warn_static_grammar_once()
            applied = None
        current = getattr(self, "_dec", None)
        if applied is None:
            if self._free is None:
                self._free = self.model.acquire_idle(self.model_rate) or _Decoder(self._new_recognizer(None), None)
                self._free.rec.SetPartialWords(self.partials)
            dec = self._free
        elif current is not None and current.grammar == applied:
            dec = current
        else:
            dec = _Decoder(self._new_recognizer(applied), applied)  # cheap: a small grammar graph
        if dec.fed:
            dec.rec.Reset()
        dec.offset = self._received / self.model_rate - dec.fed / self.model_rate
        return dec

    def _new_recognizer(self, phrases: list[str] | None):
        import vosk

        if phrases is None:
            rec = vosk.KaldiRecognizer(self.model.vosk_model, self.model_rate)
        else:
            # ensure_ascii=False: Vosk matches the raw UTF-8 words, not \\u escapes
            grammar = self.model.compounds.grammar(phrases)
            rec = vosk.KaldiRecognizer(self.model.vosk_model, self.model_rate, json.dumps(grammar, ensure_ascii=False))
        rec.SetWords(True)
        if self.partials:
            rec.SetPartialWords(True)
        return rec

    def _push(self, pcm: np.ndarray, last: bool) -> list[RecognitionResult]:
        if pcm.size:
            self._pending = np.concatenate([self._pending, pcm]) if self._pending.size else pcm
            self._received += pcm.size
        results: list[RecognitionResult] = []
        n = self._block
        usable = self._pending.size if last else (self._pending.size // n) * n
        dec = self._dec
        for i in range(0, usable, n):
            block = self._pending[i:i + n]
            started = time.perf_counter()
            endpoint = dec.rec.AcceptWaveform(block.tobytes())
            dec.fed += block.size
            if endpoint:
                result = self._final(dec.rec.Result(), started)
                if result is not None:
                    results.append(result)
            elif self.partials:
                result = self._partial(dec.rec.PartialResult())
                if result is not None:
                    results.append(result)
        self._pending = self._pending[usable:]
        return results

    def _clock(self) -> tuple[float, float]:
        """(offset added to Vosk's times, stream position of the audio fed so far), seconds."""
        dec = self._dec
        return dec.offset, dec.offset + dec.fed / self.model_rate

    def _final(self, raw: str, started: float) -> RecognitionResult | None:
        self._last_partial = ""
        offset, position = self._clock()
        result = self.model.compounds.result(parse_vosk_json(raw, is_final=True, offset=offset, position=position))
        if not result.text:
            return None
        self.latency.add(position - result.end + (time.perf_counter() - started))
        return result

    def _partial(self, raw: str) -> RecognitionResult | None:
        offset, position = self._clock()
        result = self.model.compounds.result(parse_vosk_json(raw, is_final=False, offset=offset, position=position))
        if not result.text or result.text == self._last_partial:
            return None
        self._last_partial = result.text
        return result


def _merge(results: list[RecognitionResult]) -> RecognitionResult:
    words = tuple(w for r in results for w in r.words)
    text = " ".join(r.text for r in results)
    conf = sum(w.conf for w in words) / len(words) if words else 1.0
    return RecognitionResult(text, True, words, results[0].start, results[-1].end, round(conf, 4))
