"""Twilio's REST API on 127.0.0.1, for tests: the call simulator's stand-in (``ivr.simulator.rest``).

Kept under its old name so tests read ``FakeTwilioRest``: it is the one fake the project allows,
and it speaks Twilio's wire format (call updates, recording media, error bodies).
"""

from __future__ import annotations

from ivr.simulator.rest import CallUpdate
from ivr.simulator.rest import TwilioRest as FakeTwilioRest
from ivr.simulator.server import ServerThread

__all__ = ["CallUpdate", "FakeTwilioRest", "ServerThread"]
