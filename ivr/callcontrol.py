"""Changing a live call through Twilio's REST API (barge-in after speech, hang-up).

Only this module talks to ``api.twilio.com``; its base URL is configurable so tests and
the simulator can point it at a local server that speaks Twilio's wire format.
"""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger(__name__)


class CallControlError(RuntimeError):
    """Twilio refused or could not be reached."""


class CallControl(Protocol):
    def update(self, call_sid: str, twiml: str) -> bool:
        """Replace the call's TwiML; False when the call has already ended."""


class TwilioCallControl:
    """``calls(sid).update(twiml=...)`` through the official helper library."""

    def __init__(self, account_sid: str, auth_token: str, base_url: str = "https://api.twilio.com",
                 timeout: float = 5.0):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        self.client.api.base_url = base_url.rstrip("/")

    def update(self, call_sid: str, twiml: str) -> bool:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            self.client.calls(call_sid).update(twiml=twiml)
        except TwilioRestException as exc:
            if exc.status == 404 or exc.code == 20404:
                log.info("call %s already ended; update dropped", call_sid)
                return False
            raise CallControlError(f"Twilio refused to update call {call_sid}: {exc.status} {exc.msg}") from exc
        except (TwilioException, OSError) as exc:
            raise CallControlError(f"cannot reach Twilio to update call {call_sid}: {exc}") from exc
        return True
