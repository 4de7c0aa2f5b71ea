"""Where simulated calls go: hotline started in this process on 127.0.0.1, or one already running.

Either way the simulator needs a :class:`Target`: the URL to send requests to, the public URL
the server signs against, Twilio credentials, and the REST stand-in hotline updates calls
through. The embedded server is the real app (real HTTP and WebSocket, real Vosk, real
SQLite in a temporary instance folder); only Twilio's REST API is played, by
:class:`~ivr.simulator.rest.TwilioRest`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from werkzeug.serving import make_server

from ivr.simulator.errors import ServerUnreachable
from ivr.simulator.rest import TwilioRest

#: credentials of the embedded server (it answers only the simulator on loopback)
EMBEDDED_ACCOUNT = "AC" + "5" * 32
EMBEDDED_TOKEN = "hotline-simulator-token"


class ServerThread:
    """Serve a WSGI app on 127.0.0.1 (random port unless given) in a background thread."""

    def __init__(self, app, port: int = 0):
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


class LateApp:
    """A WSGI app set after the server has its port (the app needs its own public URL)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@dataclass
class Target:
    """A hotline server as Twilio sees it."""

    #: where requests go (http://127.0.0.1:5000)
    base_url: str
    #: the URL hotline signs against and puts in its TwiML (its ``public_url``)
    public_url: str
    auth_token: str
    account_sid: str
    #: the REST stand-in this server's ``twilio_api_base_url`` points at
    rest: TwilioRest
    rest_url: str
    #: the server's call store, when the simulator can read it (call records for expectations)
    store: Any = None
    #: the app, when it runs in this process
    app: Any = None
    #: call SID -> the QA categories of its analysed recording (None: QA cannot run here)
    analyse: Any = None

    def local(self, url: str) -> str:
        """A URL from hotline's TwiML (on its public URL), sent to where the server really listens."""
        public = self.public_url.rstrip("/")
        base = self.base_url.rstrip("/")
        for ws in (False, True):
            prefix = _ws(public) if ws else public
            if url.startswith(prefix):
                return (_ws(base) if ws else base) + url[len(prefix):]
        return url


def _ws(url: str) -> str:
    """The WebSocket form of an http(s) URL (as hotline puts it in ``<Stream url>``)."""
    return url.replace("https://", "wss://", 1).replace("http://", "ws://", 1)


@contextlib.contextmanager
def embedded_hotline(instance_path: str | Path, *, rest_port: int = 0, **overrides: Any) -> Iterator[Target]:
    """Start hotline on 127.0.0.1 with embedded defaults (SQLite, built-in model, speech on).

    ``overrides`` are settings (``flow_file``, ``qa_jobs`` ...). The app's order backend is the
    demo SQLite one behind an :class:`OutageSwitch`, so a scenario can take it down.
    """
    from ivr.app import create_app
    from ivr.config import load_settings
    from ivr.orders import SqliteOrderBackend
    from ivr.simulator.outage import OutageSwitch

    rest = TwilioRest(EMBEDDED_ACCOUNT, EMBEDDED_TOKEN)
    holder = LateApp()
    with ServerThread(rest.wsgi, rest_port) as rest_server, ServerThread(holder) as web:
        values = {"public_url": web.url, "twilio_auth_token": EMBEDDED_TOKEN, "twilio_account_sid": EMBEDDED_ACCOUNT,
                  "twilio_api_base_url": rest_server.url, "instance_path": str(instance_path),
                  "speech_navigation": "on", "qa_jobs": "local", **overrides}
        settings = load_settings(config_path=None, env={}, overrides=values)
        Path(settings.instance_path).mkdir(parents=True, exist_ok=True)
        demo = SqliteOrderBackend(settings.resolved_orders_database_url, timeout=settings.order_backend_timeout)
        demo.seed_demo()
        holder.app = create_app(settings, orders=OutageSwitch(demo))
        hotline = holder.app.extensions["hotline"]
        try:
            yield Target(base_url=web.url, public_url=web.url, auth_token=EMBEDDED_TOKEN,
                         account_sid=EMBEDDED_ACCOUNT, rest=rest, rest_url=rest_server.url, store=hotline.store,
                         app=holder.app, analyse=QaInProcess(settings, hotline.store) if hotline.jobs else None)
        finally:
            hotline.service.close()


class QaInProcess:
    """Runs the queued post-call jobs here (no worker processes) and reads a call's QA categories.

    The QA services (speech model, rules) are built on first use: calls without QA
    expectations never pay for them.
    """

    def __init__(self, settings, store):
        self.settings = settings
        self.store = store
        self._runner = None
        self._lock = threading.Lock()

    def __call__(self, call_sid: str) -> list[str] | None:
        from qa.jobs import JobRunner
        from qa.jobs.services import build_services
        from qa.store import AnalysisStore

        with self._lock:
            if self._runner is None:
                self._runner = JobRunner.from_settings(self.settings, build_services(self.settings, self.store),
                                                       tag="simulator")
            self._runner.drain()
        stored = AnalysisStore(self.store).get(call_sid)
        return None if stored is None else sorted({c.category for c in stored.outcome.categories})


def check_reachable(url: str, timeout: float = 3.0) -> None:
    """Fail with one clear line when nothing answers at ``url`` (before any call is attempted)."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/healthz", timeout=timeout):
            return
    except urllib.error.HTTPError:
        return  # something answers; /healthz may be 503 while the database warms up
    except (urllib.error.URLError, socket.timeout, ConnectionError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ServerUnreachable(f"no hotline server at {url}: {reason}") from exc
