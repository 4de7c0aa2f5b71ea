"""Does a Prometheus scrape slow a webhook? Webhook latency over real HTTP with and without a
scraper on ``/metrics``: 1 scrape/s (already 15x Prometheus's default interval) and back to back.

hotline runs once on 127.0.0.1 (threaded server, SQLite, keypad only, post-call jobs local so
the scrape reads the job table); signed ``/twilio/voice`` + ``/twilio/gather`` calls are timed
first alone, then while the scraper runs, in the same process, side by side.

    python bench/bench_metrics_scrape.py [--calls 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ivr.app import create_app  # noqa: E402
from ivr.config import load_settings  # noqa: E402
from ivr.simulator.server import LateApp, ServerThread  # noqa: E402

AUTH = "bench-auth-token-0123456789"
METRICS = "bench-metrics-token-0123456789"


def post(url: str, params: dict) -> None:
    signature = RequestValidator(AUTH).compute_signature(url, params)
    request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(),
                                     headers={"X-Twilio-Signature": signature})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def run_calls(base: str, calls: int, tag: str) -> list[float]:
    times = []
    for n in range(calls):
        params = {"CallSid": f"CA{tag}{n:030d}", "From": "+8613800138000", "To": "+86950618"}
        for path, extra in (("/twilio/voice", {}), ("/twilio/gather", {"Digits": "1"})):
            started = time.perf_counter()
            post(base + path, {**params, **extra})
            times.append((time.perf_counter() - started) * 1000)
    return times


def scrape_loop(base: str, stop: threading.Event, done: list[float], pause_s: float) -> None:
    request = urllib.request.Request(base + "/metrics", headers={"Authorization": f"Bearer {METRICS}"})
    while not stop.is_set():
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
        done.append((time.perf_counter() - started) * 1000)
        stop.wait(pause_s)


def with_scraper(base: str, calls: int, tag: str, pause_s: float) -> tuple[list[float], list[float]]:
    stop, done = threading.Event(), []
    scraper = threading.Thread(target=scrape_loop, args=(base, stop, done, pause_s), daemon=True)
    scraper.start()
    times = run_calls(base, calls, tag)
    stop.set()
    scraper.join()
    return times, done


def summary(times: list[float]) -> str:
    q = statistics.quantiles(times, n=100)
    return f"p50 {q[49]:6.2f} ms  p95 {q[94]:6.2f} ms  p99 {q[98]:6.2f} ms"


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        holder = LateApp()
        with ServerThread(holder) as web:
            settings = load_settings(config_path=None, env={}, overrides={
                "public_url": web.url, "twilio_auth_token": AUTH, "instance_path": tmp, "speech_navigation": "off",
                "metrics_token": METRICS, "qa_jobs": "local"})
            holder.app = create_app(settings)
            run_calls(web.url, 20, "w")  # warm up
            alone = run_calls(web.url, args.calls, "a")
            slow, slow_scrapes = with_scraper(web.url, args.calls, "s", 1.0)
            hammer, hammer_scrapes = with_scraper(web.url, args.calls, "h", 0.0)
    print(f"webhooks alone                {summary(alone)}")
    print(f"with a scrape every second    {summary(slow)}  ({len(slow_scrapes)} scrapes)")
    print(f"with back-to-back scrapes     {summary(hammer)}  ({len(hammer_scrapes)} scrapes, "
          f"median {statistics.median(hammer_scrapes):.1f} ms each)")
    base = statistics.median(alone)
    print(f"p50 ratio: 1/s {statistics.median(slow) / base:.2f}, back to back {statistics.median(hammer) / base:.2f}")


if __name__ == "__main__":
    main()
