"""A redacted copy of a recording: each span of personal data replaced by a tone or silence.

Each span is widened by ``pad_ms`` on both sides (word times from the recogniser are
approximate, and a digit said just before the first timed word must not survive), the
widened spans are merged, and each merged stretch is replaced wholesale: by zeros
(``mode="silence"``) or by a 1 kHz sine at -20 dBFS (``mode="tone"``, what a listener
recognises as "bleeped") that fades in and out over 10 ms so the replacement itself does
not click. Every sample outside the stretches is left exactly as it was.

:func:`redact_audio` is pure; :func:`redact_wav` reads and writes one file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from qa.redaction.text import TimedSpan

MODES = ("tone", "silence")
#: Hz
TONE_HZ = 1000.0
#: of full scale (-20 dBFS): audible, never louder than speech
TONE_LEVEL = 0.1
#: ms of fade at each end of a tone
FADE_MS = 10


def _span_ms(span: TimedSpan | tuple[int, int]) -> tuple[int, int]:
    start, end = (span.start_ms, span.end_ms) if isinstance(span, TimedSpan) else span
    start, end = int(start), int(end)
    if start < 0 or end < start:
        raise ValueError(f"bad span {start}..{end} ms: times must be >= 0 with end >= start")
    return start, end


def _stretches(spans: Iterable[TimedSpan | tuple[int, int]], rate: int, n: int, pad_ms: int) -> list[tuple[int, int]]:
    """The padded, merged, clipped sample ranges [a, b) to replace."""
    ranges = []
    for span in spans:
        start, end = _span_ms(span)
        a = max(0, (start - pad_ms) * rate // 1000)
        b = min(n, -(-(end + pad_ms) * rate // 1000))
        if a < b:
            ranges.append((a, b))
    merged: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _tone(a: int, b: int, rate: int) -> np.ndarray:
    """The tone for samples [a, b) as float in -1..1; its phase follows the sample index."""
    t = np.arange(a, b, dtype=np.float64) / rate
    tone = TONE_LEVEL * np.sin(2 * np.pi * TONE_HZ * t)
    fade = min(rate * FADE_MS // 1000, (b - a) // 2)
    if fade > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
        tone[:fade] *= ramp
        tone[b - a - fade:] *= ramp[::-1]
    return tone


def redact_audio(samples: np.ndarray, rate: int, spans: Iterable[TimedSpan | tuple[int, int]], *,
                 mode: str = "tone", pad_ms: int = 150) -> np.ndarray:
    """A copy of ``samples`` with each span (padded by ``pad_ms``) replaced.

    samples : np.ndarray [shape=(n,) or (n, channels)], signed integer or floating point;
        a span covers every channel of the array (give one channel for per-party spans)
    rate : int > 0, Hz
    spans : :class:`TimedSpan` or ``(start_ms, end_ms)``, ms from the start of ``samples``;
        parts past the end are ignored
    mode : ``"tone"`` or ``"silence"``
    pad_ms : int >= 0, ms added before and after each span

    Returns an array of the same shape and dtype; samples outside the padded spans are
    identical to the input.
    """
    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not one of {', '.join(MODES)}")
    if rate <= 0:
        raise ValueError(f"rate must be > 0 Hz, got {rate}")
    if pad_ms < 0:
        raise ValueError(f"pad_ms must be >= 0, got {pad_ms}")
    samples = np.asarray(samples)
    if samples.ndim not in (1, 2):
        raise ValueError(f"samples must have shape (n,) or (n, channels), got {samples.shape}")
    kind = samples.dtype.kind
    if kind not in "if":
        raise ValueError(f"samples must be signed integers or floats, got dtype {samples.dtype}")
    full_scale = float(np.iinfo(samples.dtype).max) if kind == "i" else 1.0
    out = samples.copy()
    for a, b in _stretches(spans, rate, len(samples), pad_ms):
        if mode == "silence":
            out[a:b] = 0
            continue
        tone = _tone(a, b, rate) * full_scale
        if kind == "i":
            tone = np.round(tone)
        tone = tone.astype(samples.dtype)
        out[a:b] = tone if samples.ndim == 1 else tone[:, None]
    return out


# soundfile reads each subtype losslessly into one of these, and writes it back unchanged
_READ_DTYPE = {"PCM_16": "int16", "PCM_S8": "int16", "PCM_U8": "int16", "ULAW": "int16", "ALAW": "int16",
               "PCM_24": "int32", "PCM_32": "int32", "FLOAT": "float32", "DOUBLE": "float64"}


def redact_wav(src_path: str | Path, dst_path: str | Path, spans_by_channel: dict[int, list],
               mode: str = "tone", pad_ms: int = 150) -> Path:
    """Write a redacted copy of the WAV at ``src_path`` to ``dst_path``.

    spans_by_channel : channel index (0 = caller, 1 = outbound in a Twilio dual
        recording) -> that channel's spans, as for :func:`redact_audio`; channels not
        named are copied unchanged
    The copy keeps the rate, channel count, format and subtype of the source.
    """
    import soundfile as sf

    info = sf.info(str(src_path))
    bad = [c for c in spans_by_channel if not 0 <= c < info.channels]
    if bad:
        raise ValueError(f"{src_path}: has {info.channels} channel(s), no channel {bad[0]}")
    data, rate = sf.read(str(src_path), dtype=_READ_DTYPE.get(info.subtype, "float64"), always_2d=True)
    for channel, spans in spans_by_channel.items():
        data[:, channel] = redact_audio(data[:, channel], rate, spans, mode=mode, pad_ms=pad_ms)
    dst = Path(dst_path)
    sf.write(str(dst), data if info.channels > 1 else data[:, 0], rate, subtype=info.subtype, format=info.format)
    return dst
