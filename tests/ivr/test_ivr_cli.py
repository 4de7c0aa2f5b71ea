"""The CLI: db init/check, calls list/show, and `hotline serve` answering real HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree

from click.testing import CliRunner
from twilio.request_validator import RequestValidator

from ivr.cli import main
from ivr.app import create_app
from twilio_testing import AUTH_TOKEN, Caller, TwilioClient, make_settings


def env_for(tmp_path, **extra):
    return {"HOTLINE_INSTANCE_PATH": str(tmp_path / "instance"), "HOTLINE_TWILIO_AUTH_TOKEN": AUTH_TOKEN, **extra}


def test_db_init_and_check(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    env = env_for(tmp_path)
    result = runner.invoke(main, ["db", "check"], env=env)
    assert result.exit_code == 1 and "Error:" in result.output and "hotline db init" in result.output
    result = runner.invoke(main, ["db", "init"], env=env)
    assert result.exit_code == 0, result.output
    assert "schema version 3" in result.output and "demo orders: 6" in result.output
    assert runner.invoke(main, ["db", "check"], env=env).exit_code == 0


def test_calls_list_and_show(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = create_app(make_settings(tmp_path))
    caller = Caller(TwilioClient(app.test_client()), "CA42")
    caller.dial(), caller.press("2"), caller.press("3"), caller.hang_up()
    runner = CliRunner()
    env = env_for(tmp_path)
    listed = runner.invoke(main, ["calls", "list"], env=env)
    assert listed.exit_code == 0 and "CA42" in listed.output and "after_sales" in listed.output
    shown = runner.invoke(main, ["calls", "show", "CA42"], env=env)
    assert "routed to after_sales (intent repair_request, priority 50)" in shown.output
    assert "because: key 3 at after_sales" in shown.output
    missing = runner.invoke(main, ["calls", "show", "CA0"], env=env)
    assert missing.exit_code == 1 and "Error: no call with sid 'CA0'" in missing.output


def test_bad_config_is_one_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["db", "init"], env={**env_for(tmp_path), "HOTLINE_PUBLIC_URL": "nope"})
    assert result.exit_code == 1 and "public_url" in result.output and "Traceback" not in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_signed_webhooks_over_http(tmp_path):
    port = _free_port()
    public = f"http://127.0.0.1:{port}"
    env = {**os.environ, **env_for(tmp_path, HOTLINE_PUBLIC_URL=public)}
    proc = subprocess.Popen([sys.executable, "-m", "ivr", "serve", "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{public}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        params = {"CallSid": "CAhttp", "From": "+8613800138000"}
        signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{public}/twilio/voice", params)
        request = urllib.request.Request(f"{public}/twilio/voice", data=urllib.parse.urlencode(params).encode(),
                                         headers={"X-Twilio-Signature": signature})
        with urllib.request.urlopen(request, timeout=5) as r:
            twiml = ElementTree.fromstring(r.read())
        assert twiml.find("Gather") is not None
        forged = urllib.request.Request(f"{public}/twilio/voice", data=urllib.parse.urlencode(params).encode(),
                                        headers={"X-Twilio-Signature": "bad"})
        try:
            urllib.request.urlopen(forged, timeout=5)
            raise AssertionError("forged request accepted")
        except urllib.error.HTTPError as exc:
            assert exc.code == 403
    finally:
        proc.terminate()
        proc.wait(timeout=10)
