"""What can go wrong when simulating a call, as one tree (catch at the level you need)::

    SimulatorError
    ├── ScenarioFileError   a scenario or WAV a developer wrote: unknown key, bad YAML, missing
    │                       or wrong-rate WAV (the message names the file and line)
    ├── ServerUnreachable   nothing answers at the URL
    └── CallFailed          the server broke the call (HTTP error, bad TwiML, refused WebSocket)

A failed *expectation* is not an error: it is a result, reported with expected vs actual.
"""

from __future__ import annotations


class SimulatorError(RuntimeError):
    """Root of the simulator's errors."""


class ScenarioFileError(SimulatorError, ValueError):
    """A scenario (or the WAV it names) that cannot be used; the message has file:line."""


class ServerUnreachable(SimulatorError):
    """No hotline server answers at the URL."""


class CallFailed(SimulatorError):
    """The server answered something Twilio would not accept (HTTP error, TwiML it cannot run)."""
