"""``score_file``: a whole recording (and optionally its transcript) -> :class:`EmotionTimeline`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .audio import ANALYSIS_RATE, AudioSource, load_audio
from .errors import AudioInputError
from .pipeline import CallPipeline
from .timeline import EmotionTimeline, TranscriptTurn
from .tracks import FrameAnalyzer, FrameTracks
from .window import WindowFeatures, window_features

Transcript = str | Iterable[TranscriptTurn | Mapping]


def score_file(
    source: AudioSource,
    sr: int | None = None,
    transcript: Transcript | None = None,
    blanks: Iterable[tuple[float, float]] = (),
) -> EmotionTimeline:
    """Score the caller channel in ``source`` (a path, or an array at ``sr`` Hz).

    ``transcript`` is plain text (untimed) or turns (``TranscriptTurn`` or mappings with ``text`` and
    ``start``/``end`` seconds or ``start_ms``/``end_ms``); its lexical cues are fused into the timeline.
    ``blanks`` are (start, end) seconds the IVR knows hold keypad tones; they are scored as silence.
    Raises :class:`~emotion.errors.AudioInputError` or :class:`~emotion.errors.TranscriptError`.
    """
    y = load_audio(source, sr)
    pipe = CallPipeline()
    for start, end in blanks:
        try:
            pipe.blank(start, end)
        except (TypeError, ValueError) as exc:
            raise AudioInputError(f"bad blank interval {start!r}..{end!r}") from exc
    if isinstance(transcript, str):
        pipe.add_text(transcript)
    elif transcript is not None:
        for item in transcript:
            pipe.add_turn(TranscriptTurn.coerce(item))
    pipe.push(y)
    pipe.finish()
    return pipe.timeline()


def clip_features(source: AudioSource, sr: int | None = None) -> WindowFeatures:
    """Prosodic functionals of a whole clip as one window (for QA summaries and feature checks)."""
    y = load_audio(source, sr)
    analyzer = FrameAnalyzer()
    tracks = FrameTracks.concat(analyzer.push(y) + analyzer.finish())
    return window_features(tracks, 0.0, len(y) / ANALYSIS_RATE)
