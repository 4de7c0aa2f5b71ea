"""Exceptions raised by :mod:`asr`.

Every error a caller can cause (a missing model, a broken model directory, an
unreadable file, a bad grammar, no microphone) is one of these, so callers catch
:class:`ASRError` at their boundary and print one clear message::

    ASRError
    ├── ModelError                 a model cannot be used
    │   ├── ModelNotFound          no model by that name or path
    │   ├── ModelInvalid           files missing or unreadable (``missing`` lists them)
    │   └── ModelInstallError      install / pull failed (bad archive, offline, ...)
    ├── AudioError                 empty, corrupt, unsupported or wrongly shaped audio
    ├── GrammarError               a phrase list that is not a list of strings
    └── MicrophoneError            no PortAudio / PyAudio, or no input device
"""

from __future__ import annotations

from pathlib import Path


class ASRError(Exception):
    """Root of every error raised by :mod:`asr`."""


class ModelError(ASRError):
    """A speech model cannot be found, validated, installed or loaded."""


class ModelNotFound(ModelError):
    """No model matches a name or path; ``searched`` lists the places looked in."""

    def __init__(self, name: str, searched: list[Path] | tuple[Path, ...] = ()):
        self.name = name
        self.searched = tuple(searched)
        where = ", ".join(str(p) for p in self.searched) or "nowhere"
        super().__init__(
            f"no Vosk model {name!r} (looked in: {where}); "
            "install one with 'hotline models install PATH_OR_ZIP' or 'hotline models pull NAME'"
        )


class ModelInvalid(ModelError):
    """A model directory lacks files Vosk needs; ``missing`` names them (relative paths)."""

    def __init__(self, path: Path, missing: list[str] | tuple[str, ...], reason: str = ""):
        self.path = Path(path)
        self.missing = tuple(missing)
        detail = reason or f"missing {', '.join(self.missing)}"
        super().__init__(f"model {self.path} is not usable: {detail}")


class ModelInstallError(ModelError):
    """Installing or downloading a model failed; nothing was left half-installed."""


class AudioError(ASRError):
    """Audio that cannot be used: empty, corrupt, unsupported format, bad shape or rate."""


class GrammarError(ASRError):
    """A grammar (phrase list) is malformed."""


class MicrophoneError(ASRError):
    """The microphone cannot be opened (no PyAudio/PortAudio, or no input device)."""
