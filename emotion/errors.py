"""Errors raised by :mod:`emotion`.

    EmotionError            root: catch this to handle anything the package raises
    ├── AudioInputError     audio that cannot be read or used (bad file, wrong rate, NaN, empty path)
    └── TranscriptError     a transcript turn that cannot be used (bad times, wrong type)
"""

from __future__ import annotations


class EmotionError(Exception):
    """Root of every error :mod:`emotion` raises on purpose."""


class AudioInputError(EmotionError, ValueError):
    """The audio given to the scorer cannot be read or used."""


class TranscriptError(EmotionError, ValueError):
    """A transcript given to the scorer cannot be used."""
