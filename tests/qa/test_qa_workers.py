"""Post-call workers as separate processes: `hotline worker` (local) and `hotline worker --celery` on the
machine's Redis. Jobs queued while no worker runs are done when one starts; a worker killed mid-job loses
nothing (its lease runs out and another worker does the job once)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import redis

from fake_twilio import FakeTwilioRest, ServerThread
from ivr.app import create_app
from qa.store import AnalysisStore, JobQueue
from qa_calls import Line, render_call
from qa_testing import ACCOUNT_SID, AUTH_TOKEN, post_recording, qa_settings, routed_call, worker_env
from twilio_testing import ROOT, TwilioClient

REDIS_URL = "redis://127.0.0.1:6379/11"
CALL = [
    Line("ivr", "您好，欢迎致电京东客服", 0.3, voice="espeak:cmn+f3"),
    Line("caller", "我要退货", 4.0),
    Line("agent", "您好，很高兴为您服务", 7.5, voice="espeak:cmn+f4"),
    Line("agent", "感谢您的来电，再见", 11.0, voice="espeak:cmn+f4"),
]


@pytest.fixture(scope="module")
def wav(tmp_path_factory):
    path = tmp_path_factory.mktemp("workers") / "call.wav"
    render_call(CALL, path)
    return path


def _system(tmp_path, **overrides):
    fake = FakeTwilioRest(ACCOUNT_SID, AUTH_TOKEN)
    server = ServerThread(fake.wsgi).__enter__()
    settings = qa_settings(tmp_path, **overrides)
    app = create_app(settings)
    return fake, server, settings, app


def _worker(settings, *args: str) -> subprocess.Popen:
    # its own process group: the worker and the job processes it starts are stopped (or killed) together
    return subprocess.Popen([sys.executable, "-m", "ivr", "worker", *args], env=worker_env(settings), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _wait(predicate, timeout: float, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"worker exited {proc.returncode}:\n{proc.stdout.read()}")
        time.sleep(0.2)
    raise AssertionError("timed out")


def _stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> str:
    if proc.poll() is None:
        if sig == signal.SIGKILL:
            os.killpg(proc.pid, signal.SIGKILL)  # a crash of the machine's workers: nothing gets to clean up
        else:
            proc.send_signal(sig)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.stdout.read()


def _queue_call(app, fake, server, sid: str, rec: str, wav):
    twilio = TwilioClient(app.test_client())
    routed_call(twilio, sid, ["2", "1"], queue_time_s=6)
    assert post_recording(twilio, fake, server.url, sid, rec, wav).status_code == 204


def test_jobs_queued_while_no_worker_runs_are_done_when_one_starts(tmp_path, wav):
    fake, server, settings, app = _system(tmp_path)
    try:
        _queue_call(app, fake, server, "CAw0001", "REw0001", wav)
        _queue_call(app, fake, server, "CAw0002", "REw0002", wav)
        queue = JobQueue(app.extensions["hotline"].store)
        assert queue.counts()["pending"] == 2
        proc = _worker(settings, "--jobs", "1")
        try:
            _wait(lambda: queue.counts()["done"] == 2, 180, proc)
        finally:
            out = _stop(proc)
        assert proc.returncode == 0, out
        analyses = AnalysisStore(app.extensions["hotline"].store)
        assert analyses.get("CAw0001") is not None and analyses.get("CAw0002") is not None
    finally:
        server.__exit__()
        app.extensions["hotline"].service.close()


def test_a_worker_killed_mid_job_loses_nothing_and_the_job_runs_once_more(tmp_path, wav):
    fake, server, settings, app = _system(tmp_path, qa_job_lease_s=4)
    try:
        fake.delay_s = 4.0  # the download stalls: the worker is killed in the middle of the job
        _queue_call(app, fake, server, "CAk0001", "REk0001", wav)
        queue = JobQueue(app.extensions["hotline"].store)
        first = _worker(settings, "--jobs", "1")
        _wait(lambda: fake.media_requests, 120, first)
        _stop(first, signal.SIGKILL)
        job = queue.get_by_key("analyze_recording:REk0001")
        assert job.status == "running" and job.attempts == 1
        fake.delay_s = 0.0
        second = _worker(settings, "--jobs", "1")
        try:
            job = _wait(lambda: (j := queue.get_by_key("analyze_recording:REk0001")).status == "done" and j, 120,
                        second)
        finally:
            _stop(second)
        assert job.attempts == 2 and job.worker.startswith("local")
        assert AnalysisStore(app.extensions["hotline"].store).get("CAk0001") is not None
        assert queue.counts()["done"] == 1 and queue.counts()["failed"] == 0
    finally:
        server.__exit__()
        app.extensions["hotline"].service.close()


def test_celery_workers_on_redis_run_the_same_job(tmp_path, wav):
    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    fake, server, settings, app = _system(tmp_path, qa_jobs="celery", qa_broker_url=REDIS_URL)
    try:
        # queued while no worker runs (the message waits in Redis, the job in the database)
        _queue_call(app, fake, server, "CAc0001", "REc0001", wav)
        store = app.extensions["hotline"].store
        queue = JobQueue(store)
        assert broker.llen("hotline-qa") >= 1
        proc = _worker(settings, "--celery", "--jobs", "1")
        try:
            _wait(lambda: queue.counts()["done"] == 1, 180, proc)
            # and one queued while the worker runs
            _queue_call(app, fake, server, "CAc0002", "REc0002", wav)
            _wait(lambda: queue.counts()["done"] == 2, 120, proc)
        finally:
            out = _stop(proc)
        assert "celery" in out.lower()
        analyses = AnalysisStore(store)
        assert analyses.get("CAc0001").analysis.mode == "spotting" and analyses.get("CAc0002") is not None
        assert [j.attempts for j in queue.list()] == [1, 1]
    finally:
        broker.flushdb()
        server.__exit__()
        app.extensions["hotline"].service.close()
