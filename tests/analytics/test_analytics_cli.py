"""``hotline analytics``: summary and alerts on a seeded store; alerts POSTed to a real HTTP server
on 127.0.0.1 that checks the HMAC signature."""

from __future__ import annotations

import hmac
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from click.testing import CliRunner

from analytics_testing import AT, HOUR, START, history, seed, storm
from ivr.cli import main
from qa.analytics import signature
from qa.store import CallStore

SECRET = "s3cret-for-alerts"


class Receiver(BaseHTTPRequestHandler):
    """An alerts endpoint: 204 for a correctly signed JSON POST, 401 otherwise."""

    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = signature(SECRET, self.headers["X-Hotline-Timestamp"], body)
        if not hmac.compare_digest(expected, self.headers.get("X-Hotline-Signature", "")):
            self.send_response(401, "Unauthorized")
            self.end_headers()
            return
        self.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/alerts", Receiver.received
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """One seeded SQLite store for the module (the commands only read it; the queries run on
    PostgreSQL too in test_analytics_store.py)."""
    folder = tmp_path_factory.mktemp("analytics_cli")
    store = CallStore(f"sqlite:///{folder / 'hotline.sqlite3'}")
    store.init_schema()
    rng = np.random.default_rng(5)
    seed(store, history(rng, START, HOUR + timedelta(hours=2)) + storm(rng))
    store.engine.dispose()
    return {"HOTLINE_DATABASE_URL": store.url, "HOTLINE_INSTANCE_PATH": str(folder), "HOTLINE_CONFIG": None,
            "HOTLINE_ALERTS_URL": None, "HOTLINE_ALERTS_SECRET": SECRET}


def _run(args, env):
    return CliRunner().invoke(main, ["analytics", *args], env=env, catch_exceptions=False)


def test_alerts_are_printed_and_posted_signed(env, receiver):
    url, received = receiver
    result = _run(["alerts", "--at", "2026-11-30T10:25", "--post-url", url], env)  # Shanghai time
    assert result.exit_code == 0, result.output
    assert "intent:delivery_delay@Guangdong" in result.output
    assert "posted 1" not in result.output and "posted" in result.output and url in result.output
    [document] = received
    assert document["schema"] == "hotline.analytics.alerts/1" and document["hour"] == HOUR.isoformat()
    storm = [a for a in document["alerts"] if (a["kind"], a["name"], a["region"]) ==
             ("intent", "delivery_delay", "Guangdong")]
    assert storm and storm[0]["count"] >= 20


def test_alerts_json_and_a_quiet_hour_posts_nothing(env, receiver):
    url, received = receiver
    result = _run(["alerts", "--at", (AT - timedelta(hours=1)).isoformat(), "--json", "--post-url", url], env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["alerts"] == [] and received == []


def test_a_wrong_secret_is_refused_by_the_receiver_in_one_line(env, receiver):
    url, received = receiver
    result = _run(["alerts", "--at", AT.isoformat(), "--post-url", url], {**env, "HOTLINE_ALERTS_SECRET": "wrong-one"})
    assert result.exit_code == 1 and received == []
    assert result.output.strip().splitlines()[-1] == f"Error: alerts URL {url} answered HTTP 401 Unauthorized"


def test_an_unreachable_alerts_url_is_one_error_line(env):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/alerts"
    result = _run(["alerts", "--at", AT.isoformat()], {**env, "HOTLINE_ALERTS_URL": url})
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert last.startswith(f"Error: could not post alerts to {url}: ") and "refused" in last


def test_alerts_url_without_a_secret_is_a_settings_error(env):
    result = _run(["alerts"], {**env, "HOTLINE_ALERTS_URL": "http://127.0.0.1:9/x", "HOTLINE_ALERTS_SECRET": None})
    assert result.exit_code == 1 and "alerts_secret: required when alerts_url is set" in result.output


def test_a_bad_time_is_a_usage_error(env):
    result = _run(["alerts", "--at", "yesterday"], env)
    assert result.exit_code == 2 and "'yesterday' is not a date or time" in result.output


def test_summary_json_and_text(env):
    result = _run(["summary", "--since", "2026-11-30", "--until", "2026-12-01", "--json"], env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    per_intent = {}
    for row in data["per_day"]:
        per_intent[row["intent"]] = per_intent.get(row["intent"], 0) + row["calls"]
    assert per_intent["delivery_delay"] >= 20 and data["calls"] == sum(per_intent.values())
    text = _run(["summary", "--since", "2026-11-30", "--until", "2026-12-01"], env)
    assert text.exit_code == 0 and "self-service containment" in text.output and "delivery_delay" in text.output
    assert "from 2026-11-30 00:00 to 2026-12-01 00:00 (Asia/Shanghai)" in text.output
