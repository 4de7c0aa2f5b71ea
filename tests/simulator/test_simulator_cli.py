"""``hotline simulate``: traces, the summary, the exit code, and one clear error for bad input."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from click.testing import CliRunner

from ivr.app import create_app
from ivr.cli.simulate import simulate
from ivr.simulator import ServerThread
from ivr.simulator.server import LateApp
from twilio_testing import AUTH_TOKEN, make_settings

ROOT = Path(__file__).resolve().parents[2]
REC = ROOT / "recordings"


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(simulate, list(args), env=env, catch_exceptions=False)


def test_a_bad_scenario_is_one_error_line_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("turns:\n  - digits: '1'\nexpct: {queue: general}\n", encoding="utf-8")
    result = run(str(bad))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: {bad}:3: unknown key(s): expct (known: call_id, description, "
                                                  "expect, from, noise, order_backend, packet_loss, pause_after, "
                                                  "pause_before, seed, turns)"]


def test_an_unreachable_server_is_one_error_line():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    result = run(str(REC / "keypad_invoice_zh.yaml"), "--url", f"http://127.0.0.1:{port}")
    assert result.exit_code == 1 and result.output.startswith(f"Error: no hotline server at http://127.0.0.1:{port}")


def test_embedded_server_replays_a_wav_and_reports_json(tmp_path):
    result = run(str(REC / "wav" / "transfer_agent_zh.wav"), "--json", "--cache-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    call = report["calls"][0]
    assert report["passed"] and call["facts"]["queue"] == "general" and call["facts"]["heard"]
    assert call["steps"][0]["kind"] == "webhook" and call["speech_latencies_ms"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_changed_flow_fails_against_a_running_server_with_a_readable_diff(tmp_path):
    """--url: a server someone changed (invoices now go to the general queue) breaks the corpus's expectation."""
    flow = (ROOT / "flows" / "950618.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "changed.yaml"
    changed.write_text(flow.replace("route: {skill: billing, intent: invoice_request}",
                                    "route: {skill: general, intent: invoice_request}"), encoding="utf-8")
    rest_url = f"http://127.0.0.1:{free_port()}"
    holder = LateApp()
    with ServerThread(holder) as web:
        settings = make_settings(tmp_path, flow_file=str(changed), speech_navigation="on", public_url=web.url,
                                 twilio_api_base_url=rest_url, qa_jobs="off")
        holder.app = create_app(settings)
        env = {"HOTLINE_INSTANCE_PATH": settings.instance_path, "HOTLINE_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
               "HOTLINE_TWILIO_ACCOUNT_SID": settings.twilio_account_sid, "HOTLINE_PUBLIC_URL": web.url,
               "HOTLINE_TWILIO_API_BASE_URL": rest_url, "HOTLINE_CONFIG": str(tmp_path / "none.toml")}
        (tmp_path / "none.toml").write_text("", encoding="utf-8")
        result = run(str(REC / "keypad_invoice_zh.yaml"), str(REC / "barge_in_zh.yaml"), "--url", web.url,
                     "--cache-dir", str(tmp_path / "audio"), env=env)
        holder.app.extensions["hotline"].service.close()
    assert result.exit_code == 1, result.output
    out = result.output
    assert "  ! queue\n      - expected billing\n      + actual   general\n" in out
    assert "2 call(s): 1 passed, 1 failed" in out
    assert "call updated through the REST API" in out  # the barge-in call's speech reached the running server
