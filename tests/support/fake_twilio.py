"""A local stand-in for Twilio's REST API (we cannot reach the real one), speaking its wire format.

It serves ``POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`` on 127.0.0.1 with HTTP
Basic auth (account SID : auth token), form-encoded parameters (``Twiml``, ``Url``, ``Status``) and
Twilio's JSON call resource or error body (``{"code": 20404, ...}``) in reply. It records every
update so tests can assert what hotline asked Twilio to do.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class CallUpdate:
    call_sid: str
    params: dict[str, str]


@dataclass
class FakeTwilioRest:
    account_sid: str
    auth_token: str
    #: calls that have ended: updates get Twilio's 404 / 20404
    ended: set[str] = field(default_factory=set)
    updates: list[CallUpdate] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)

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
        if request.headers.get("Authorization") != expected:
            return self._error(401, 20003, "Authenticate")
        parts = request.path.strip("/").split("/")
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

    def wait_for_updates(self, count: int, timeout: float = 30.0) -> list[CallUpdate]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.updates) >= count, timeout=timeout)
            return list(self.updates)


class ServerThread:
    """Serve a WSGI app on 127.0.0.1 (random port) in a background thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
