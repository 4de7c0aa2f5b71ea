"""Twilio's REST API as the simulator plays it, on 127.0.0.1, speaking Twilio's wire format.

hotline calls it to change a live call (barge-in after speech) and the QA worker downloads the
call recording from it, so it is the one part of Twilio that must be served rather than played:

- ``POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json``: HTTP Basic auth (account SID :
  auth token), form-encoded parameters (``Twiml``, ``Url``, ``Status``), Twilio's JSON call
  resource or error body (``{"code": 20404, ...}``) in reply. Every update is kept so the
  simulator (and tests) see what hotline asked Twilio to do.
- ``GET /2010-04-01/Accounts/{AccountSid}/Recordings/{RecordingSid}.wav``: ``audio/x-wav``, Basic
  auth, ``RequestedChannels`` honoured (a dual file is mixed down to mono unless 2 are asked for),
  with failures a test can script (``fail_next``: HTTP statuses to answer first; ``delay_s``:
  seconds to stall each request, for time-outs).
"""

from __future__ import annotations

import base64
import io
import json
import time
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone

from werkzeug.wrappers import Request, Response


@dataclass
class CallUpdate:
    call_sid: str
    params: dict[str, str]


@dataclass
class TwilioRest:
    account_sid: str
    auth_token: str
    #: calls that have ended: updates get Twilio's 404 / 20404
    ended: set[str] = field(default_factory=set)
    updates: list[CallUpdate] = field(default_factory=list)
    #: RecordingSid -> WAV bytes served under .../Recordings/{sid}.wav
    recordings: dict[str, bytes] = field(default_factory=dict)
    #: statuses to answer the next media requests with (500, 503, 404 ...), then serve normally
    fail_next: list[int] = field(default_factory=list)
    #: seconds to wait before answering a media request
    delay_s: float = 0.0
    #: every media request: (path, query string, authorised)
    media_requests: list[tuple[str, str, bool]] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def recording_url(self, base_url: str, recording_sid: str) -> str:
        """The ``RecordingUrl`` Twilio puts in the recording status callback (no extension)."""
        return f"{base_url}/2010-04-01/Accounts/{self.account_sid}/Recordings/{recording_sid}"

    def wsgi(self, environ, start_response):
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def _error(self, status: int, code: int, message: str) -> Response:
        body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status}
        return Response(json.dumps(body), status=status, mimetype="application/json")

    def handle(self, request: Request) -> Response:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        authorised = request.headers.get("Authorization") == expected
        parts = request.path.strip("/").split("/")
        if len(parts) == 5 and parts[3] == "Recordings" and request.method == "GET":
            return self._media(request, parts, authorised)
        if not authorised:
            return self._error(401, 20003, "Authenticate")
        if (len(parts) != 5 or parts[0] != "2010-04-01" or parts[1] != "Accounts" or parts[3] != "Calls"
                or not parts[4].endswith(".json") or request.method != "POST"):
            return self._error(404, 20404, f"The requested resource {request.path} was not found")
        if parts[2] != self.account_sid:
            return self._error(403, 20003, "Permission denied")
        call_sid = parts[4][:-5]
        if call_sid in self.ended:
            return self._error(404, 20404, f"The requested resource {request.path} was not found")
        params = request.form.to_dict()
        with self._changed:
            self.updates.append(CallUpdate(call_sid, params))
            self._changed.notify_all()
        now = datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
        body = {
            "sid": call_sid, "account_sid": self.account_sid, "api_version": "2010-04-01",
            "status": params.get("Status", "in-progress"), "direction": "inbound", "from": "+8613800138000",
            "to": "+86950618", "date_created": now, "date_updated": now, "start_time": now, "end_time": None,
            "duration": None, "price": None, "price_unit": "USD", "parent_call_sid": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{call_sid}.json",
            "subresource_uris": {"recordings": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{call_sid}/Recordings.json"},
        }
        return Response(json.dumps(body), status=200, mimetype="application/json")

    def _media(self, request: Request, parts: list[str], authorised: bool) -> Response:
        self.media_requests.append((request.path, request.query_string.decode(), authorised))
        if self.delay_s:
            time.sleep(self.delay_s)
        if not authorised:
            return self._error(401, 20003, "Authenticate")
        if parts[2] != self.account_sid:
            return self._error(403, 20003, "Permission denied")
        if self.fail_next:
            status = self.fail_next.pop(0)
            return self._error(status, 20500 if status >= 500 else 20404, "scripted failure")
        sid, _, ext = parts[4].partition(".")
        if sid not in self.recordings or ext != "wav":
            return self._error(404, 20404, f"The requested resource {request.path} was not found")
        body = self.recordings[sid]
        if request.args.get("RequestedChannels") != "2":
            body = _mono(body)
        return Response(body, status=200, mimetype="audio/x-wav")

    def wait_for_updates(self, count: int, timeout: float = 30.0) -> list[CallUpdate]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.updates) >= count, timeout=timeout)
            return list(self.updates)

    def updates_of(self, call_sid: str) -> list[CallUpdate]:
        with self._changed:
            return [u for u in self.updates if u.call_sid == call_sid]

    def wait_for_call_update(self, call_sid: str, seen: int, timeout: float) -> CallUpdate | None:
        """The call's update number ``seen`` (0-based) once it has arrived, or None after ``timeout`` s."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._updates_of(call_sid)) > seen, timeout=timeout)
            mine = self._updates_of(call_sid)
            return mine[seen] if len(mine) > seen else None

    def _updates_of(self, call_sid: str) -> list[CallUpdate]:
        return [u for u in self.updates if u.call_sid == call_sid]


def _mono(wav: bytes) -> bytes:
    """Twilio's default download of a dual recording: both channels mixed to one."""
    import soundfile as sf

    data, rate = sf.read(io.BytesIO(wav), dtype="int16", always_2d=True)
    out = io.BytesIO()
    sf.write(out, (data.astype("int32").sum(axis=1) // data.shape[1]).astype("int16"), rate, format="WAV",
             subtype="PCM_16")
    return out.getvalue()
