"""Test helpers for the IVR: settings on a temporary instance and a client that signs like Twilio."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

from twilio.request_validator import RequestValidator

from ivr.app import create_app
from ivr.config import load_settings

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_URL = "https://hotline.example.com"
ROOT = Path(__file__).resolve().parents[2]
FLOW = ROOT / "flows" / "950618.yaml"


def make_settings(tmp_path: Path, **overrides: Any):
    values = {
        "public_url": PUBLIC_URL,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_account_sid": "AC" + "0" * 32,
        "instance_path": str(tmp_path / "instance"),
        "flow_file": str(FLOW),
        "speech_navigation": "off",
        **overrides,
    }
    return load_settings(config_path=None, env={}, overrides=values)


class TwilioClient:
    """Posts webhooks to the app exactly as Twilio would: form-encoded, signed for the public URL."""

    def __init__(self, client, auth_token: str = AUTH_TOKEN, public_url: str = PUBLIC_URL):
        self.client = client
        self.validator = RequestValidator(auth_token)
        self.public_url = public_url

    def sign(self, path: str, params: dict[str, str]) -> str:
        return self.validator.compute_signature(self.public_url + path, params)

    def post(self, path: str, params: dict[str, str], signature: str | None = "auto"):
        headers = {}
        if signature == "auto":
            headers["X-Twilio-Signature"] = self.sign(path, params)
        elif signature is not None:
            headers["X-Twilio-Signature"] = signature
        return self.client.post(path, data=params, headers=headers)

    def twiml(self, path: str, params: dict[str, str]) -> ElementTree.Element:
        response = self.post(path, params)
        assert response.status_code == 200, response.data
        assert response.mimetype == "text/xml"
        return ElementTree.fromstring(response.data)


class Caller:
    """One phone call driven through the webhooks."""

    def __init__(self, twilio: TwilioClient, sid: str, number: str = "+8613800138000"):
        self.twilio = twilio
        self.sid = sid
        self.number = number

    def _params(self, **extra: str) -> dict[str, str]:
        return {"CallSid": self.sid, "From": self.number, "To": "+86950618", "AccountSid": "AC" + "0" * 32, **extra}

    def dial(self) -> ElementTree.Element:
        return self.twilio.twiml("/twilio/voice", self._params(CallStatus="ringing"))

    def press(self, digits: str) -> ElementTree.Element:
        return self.twilio.twiml("/twilio/gather", self._params(Digits=digits, CallStatus="in-progress"))

    def silence(self) -> ElementTree.Element:
        return self.twilio.twiml("/twilio/gather", self._params(CallStatus="in-progress"))

    def hang_up(self, duration: int = 30):
        return self.twilio.post("/twilio/status", self._params(CallStatus="completed", CallDuration=str(duration)))


def says(twiml: ElementTree.Element) -> list[str]:
    return [el.text or "" for el in twiml.iter("Say")]


