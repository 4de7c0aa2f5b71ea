"""Webhook latency: hotline's signed /twilio/voice + /twilio/gather versus a bare Flask TwiML endpoint.

Both run side by side in one process through Flask's WSGI test client (no network noise), so the
ratio shows what the flow engine, signature check and call store cost per webhook. Twilio allows
15 s per webhook; hotline must stay in milliseconds.

    python bench/bench_webhooks.py [--calls 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ivr.app import create_app  # noqa: E402
from ivr.config import load_settings  # noqa: E402

TOKEN = "bench-token"
PUBLIC = "https://hotline.example.com"


def bare_app() -> Flask:
    app = Flask("bare")

    @app.post("/twilio/voice")
    def voice():
        response = VoiceResponse()
        response.gather(num_digits=1, action=f"{PUBLIC}/twilio/gather").say("请选择", language="zh-CN")
        return str(response), 200, {"Content-Type": "text/xml"}

    app.add_url_rule("/twilio/gather", "gather", voice, methods=["POST"])
    return app


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def run(client, calls: int, sign: bool) -> list[float]:
    validator = RequestValidator(TOKEN)
    timings = []
    for n in range(calls):
        sid = f"CAbench{n:06d}"
        for path, extra in (("/twilio/voice", {}), ("/twilio/gather", {"Digits": "2"}), ("/twilio/gather", {"Digits": "1"})):
            params = {"CallSid": sid, "From": "+8613800138000", **extra}
            headers = {"X-Twilio-Signature": validator.compute_signature(PUBLIC + path, params)} if sign else {}
            started = time.perf_counter()
            response = client.post(path, data=params, headers=headers)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.data
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(env={}, overrides={"public_url": PUBLIC, "twilio_auth_token": TOKEN,
                                                    "instance_path": tmp})
        hotline = create_app(settings).test_client()
        bare = bare_app().test_client()
        run(hotline, 5, True), run(bare, 5, False)  # warm-up
        h = run(hotline, args.calls, True)
        b = run(bare, args.calls, False)
    print(f"webhooks per side: {len(h)} ({args.calls} calls x 3)")
    print(f"{'':24}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for name, t in (("bare Flask TwiML", b), ("hotline (signed, stored)", h)):
        print(f"{name:24}{statistics.median(t) * 1e3:10.2f}{percentile(t, 0.95) * 1e3:10.2f}{max(t) * 1e3:10.2f}")
    print(f"ratio hotline/bare: p50 {statistics.median(h) / statistics.median(b):.1f}x, "
          f"p95 {percentile(h, 0.95) / percentile(b, 0.95):.1f}x; "
          f"Twilio's 15 s budget / hotline p95 = {15 / percentile(h, 0.95):.0f}x headroom")


if __name__ == "__main__":
    main()
