"""Webhooks under load over real HTTP, served by gunicorn: hotline versus a bare Flask TwiML endpoint.

Both apps run under gunicorn with hotline's production settings (``ivr.gunicorn_conf``: gthread
workers, one per core) on 127.0.0.1, one after the other in the same run, and get the same open-loop load: calls start at a fixed rate, each sending its signed
``/twilio/voice`` and then two ``/twilio/gather`` with digits in order (as Twilio does), for
``--rate`` webhooks per second (default 200) over a fixed time. A call's first request counts from
the moment it was due, so a server that falls behind is charged for the queue it builds.
Target: hotline's p99 <= 20 ms at 200 requests/s.

    python bench/bench_webhooks_load.py [--rate 200] [--seconds 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app: str, port: int, workers: int, env: dict, chdir: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:ivr.gunicorn_conf", "-w", str(workers),
                             "-b", f"127.0.0.1:{port}", "--chdir", str(chdir), "--log-level", "warning", app],
                            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                time.sleep(1.0)  # let every worker finish booting
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn {app} did not start: {proc.stderr.read()[-2000:]}")
            time.sleep(0.2)
    raise SystemExit(f"gunicorn {app} did not listen on port {port}")


def call_requests(sid: str, port: int) -> list[tuple[str, bytes, dict]]:
    """One call's webhooks, signed as Twilio signs them: /voice, then /gather twice (keys 2, 1)."""
    validator = RequestValidator(TOKEN)
    out = []
    for path, extra in (("/twilio/voice", {}), ("/twilio/gather", {"Digits": "2"}), ("/twilio/gather", {"Digits": "1"})):
        params = {"CallSid": sid, "From": "+8613800138000", "To": "+86950618", **extra}
        signature = validator.compute_signature(f"http://127.0.0.1:{port}{path}", params)
        out.append((path, urllib.parse.urlencode(params).encode(),
                    {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}))
    return out


def load(port: int, rate: float, seconds: float, tag: str) -> tuple[list[float], int]:
    """Open-loop calls (a call's own webhooks in order, as Twilio sends them) making ``rate`` requests/s.

    Latencies (s) count from when each request was due; also the number of non-200 answers.
    """
    calls = [call_requests(f"CA{tag}{n:08d}", port) for n in range(int(rate * seconds / 3))]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def one_call(due: float, requests: list[tuple[str, bytes, dict]]) -> None:
        for path, body, headers in requests:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = 0
            finally:
                conn.close()
            now = time.perf_counter()
            with lock:
                latencies.append(now - due)
                errors[0] += status != 200
            due = now  # the next webhook of the call is sent when this one is answered

    start_at = time.perf_counter() + 0.2
    with ThreadPoolExecutor(max_workers=128) as pool:
        for i, requests in enumerate(calls):
            due = start_at + i * 3 / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one_call, due, requests)
    return latencies, errors[0]


def one_at_a_time(port: int, calls: int) -> list[float]:
    """Service time without load: one call's webhooks after another, nothing else in flight (s)."""
    out = []
    for n in range(calls):
        for path, body, headers in call_requests(f"CAseq{n:08d}", port):
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", path, body=body, headers=headers)
            conn.getresponse().read()
            conn.close()
            out.append(time.perf_counter() - started)
    return out


@contextlib.contextmanager
def fresh_postgres(url: str):
    """A new empty database on the server of ``url`` (dropped afterwards); yields its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"bench_webhooks_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers")
    parser.add_argument("--postgres", default=os.environ.get("HOTLINE_TEST_POSTGRES_URL", ""),
                        help="also hotline with its call store on this PostgreSQL server (a fresh database)")
    args = parser.parse_args()
    rows, alone = {}, {}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        sides = [("bare Flask TwiML", "bench_webhooks:bare_app()", ROOT / "bench", {}),
                 ("hotline on SQLite", "ivr.app:create_app()", ROOT, {})]
        if args.postgres:
            database = stack.enter_context(fresh_postgres(args.postgres))
            sides.append(("hotline on PostgreSQL", "ivr.app:create_app()", ROOT, {"HOTLINE_DATABASE_URL": database}))
        for name, app, chdir, extra in sides:
            port = free_port()
            env = {**extra, "HOTLINE_PUBLIC_URL": f"http://127.0.0.1:{port}", "HOTLINE_TWILIO_AUTH_TOKEN": TOKEN,
                   "HOTLINE_INSTANCE_PATH": str(Path(tmp) / "instance"), "HOTLINE_SPEECH_NAVIGATION": "off",
                   "HOTLINE_QA_JOBS": "off", "HOTLINE_CONFIG": str(Path(tmp) / "none.toml"),
                   "PYTHONPATH": str(ROOT)}
            Path(tmp, "none.toml").write_text("")
            proc = start(app, port, args.workers, env, chdir)
            try:
                load(port, args.rate, 1.0, "warm")  # warm-up: connections, SQLite, first calls
                alone[name] = one_at_a_time(port, 50)
                rows[name] = load(port, args.rate, args.seconds, "load")
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    print(f"webhooks over HTTP under gunicorn ({args.workers} gthread workers, ivr.gunicorn_conf), {args.rate:g} requests/s for "
          f"{args.seconds:g} s, latency from when each request was due")
    print(f"{'':26}{'n':>6}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'alone p50':>11}{'alone p95':>11}")
    for name, (lat, errors) in rows.items():
        print(f"{name:26}{len(lat):6d}{errors:8d}{statistics.median(lat) * 1e3:9.2f}{percentile(lat, 0.95) * 1e3:9.2f}"
              f"{percentile(lat, 0.99) * 1e3:9.2f}{statistics.median(alone[name]) * 1e3:11.2f}"
              f"{percentile(alone[name], 0.95) * 1e3:11.2f}")
    print("(alone: the same webhooks one at a time with nothing else in flight: the service time)")
    b = rows["bare Flask TwiML"][0]
    for name, (h, _) in rows.items():
        if name.startswith("hotline"):
            print(f"{name} / bare: p50 {statistics.median(h) / statistics.median(b):.1f}x, "
                  f"p99 {percentile(h, 0.99) / percentile(b, 0.99):.1f}x; p99 / 20 ms target = "
                  f"{percentile(h, 0.99) * 1e3 / 20:.2f}")


if __name__ == "__main__":
    main()
