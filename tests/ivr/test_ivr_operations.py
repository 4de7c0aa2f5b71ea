"""Operations: /readyz, /metrics behind its token, what the metrics count, JSON logs without PII.

The app runs for real on 127.0.0.1 (HTTP and the media WebSocket); the database, Redis and a
database that never answers are real too.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import websocket
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from twilio.request_validator import RequestValidator

from fake_twilio import ServerThread
from ivr.app import create_app
from ivr.config import ConfigError
from ivr.health import check_database, readiness, run_checks
from ivr.events import CallEvent, Route
from ivr.logs import JsonFormatter, CallSidFilter, call_context, configure, scrub
from ivr.simulator.server import LateApp
from ivr.mediastream import connected_message, media_message, start_message, stop_message
from ivr.metrics import bearer_ok, count_step
from live_testing import ACCOUNT, live_hotline, post_signed
from qa.jobs import JobRunner
from qa.metrics import JobMetrics, JobQueueCollector
from qa.pipeline import JobServices
from qa.store import CallStore, JobQueue
from twilio_testing import AUTH_TOKEN, make_settings

TOKEN = "metrics-token-0123456789"
CALLER = "+8613912345678"


def _get(url: str, token: str | None = TOKEN) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _samples(body: bytes) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def _value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def served(tmp_path):
    """The app (keypad only) on 127.0.0.1 with a metrics token."""
    holder = LateApp()
    with ServerThread(holder) as web:
        holder.app = create_app(make_settings(tmp_path, metrics_token=TOKEN, public_url=web.url))
        yield web.url, holder.app
    holder.app.extensions["hotline"].service.close()


# ---- pure parts ---------------------------------------------------------------------------


def test_step_counts_speech_no_match_per_node_and_routes_per_skill():
    events = [CallEvent("speech", "main", {"text": "嗯 那个"}), CallEvent("interpreted", "main", {}),
              CallEvent("no_match", "main", {"heard": "嗯 那个"}), CallEvent("node_entered", "open", {}),
              CallEvent("speech", "open", {"text": "退货"}), CallEvent("option", "open", {}),
              CallEvent("no_match", "after_sales", {"heard": "7"}),  # a key, not speech
              CallEvent("speech", "after_sales", {"text": ""}),  # silence: a no-input
              CallEvent("speech", "orders", {"text": "", "unclear": True}),  # words outside the menu
              CallEvent("no_match", "orders", {"heard": ""})]
    counts = count_step(events, [Route(skill="after_sales", intent="return_request", priority=5, reasons=(),
                                           locale="zh-CN", node="open")])
    assert counts.speech_attempts == {"main": 1, "open": 1, "orders": 1}
    assert counts.speech_no_match == {"main": 1, "orders": 1}
    assert counts.routes == {"after_sales": 1}


def test_bearer_token_check():
    assert bearer_ok(f"Bearer {TOKEN}", TOKEN) and bearer_ok(f"bearer {TOKEN}", TOKEN)
    assert not bearer_ok(f"Bearer {TOKEN}x", TOKEN) and not bearer_ok(None, TOKEN) and not bearer_ok("Bearer ", "")


def test_scrub_masks_numbers_and_keeps_sids():
    assert scrub("caller +86 139 1234 5678 on CA0123456789abcdef") == "caller [number] on CA0123456789abcdef"
    assert scrub("order 202612061234 not found; 3 tries") == "order [number] not found; 3 tries"
    assert scrub('127.0.0.1 - - [06/Dec/2026 14:37:57] "POST /twilio/voice"') == \
        '127.0.0.1 - - [06/Dec/2026 14:37:57] "POST /twilio/voice"'
    assert scrub("id 11010519491231002X, card 6222-0212-3456-7890") == "id [number], card [number]"


@pytest.mark.parametrize("overrides, problem", [
    ({"metrics_token": "short"}, "metrics_token: must be at least 16 characters"),
    ({"log_format": "xml"}, "log_format: 'xml' is not one of text, json"),
    ({"alerts_url": "ftp://x"}, "alerts_url: 'ftp://x' is not an absolute http(s) URL"),
])
def test_bad_operations_settings_are_listed_at_start(tmp_path, overrides, problem):
    with pytest.raises(ConfigError) as caught:
        make_settings(tmp_path, **overrides)
    assert any(p.startswith(problem) for p in caught.value.problems)


# ---- /metrics and /readyz over HTTP ----------------------------------------------------------


def test_metrics_need_the_bearer_token(served, tmp_path):
    url, _ = served
    assert _get(f"{url}/metrics", token=None)[0] == 401
    assert _get(f"{url}/metrics", token="wrong-token-0123456789")[0] == 401
    status, body = _get(f"{url}/metrics")
    assert status == 200 and b"hotline_webhook_seconds" in body
    app = create_app(make_settings(tmp_path / "off"))  # no token: metrics are off, not open
    assert app.test_client().get("/metrics").status_code == 404
    app.extensions["hotline"].service.close()


def test_webhooks_speech_and_routes_are_counted(served):
    url, _ = served
    params = {"CallSid": "CA" + "a" * 32, "From": CALLER, "To": "+86950618", "AccountSid": ACCOUNT}
    post_signed(f"{url}/twilio/voice", params)
    post_signed(f"{url}/twilio/gather", {**params, "SpeechResult": "今天天气怎么样", "Confidence": "0.9"})
    post_signed(f"{url}/twilio/gather", {**params, "Digits": "0"})  # a person
    samples = _samples(_get(f"{url}/metrics")[1])
    assert _value(samples, "hotline_webhook_seconds_count", endpoint="voice") == 1
    assert _value(samples, "hotline_webhook_seconds_count", endpoint="gather") == 2
    assert _value(samples, "hotline_speech_attempts_total", node="main") == 1
    assert _value(samples, "hotline_speech_no_match_total", node="main") == 1
    assert sum(v for (name, _), v in samples.items() if name == "hotline_routes_total") == 1
    assert _value(samples, "hotline_jobs", status="pending") == 0 and _value(samples, "hotline_jobs_stale") == 0


def test_readiness_names_a_database_that_is_down_and_webhooks_still_answer(served):
    url, app = served
    status, body = _get(f"{url}/readyz", token=None)
    assert status == 200
    ready = json.loads(body)
    assert ready["status"] == "ready" and ready["checks"]["database"]["ok"]
    assert "broker" not in ready["checks"] and ready["checks"]["speech_model"]["ok"]
    database = Path(app.extensions["hotline"].store.engine.url.database)
    app.extensions["hotline"].store.engine.dispose()
    for path in database.parent.glob(database.name + "*"):
        path.unlink()
    status, body = _get(f"{url}/readyz", token=None)
    down = json.loads(body)
    assert status == 503 and down["status"] == "unavailable"
    assert not down["checks"]["database"]["ok"] and "hotline" in down["checks"]["database"]["detail"]
    # the caller still hears the apology and is queued; the metrics show it
    params = {"CallSid": "CA" + "b" * 32, "From": CALLER, "To": "+86950618", "AccountSid": ACCOUNT}
    twiml = post_signed(f"{url}/twilio/voice", params)
    assert twiml.find(".//Enqueue") is not None
    assert _value(_samples(_get(f"{url}/metrics")[1]), "hotline_webhook_fail_safe_total", endpoint="voice") == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("broker, ok", [("redis://127.0.0.1:6379/11", True), ("redis://127.0.0.1:{port}/0", False)])
def test_readiness_checks_the_broker_when_jobs_run_on_celery(tmp_path, broker, ok):
    app = create_app(make_settings(tmp_path, qa_jobs="celery", qa_broker_url=broker.format(port=_closed_port())))
    response = app.test_client().get("/readyz")
    app.extensions["hotline"].service.close()
    assert response.status_code == (200 if ok else 503)
    assert response.json["checks"]["broker"]["ok"] is ok
    assert ok or "unreachable" in response.json["checks"]["broker"]["detail"]


class Silent:
    """A TCP server on 127.0.0.1 that accepts connections and never answers (a hung database)."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        return self.sock.getsockname()[1]

    def _accept(self):
        while True:
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                return

    def __exit__(self, *exc):
        self.sock.close()
        for conn in self.held:
            conn.close()


def test_a_hung_database_never_holds_a_scrape():
    with Silent() as port:
        store = CallStore(f"postgresql+psycopg://hotline@127.0.0.1:{port}/hotline?connect_timeout=2")
        registry = CollectorRegistry()
        collector = JobQueueCollector(JobQueue(store), timeout_s=0.3)
        registry.register(collector)
        stale = registry.get_sample_value("hotline_jobs_stale")
        # the scrape answered "stale" while the query was still waiting on the database (2 s connect timeout)
        assert stale == 1 and not collector._pending.done()
        # readiness names it within its deadline too
        pool = ThreadPoolExecutor(2)
        status, body = readiness(run_checks({"database": lambda: check_database(store)}, 0.3, pool))
        pool.shutdown(wait=False)
        assert status == 503 and body["checks"]["database"] == {"ok": False, "detail": "no answer within 0.3 s"}


# ---- media streams ---------------------------------------------------------------------------


def test_a_media_stream_is_counted_while_open_and_its_real_time_factor_after(tmp_path):
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.addFilter(CallSidFilter())
    handler.emit = records.append
    live_log = logging.getLogger("ivr.live")
    live_log.addHandler(handler)
    level = live_log.level
    live_log.setLevel(logging.INFO)
    with live_hotline(tmp_path, metrics_token=TOKEN) as (web, _fake, app):
        sid = "CA" + "c" * 32
        post_signed(f"{web.url}/twilio/voice", {"CallSid": sid, "From": CALLER, "To": "+86950618",
                                                "AccountSid": ACCOUNT})
        stream_url = "ws" + web.url[4:] + "/twilio/media"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(stream_url, {})
        ws = websocket.create_connection(stream_url, header=[f"X-Twilio-Signature: {signature}"], timeout=30)
        stream = "MZ" + sid[2:]
        ws.send(connected_message())
        ws.send(start_message(sid, stream, account_sid=ACCOUNT))
        for n in range(100):  # 2 s of line silence
            ws.send(media_message(stream, b"\xff" * 160, chunk=n + 1, timestamp_ms=20 * n, sequence=n + 2))
        time.sleep(0.3)
        during = _samples(_get(f"{web.url}/metrics")[1])
        ws.send(stop_message(sid, stream, account_sid=ACCOUNT, sequence=102))
        ws.close()
        for _ in range(50):
            after = _samples(_get(f"{web.url}/metrics")[1])
            if _value(after, "hotline_asr_real_time_factor_count"):
                break
            time.sleep(0.1)
    live_log.removeHandler(handler)
    live_log.setLevel(level)
    ended = [r for r in records if "media ended" in r.getMessage()]
    assert ended and ended[0].call_sid == sid  # the stream's lines carry the call SID
    assert _value(during, "hotline_media_streams_active") == 1
    assert _value(after, "hotline_media_streams_active") == 0
    assert _value(after, "hotline_asr_real_time_factor_count") == 1
    assert _value(after, "hotline_asr_real_time_factor_sum") > 0  # observed (its speed is bench/bench_live.py's)


# ---- jobs -------------------------------------------------------------------------------------


def test_job_tries_are_timed_and_failures_counted(tmp_path):
    store = CallStore(f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
    store.init_schema()
    queue = JobQueue(store)
    queue.enqueue("analyze_recording", "recording:RE1", {"call_sid": "CA404", "recording_sid": "RE1"})
    registry = CollectorRegistry()
    observer = JobMetrics(registry)
    registry.register(JobQueueCollector(queue))
    services = JobServices(store=store, analyzer=None, fetch=None, recordings_dir=tmp_path)
    [ended] = JobRunner(services, observer=observer).drain()
    assert ended.status == "failed"  # a call hotline never saw: not retried
    assert registry.get_sample_value("hotline_job_seconds_count", {"kind": "analyze_recording", "result": "failed"}) == 1
    assert registry.get_sample_value("hotline_job_failures_total", {"kind": "analyze_recording", "permanent": "true"}) == 1
    assert registry.get_sample_value("hotline_jobs", {"status": "failed"}) == 1
    # a done try of a 10 s call that took 2 s: real-time factor 0.2
    queue.enqueue("analyze_recording", "recording:RE2", {"call_sid": "CA2", "recording_sid": "RE2"})
    claimed = queue.claim("test-worker", lease_s=60)
    observer(claimed, 2.0, queue.complete(claimed.id, "test-worker"), {"audio_s": 10.0})
    assert registry.get_sample_value("hotline_job_real_time_factor_sum", {"kind": "analyze_recording"}) == 0.2
    assert registry.get_sample_value("hotline_job_seconds_count", {"kind": "analyze_recording", "result": "done"}) == 1


def test_recent_job_figures_come_from_the_job_table_for_every_worker(tmp_path):
    from datetime import timedelta

    from sqlalchemy import update

    from qa.store.models import Job, utcnow

    store = CallStore(f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
    store.init_schema()
    queue = JobQueue(store)
    now = utcnow()
    # (status, enqueued s ago, finished s ago): done by workers this web app never saw
    seeded = [("done", 40, 30), ("done", 50, 30), ("done", 100, 70), ("done", 4000, 3990), ("failed", 60, 5),
              ("pending", 120, None), ("pending", 10, None)]
    for n, (status, enqueued, finished) in enumerate(seeded):
        job, _ = queue.enqueue("analyze_recording", f"recording:RE{n}", {})
        with store.session() as s:
            s.execute(update(Job).where(Job.id == job.id).values(
                status=status, created_at=now - timedelta(seconds=enqueued), run_after=now - timedelta(seconds=enqueued),
                finished_at=None if finished is None else now - timedelta(seconds=finished)))
    registry = CollectorRegistry()
    registry.register(JobQueueCollector(queue, window_s=900))
    assert registry.get_sample_value("hotline_jobs_finished_recent", {"status": "done"}) == 3  # not the one of an hour ago
    assert registry.get_sample_value("hotline_jobs_finished_recent", {"status": "failed"}) == 1
    latency = {q: registry.get_sample_value("hotline_job_latency_recent_seconds", {"quantile": q}) for q in ("0.5", "0.95", "1")}
    assert latency == {"0.5": pytest.approx(20, abs=1), "0.95": pytest.approx(30, abs=1), "1": pytest.approx(30, abs=1)}
    assert registry.get_sample_value("hotline_jobs_oldest_due_seconds") == pytest.approx(120, abs=5)


# ---- logs -------------------------------------------------------------------------------------


def test_json_logs_carry_the_call_sid_and_no_personal_data(served):
    url, _ = served
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(CallSidFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    sid = "CA" + "d" * 32
    try:
        params = {"CallSid": sid, "From": CALLER, "To": "+86950618", "AccountSid": ACCOUNT}
        post_signed(f"{url}/twilio/voice", params)
        post_signed(f"{url}/twilio/gather", {**params, "SpeechResult": "我的电话是13912345678", "Confidence": "0.9"})
        post_signed(f"{url}/twilio/enqueue", {**params, "QueueResult": "hangup", "QueueTime": "3"})
        status = {**params, "CallStatus": "completed", "CallDuration": "20"}
        request = urllib.request.Request(f"{url}/twilio/status", data=urllib.parse.urlencode(status).encode(), headers={
            "X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(f"{url}/twilio/status", status)})
        assert urllib.request.urlopen(request, timeout=10).status == 204
        with call_context("CA" + "e" * 32):
            logging.getLogger("ivr.decisions").warning("caller %s unavailable", CALLER)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    about_the_call = [line for line in lines if sid in line["msg"]]
    assert about_the_call and all(line["call_sid"] == sid for line in about_the_call)
    assert lines[-1]["call_sid"] == "CA" + "e" * 32 and lines[-1]["msg"] == "caller [number] unavailable"
    text = out.getvalue()
    assert "13912345678" not in text and "电话" not in text
    assert {"ts", "level", "logger", "msg", "call_sid", "process"} <= set(lines[0])


def test_configure_installs_one_json_handler():
    root = logging.getLogger()
    before = list(root.handlers)
    out = io.StringIO()
    try:
        configure("json", stream=out)
        handler = configure("json", stream=out)
        assert [h for h in root.handlers if getattr(h, "_hotline_json", False)] == [handler]
        assert configure("text") is None
        logging.getLogger("ivr.test").info("call %s ready", "CA1")
        assert json.loads(out.getvalue().splitlines()[-1])["msg"] == "call CA1 ready"
    finally:
        for h in list(root.handlers):
            if h not in before:
                root.removeHandler(h)


MULTIPROCESS_SCRIPT = """
import multiprocessing, sys
from ivr.events import Route
from ivr.metrics import Metrics

def route(skill):
    Metrics().observe_step([], [Route(skill=skill, intent="other", priority=1, reasons=(), locale="zh-CN", node="x")])

if __name__ == "__main__":
    metrics = Metrics()  # this process's app; two gunicorn workers route a call each
    for _ in range(2):
        worker = multiprocessing.get_context("fork").Process(target=route, args=("orders",))
        worker.start(); worker.join()
    sys.stdout.write(metrics.exposition().decode())
"""


def test_gunicorn_workers_numbers_add_up_in_multiprocess_mode(tmp_path):
    import os
    import subprocess
    import sys

    script = tmp_path / "workers.py"
    script.write_text(MULTIPROCESS_SCRIPT)
    folder = tmp_path / "prometheus"
    folder.mkdir()
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True,
                         env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}).stdout
    assert _value(_samples(out.encode()), "hotline_routes_total", skill="orders") == 2
