"""Errors raised by ``synth``.

Exception tree (catch at the level you need)::

    SynthError                  every error this package raises on purpose
    ├── EngineUnavailable       the engine or voice is not installed on this machine
    ├── EngineFailed            an installed engine ran but produced no usable audio
    ├── SynthParameterError     a bad control value, language, voice id, text or digit string
    └── ScenarioError           a scenario file that cannot be read or is invalid (names the turn)
"""

from __future__ import annotations


class SynthError(Exception):
    """Root of every error raised by ``synth``."""


class EngineUnavailable(SynthError):
    """The requested engine or voice is not installed here (the message says what to install)."""


class EngineFailed(SynthError):
    """An installed engine ran but failed (its own error text is in the message)."""


class SynthParameterError(SynthError, ValueError):
    """A control value, language, voice id, text or digit string is invalid."""


class ScenarioError(SynthError):
    """A scenario is unreadable or invalid; the message names the file and the turn."""
