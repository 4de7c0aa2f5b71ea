"""Errors of the intents package.

    IntentsError            anything wrong with intent data or models
     ├── DataError          a training/evaluation file or line is malformed
     ├── ModelError         a model artefact cannot be read or written
     └── LanguageError      a language the package does not know
"""

from __future__ import annotations


class IntentsError(Exception):
    """Root of the intents package's errors."""


class DataError(IntentsError):
    """A line of a TSV file (``intent<TAB>lang<TAB>text``) or an option table is malformed."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        self.source = source
        self.line = line
        where = f"{source}:{line}: " if source and line else f"{source}: " if source else ""
        super().__init__(where + message)


class ModelError(IntentsError):
    """A model artefact is unreadable, stale or cannot be written."""


class LanguageError(IntentsError, ValueError):
    """A language other than ``zh``/``en``."""
