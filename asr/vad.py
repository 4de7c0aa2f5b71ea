"""Voice activity detection: webrtcvad frames, a tone filter, onset/hangover smoothing.

webrtcvad alone calls steady tones (ringback, DTMF, hold beeps) and even dithered
digital silence "speech", so a frame also has to be louder than an energy floor and
non-tonal: a frame whose energy sits almost entirely in two narrow spectral peaks
(measured over 40 ms, whatever the frame length, for 25 Hz resolution) is a tone.

:class:`SegmentTracker` is the pure state machine (frame decisions in, speech
start/end events out); :class:`StreamingVad` adds framing and the classifier for
live audio; :func:`vad_segments` runs the same thing over a whole signal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from asr.audio import to_pcm16
from asr.errors import AudioError

#: rates webrtcvad accepts; anything else is resampled to 16 kHz first
WEBRTC_RATES = (8000, 16000, 32000, 48000)


@dataclass(frozen=True)
class VadConfig:
    """How speech is detected and smoothed."""

    #: webrtcvad frame length, ms: 10, 20 or 30
    frame_ms: int = 30
    #: webrtcvad aggressiveness 0 (keeps most) .. 3 (drops most non-speech)
    aggressiveness: int = 2
    #: consecutive speech needed to start a segment, ms
    onset_ms: int = 60
    #: consecutive non-speech that ends a segment, ms
    hangover_ms: int = 300
    #: extra audio kept on both sides of each segment (file mode), ms
    padding_ms: int = 0
    #: segments shorter than this are dropped (file mode), ms
    min_speech_ms: int = 120
    #: share of a frame's energy in its two strongest spectral peaks above which it is a tone
    tonal_ratio: float = 0.85
    #: frames quieter than this (RMS, dB re full scale) are never speech (dither, line hiss)
    energy_floor_dbfs: float = -50.0

    def __post_init__(self) -> None:
        if self.frame_ms not in (10, 20, 30):
            raise ValueError(f"frame_ms must be 10, 20 or 30, got {self.frame_ms}")
        if self.aggressiveness not in (0, 1, 2, 3):
            raise ValueError(f"aggressiveness must be 0..3, got {self.aggressiveness}")
        if min(self.onset_ms, self.hangover_ms, self.padding_ms, self.min_speech_ms) < 0:
            raise ValueError("VAD durations must not be negative")


@dataclass(frozen=True)
class SpeechSegment:
    """A stretch of speech."""

    #: seconds from stream/file start
    start: float
    #: seconds from stream/file start
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class VadEvent:
    """``kind`` is "start" or "end"; ``time`` in seconds from stream start."""

    kind: str
    time: float


class SegmentTracker:
    """Smooths per-frame speech decisions into start/end events (pure logic)."""

    def __init__(self, frame_seconds: float, onset_frames: int, hangover_frames: int):
        self.frame_seconds = frame_seconds
        self.onset_frames = max(1, onset_frames)
        self.hangover_frames = max(1, hangover_frames)
        self.in_speech = False
        self._frame = 0
        self._run_start = -1  # first frame of the current voiced run
        self._last_voiced = -1
        self._silent = 0

    def push(self, voiced: bool) -> list[VadEvent]:
        events: list[VadEvent] = []
        i = self._frame
        self._frame += 1
        if voiced:
            self._last_voiced = i
            self._silent = 0
            if self._run_start < 0:
                self._run_start = i
            if not self.in_speech and i - self._run_start + 1 >= self.onset_frames:
                self.in_speech = True
                events.append(VadEvent("start", round(self._run_start * self.frame_seconds, 3)))
        else:
            self._run_start = -1
            self._silent += 1
            if self.in_speech and self._silent >= self.hangover_frames:
                self.in_speech = False
                events.append(VadEvent("end", round((self._last_voiced + 1) * self.frame_seconds, 3)))
        return events

    def flush(self) -> list[VadEvent]:
        """Close an open segment at the end of the stream."""
        if not self.in_speech:
            return []
        self.in_speech = False
        return [VadEvent("end", round((self._last_voiced + 1) * self.frame_seconds, 3))]


def is_tonal(frame: np.ndarray, ratio: float) -> bool:
    """True when nearly all of a frame's energy is in (at most) two narrow spectral peaks."""
    x = frame.astype(np.float32)
    power = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    total = float(power.sum())
    if total <= 0.0:
        return False
    peaks = 0.0
    for _ in range(2):
        k = int(np.argmax(power))
        lo, hi = max(0, k - 2), k + 3
        peaks += float(power[lo:hi].sum())
        power[lo:hi] = 0.0
    return peaks / total >= ratio


class StreamingVad:
    """Live VAD: push PCM chunks of any size, get speech start/end events."""

    def __init__(self, sample_rate: int, config: VadConfig | None = None):
        import webrtcvad

        self.config = config or VadConfig()
        self.sample_rate = sample_rate
        self._rate = sample_rate if sample_rate in WEBRTC_RATES else 16000
        self._resampler = None
        if self._rate != sample_rate:
            import soxr

            self._resampler = soxr.ResampleStream(sample_rate, self._rate, 1, dtype="int16")
        self._vad = webrtcvad.Vad(self.config.aggressiveness)
        self._frame_len = self._rate * self.config.frame_ms // 1000
        self._buffer = np.empty(0, dtype=np.int16)
        # tonality is judged on a 40 ms window ending at the current frame
        self._window = self._rate * 40 // 1000
        self._history = np.zeros(max(0, self._window - self._frame_len), dtype=np.int16)
        self._floor = (10 ** (self.config.energy_floor_dbfs / 20) * 32768) ** 2  # mean square, int16 scale
        frame_s = self.config.frame_ms / 1000
        self.tracker = SegmentTracker(
            frame_s,
            round(self.config.onset_ms / self.config.frame_ms),
            round(self.config.hangover_ms / self.config.frame_ms),
        )
        #: seconds of audio classified so far
        self.position = 0.0
        #: end of the most recent finished segment, seconds (None before any)
        self.last_speech_end: float | None = None

    @property
    def in_speech(self) -> bool:
        return self.tracker.in_speech

    def is_speech_frame(self, frame: np.ndarray) -> bool:
        """Classify one frame; call in stream order (keeps 40 ms of history)."""
        window = np.concatenate([self._history, frame])
        if self._history.size:
            self._history = window[-self._history.size:]
        if float(np.mean(frame.astype(np.float64) ** 2)) < self._floor:
            return False
        return self._vad.is_speech(frame.tobytes(), self._rate) and not is_tonal(window, self.config.tonal_ratio)

    def push(self, samples: np.ndarray | bytes) -> list[VadEvent]:
        pcm = to_pcm16(samples)
        if self._resampler is not None:
            pcm = self._resampler.resample_chunk(pcm)
        self._buffer = np.concatenate([self._buffer, pcm]) if self._buffer.size else pcm
        events: list[VadEvent] = []
        n = self._frame_len
        usable = (self._buffer.size // n) * n
        for i in range(0, usable, n):
            events += self.tracker.push(self.is_speech_frame(self._buffer[i:i + n]))
        self._buffer = self._buffer[usable:].copy()
        self.position += usable / self._rate
        for e in events:
            if e.kind == "end":
                self.last_speech_end = e.time
        return events

    def flush(self) -> list[VadEvent]:
        events = self.tracker.flush()
        for e in events:
            self.last_speech_end = e.time
        return events


def vad_segments(samples: np.ndarray, sample_rate: int, config: VadConfig | None = None, **options) -> list[SpeechSegment]:
    """Speech segments of a whole mono signal (int16 or float in [-1, 1]).

    ``options`` override fields of ``config`` (e.g. ``aggressiveness=3, padding_ms=200``).
    Padded segments are clipped to the signal and merged when they overlap.
    """
    from dataclasses import replace

    cfg = replace(config or VadConfig(), **options)
    x = np.asarray(samples)
    if x.ndim != 1:
        raise AudioError(f"vad_segments expects mono samples, got shape {x.shape}")
    vad = StreamingVad(sample_rate, cfg)
    events = vad.push(x) + vad.flush()
    duration = x.size / sample_rate
    raw: list[SpeechSegment] = []
    start = None
    for e in events:
        if e.kind == "start":
            start = e.time
        elif start is not None:
            if (e.time - start) * 1000 >= cfg.min_speech_ms:
                raw.append(SpeechSegment(start, e.time))
            start = None
    pad = cfg.padding_ms / 1000
    merged: list[SpeechSegment] = []
    for seg in raw:
        s, e = max(0.0, seg.start - pad), min(duration, seg.end + pad)
        if merged and s <= merged[-1].end:
            merged[-1] = SpeechSegment(merged[-1].start, max(merged[-1].end, e))
        else:
            merged.append(SpeechSegment(round(s, 3), round(e, 3)))
    return merged
