"""Live scoring: :class:`StreamScorer` takes 20 ms PCM frames as they arrive and emits window updates."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from asr.codec import resample

from .audio import ANALYSIS_RATE, to_float_mono
from .errors import AudioInputError
from .lexical import LexicalHit
from .pipeline import CallPipeline
from .timeline import EmotionSummary, EmotionTimeline, EmotionWindow, TranscriptTurn, summarize

#: raw samples kept either side of each resampled chunk so the resampler's filter never sees a cut edge
_MARGIN_S = 0.02
#: raw audio is resampled once this much has gathered, seconds
_CHUNK_S = 0.1


class _ChunkResampler:
    """Resamples a stream chunk by chunk with asr.codec.resample, overlapping chunks to hide the edges."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._raw = np.zeros(0, dtype=np.float32)
        self._raw0 = 0  # stream index of _raw[0]
        self._n = 0  # raw samples received
        self._out = 0  # output samples emitted
        self._margin = max(int(_MARGIN_S * rate), 8)

    def push(self, x: np.ndarray, final: bool = False) -> np.ndarray:
        self._raw = np.concatenate([self._raw, x])
        self._n += len(x)
        upto = self._n if final else self._n - self._margin
        out_end = int(round(upto * ANALYSIS_RATE / self.rate))
        # resample in chunks of >= _CHUNK_S: one soxr call per 20 ms frame would cost more than the analysis
        if out_end <= self._out or (not final and out_end - self._out < _CHUNK_S * ANALYSIS_RATE):
            return np.zeros(0, dtype=np.float32)
        r_lo = max(int(np.floor(self._out * self.rate / ANALYSIS_RATE)) - self._margin, self._raw0)
        y = resample(self._raw[r_lo - self._raw0 :], self.rate, ANALYSIS_RATE)
        base = int(round(r_lo * ANALYSIS_RATE / self.rate))
        chunk = np.asarray(y[self._out - base : out_end - base], dtype=np.float32)
        self._out += len(chunk)
        keep = max(int(np.floor(self._out * self.rate / ANALYSIS_RATE)) - 2 * self._margin, self._raw0)
        self._raw = self._raw[keep - self._raw0 :]
        self._raw0 = keep
        return chunk


class StreamScorer:
    """Score one caller live.

    Feed 20 ms frames of 16-bit PCM (``bytes`` little-endian or an int16 array) at ``sample_rate``; each
    :meth:`feed` returns the windows completed so far (one per second of audio, after ~1.1 s delay). Add
    ASR results with :meth:`add_transcript`; a safety phrase shows in :attr:`summary` at once.
    """

    def __init__(self, sample_rate: int = 8000) -> None:
        if not isinstance(sample_rate, int) or sample_rate < 4000:
            raise AudioInputError(f"sample_rate must be an integer >= 4000 Hz, got {sample_rate!r}")
        self.sample_rate = sample_rate
        self._pipe = CallPipeline()
        self._resampler = None if sample_rate == ANALYSIS_RATE else _ChunkResampler(sample_rate)

    def feed(self, pcm16: bytes | bytearray | memoryview | np.ndarray) -> list[EmotionWindow]:
        """Add audio; return the new windows."""
        if isinstance(pcm16, (bytes, bytearray, memoryview)):
            if len(pcm16) % 2:
                raise AudioInputError("PCM16 bytes must have an even length")
            samples = np.frombuffer(bytes(pcm16), dtype="<i2")
        else:
            samples = np.asarray(pcm16)
            if samples.dtype != np.int16:
                raise AudioInputError(f"StreamScorer.feed expects int16 PCM, got {samples.dtype}")
        x = to_float_mono(samples)
        if self._resampler is not None:
            x = self._resampler.push(x)
        return self._pipe.push(x)

    def add_transcript(
        self, text: str | TranscriptTurn | Mapping, start: float | None = None, end: float | None = None
    ) -> list[LexicalHit]:
        """Add an ASR result (text with start/end seconds, a TranscriptTurn or a turn mapping); return its hits."""
        if isinstance(text, str):
            if start is None:
                return self._pipe.add_text(text)
            text = TranscriptTurn(start, end if end is not None else start, text)
        return self._pipe.add_turn(TranscriptTurn.coerce(text))

    def blank(self, start: float, end: float) -> None:
        """The IVR saw keypad digits between start and end (seconds of this stream): score them as silence.

        Only audio not yet analysed (the last ~1.1 s and later) is affected; report digits promptly.
        """
        try:
            self._pipe.blank(start, end)
        except (TypeError, ValueError) as exc:
            raise AudioInputError(str(exc)) from exc

    def finish(self) -> EmotionTimeline:
        """End of call: flush the last windows and return the whole timeline."""
        if self._resampler is not None:
            self._pipe.push(self._resampler.push(np.zeros(0, dtype=np.float32), final=True))
        self._pipe.finish()
        return self._pipe.timeline()

    @property
    def summary(self) -> EmotionSummary:
        """The call so far (the router reads this)."""
        pipe = self._pipe
        now = max([w.t1 for w in pipe.windows] + [h.time or 0.0 for h in pipe.lexical.hits] + [0.0])
        return summarize(pipe.windows, pipe.lexical.hits, 0.0, now + 1e-6)

    @property
    def windows(self) -> list[EmotionWindow]:
        return list(self._pipe.windows)
