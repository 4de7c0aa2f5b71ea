"""The production deployment, run for real on 127.0.0.1 and hurt on purpose.

gunicorn (``-c python:ivr.gunicorn_conf``, 2 gthread workers) serves the webhooks and the media
WebSockets, call state and the job table are in a PostgreSQL database of this test's own, post-call
jobs run on ``hotline worker --celery`` with the machine's Redis as broker. The call simulator plays
Twilio and the callers (signed webhooks, signed media streams, status and recording callbacks); its
REST stand-in is the only fake. Mid-run one gunicorn worker and the Celery worker are killed with
SIGKILL; afterwards every call hotline answered has one record with its whole path, every recording one
analysis, and the job table shows no job lost or done twice. A second instance whose broker URL points at a closed
port still answers and routes calls; its jobs wait in the table and drain once a worker with a good
broker starts.

Needs PostgreSQL (``HOTLINE_TEST_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
and Redis on 127.0.0.1:6379 (database 13); without them the tests fail with one message, they never skip.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ivr.simulator import AudioMaker, SimulatedCall, SimulatorError, Target, TwilioRest
from ivr.simulator.scenario import scenario_from_data
from ivr.simulator.server import ServerThread

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = "redis://127.0.0.1:6379/13"
ACCOUNT = "AC" + "7" * 32
TOKEN = "production-test-token"
LEASE_S = 6  # a killed Celery worker's job is taken over after this

#: keypad calls (keys over the prompts), each through a different menu path, then an agent and a hang-up
KEYPAD = [("1", "2", "logistics", "delivery_tracking", ["welcome", "main", "orders"]),
          ("2", "1", "after_sales", "return_request", ["welcome", "main", "after_sales"]),
          ("3", "", "billing", "invoice_request", ["welcome", "main"]),
          ("4", "2", "billing", "baitiao_installment", ["welcome", "main", "payments"]),
          ("5", "1", "membership", "plus_membership", ["welcome", "main", "membership"]),
          ("7", "", "complaints", "complaint", ["welcome", "main"])]


def scenario(index: int):
    first, second, queue, intent, path = KEYPAD[index % len(KEYPAD)]
    turns = [{"digits": key, "barge_in": 0.4} for key in first + second]
    turns += [{"agent": "您好，京东客服", "lang": "zh", "voice": "espeak:cmn+f3"}, {"hangup": True}]
    return scenario_from_data({"call_id": f"prod-{index:03d}", "from": f"+861390000{index % 10000:04d}",
                               "turns": turns,
                               "expect": {"queue": queue, "intent": intent, "outcome": "routed", "path": path}},
                              source=f"prod-{index:03d}")


# ---- the machine's PostgreSQL and Redis ------------------------------------------------------------------


def _libpq(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def services():
    """PostgreSQL and Redis answer, or the module fails with one line saying which and where."""
    import psycopg
    import redis

    problems = []
    try:
        psycopg.connect(_libpq(PG_URL), connect_timeout=3).close()
    except Exception as exc:  # noqa: BLE001 - any reason is reported
        problems.append(f"PostgreSQL at {PG_URL} ({exc.__class__.__name__}: {' '.join(str(exc).split())[:200]})")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        problems.append(f"Redis at {REDIS_URL} ({exc.__class__.__name__}: {exc})")
    if problems:
        pytest.fail("the production fault test needs the machine's " + " and ".join(problems)
                    + "; set HOTLINE_TEST_POSTGRES_URL or start the servers", pytrace=False)
    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    yield
    broker.flushdb()


@pytest.fixture
def database(services):
    """A PostgreSQL database of this test's own (created here, dropped after), as a SQLAlchemy URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"hotline_prod_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_libpq(PG_URL), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(PG_URL), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---- processes --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (gunicorn's workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return sorted(found)


@dataclass
class Deployment:
    """Every process this test starts; :meth:`close` kills each by its own process group."""

    tmp: Path
    database_url: str
    rest: TwilioRest
    rest_url: str
    procs: list[subprocess.Popen] = field(default_factory=list)

    def env(self, **settings: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
        env.update({
            "HOTLINE_DATABASE_URL": self.database_url, "HOTLINE_INSTANCE_PATH": str(self.tmp / "instance"),
            "HOTLINE_TWILIO_ACCOUNT_SID": ACCOUNT, "HOTLINE_TWILIO_AUTH_TOKEN": TOKEN,
            "HOTLINE_TWILIO_API_BASE_URL": self.rest_url, "HOTLINE_QA_JOBS": "celery",
            "HOTLINE_QA_BROKER_URL": REDIS_URL, "HOTLINE_QA_JOB_LEASE_S": str(LEASE_S), "HOTLINE_QA_WORKERS": "2",
            "HOTLINE_SPEECH_NAVIGATION": "on", "HOTLINE_LOG_FORMAT": "json",
            "HOTLINE_METRICS_TOKEN": "production-test-metrics", "PROMETHEUS_MULTIPROC_DIR": str(self.tmp / "prom"),
        })
        env.update({f"HOTLINE_{k.upper()}": v for k, v in settings.items()})
        return env

    def start(self, args: list[str], log: str, env: dict[str, str]) -> subprocess.Popen:
        # own process group: the process and whatever it forks are killed together
        with open(self.tmp / log, "ab") as out:
            proc = subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def log(self, name: str, tail: int = 3000) -> str:
        path = self.tmp / name
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def db_init(self) -> None:
        (self.tmp / "prom").mkdir(exist_ok=True)
        out = subprocess.run([sys.executable, "-m", "ivr", "db", "init"], cwd=ROOT, env=self.env(),
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr

    def web(self, name: str, workers: int, **settings: str) -> "Web":
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = self.env(public_url=url, **settings)
        env.update({"HOTLINE_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers), "HOTLINE_WEB_THREADS": "48"})
        proc = self.start(["gunicorn", "-c", "python:ivr.gunicorn_conf"], name, env)
        web = Web(proc, url, name)
        deadline = time.monotonic() + 120
        while self.log(name, 10**7).count("hotline app loaded in worker") < workers:
            assert proc.poll() is None, f"gunicorn exited {proc.returncode}:\n{self.log(name)}"
            assert time.monotonic() < deadline, f"gunicorn workers did not load the app in 120 s:\n{self.log(name)}"
            time.sleep(0.2)
        return web

    def celery(self, name: str, **settings: str) -> subprocess.Popen:
        proc = self.start(["ivr", "worker", "--celery"], name, self.env(**settings))
        deadline = time.monotonic() + 120
        while "ready." not in self.log(name, 10**7):
            assert proc.poll() is None, f"celery worker exited {proc.returncode}:\n{self.log(name)}"
            assert time.monotonic() < deadline, f"celery worker not ready in 120 s:\n{self.log(name)}"
            time.sleep(0.2)
        return proc

    def target(self, web: "Web"):
        from qa.store import CallStore

        return Target(base_url=web.url, public_url=web.url, auth_token=TOKEN, account_sid=ACCOUNT, rest=self.rest,
                      rest_url=self.rest_url, store=CallStore(self.database_url))

    def close(self) -> None:
        for proc in self.procs:
            kill(proc, signal.SIGTERM)


def kill(proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
    """Stop ``proc`` and its process group (SIGKILL: nothing gets to clean up); bounded."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)
    # gunicorn's workers and Celery's pool children are in the same group; make sure none outlives the test
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


@dataclass
class Web:
    proc: subprocess.Popen
    url: str
    log: str

    def get(self, path: str, token: str | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.url + path,
                                         headers={"Authorization": f"Bearer {token}"} if token else {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


@pytest.fixture(scope="module")
def audio(tmp_path_factory) -> AudioMaker:
    """Prompts and tones synthesised once for the module (a cold cache slows the first calls' client side)."""
    return AudioMaker(tmp_path_factory.mktemp("production-audio"))


@pytest.fixture
def deployment(tmp_path, database):
    rest = TwilioRest(ACCOUNT, TOKEN)
    with ServerThread(rest.wsgi) as rest_server:
        deployment = Deployment(tmp_path, database, rest, rest_server.url)
        try:
            deployment.db_init()
            yield deployment
        finally:
            deployment.close()


# ---- callers ----------------------------------------------------------------------------------------------


class TwilioCall(SimulatedCall):
    """A call as Twilio runs it: after an application error (a webhook that did not answer) Twilio ends the
    call and still sends the status callback and the recording callback."""

    finishing = False

    def finish(self) -> None:
        self.finishing = True
        super().finish()

    def run(self):
        result = super().run()
        if result.error is not None and not self.finishing:
            try:
                self.finish()
            except SimulatorError as exc:
                result.error += f"; then {exc}"
        return result


def run_calls(target, scenarios, audio, jobs, during=None):
    """Run the calls ``jobs`` at a time; ``during(done, in_flight)`` is called as they end. Bounded in time."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="caller") as pool:
        futures = [pool.submit(TwilioCall(target, s, audio).run) for s in scenarios]
        pending = set(futures)
        deadline = time.monotonic() + 150
        while pending:
            assert time.monotonic() < deadline, f"{len(pending)} calls still running after 150 s"
            _, pending = wait(pending, timeout=0.05)
            if during is not None:
                during(len(futures) - len(pending), futures)
        results = [f.result() for f in futures]
    return results, time.perf_counter() - started


def wait_until(predicate, timeout: float, what: str, procs=()):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        for proc in procs:
            assert proc.poll() is None, f"{what}: process {proc.args} exited {proc.returncode}"
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(0.25)


#: events of the live speech path, which come when the media stream has heard enough (or never, on a
#: stream that dropped): not part of the menu path
LIVE_EVENTS = {"emotion"}


def event_path(record) -> list[tuple[str, str]]:
    return [(e.kind, e.node) for e in record.events if e.kind not in LIVE_EVENTS]


def recording_sids(result) -> list[str]:
    return [s.text.split("RecordingSid=")[1].split()[0] for s in result.steps
            if s.kind == "webhook" and "RecordingSid=" in s.text and s.text.endswith("-> 204")]


# ---- the tests --------------------------------------------------------------------------------------------


def test_120_calls_survive_a_killed_web_worker_and_a_killed_celery_worker(deployment, audio, capsys):
    from qa.store import AnalysisStore, JobQueue

    web = deployment.web("gunicorn.log", workers=2)
    celery = deployment.celery("celery-1.log")
    status, body = web.get("/readyz")
    assert status == 200 and '"broker"' in body, body
    master_workers = children(web.proc.pid)
    assert len(master_workers) == 2, master_workers
    target = deployment.target(web)
    warm, _ = run_calls(target, [scenario(i) for i in range(len(KEYPAD))], audio, jobs=1)  # every path once
    assert all(r.passed for r in warm), [r.error or r.mismatches for r in warm]
    scenarios = [scenario(i) for i in range(120)]
    kills: dict[str, object] = {}

    def during(done: int, futures) -> None:
        if "web" not in kills and done >= 35:
            in_flight = sum(1 for f in futures if f.running())
            victim = children(web.proc.pid)[0]
            os.kill(victim, signal.SIGKILL)  # one web worker dies mid-call; the master starts another
            kill(celery)  # the Celery worker and its pool processes, all at once
            kills.update(web=victim, at_done=done, in_flight=in_flight, at=time.perf_counter())
        elif "celery" not in kills and "web" in kills and time.perf_counter() - kills["at"] > 1.0:
            kills["celery"] = deployment.celery("celery-2.log")  # the worker comes back while calls go on

    run, wall_s = run_calls(target, scenarios, audio, jobs=20, during=during)
    results = warm + run  # call i runs scenario(i % 6) in both lists
    assert "celery" in kills, "the run ended before the workers were killed and restarted"
    assert kills["in_flight"] >= 10, kills  # the kill really was mid-run
    assert web.proc.poll() is None, "gunicorn's master went down with its worker"
    assert kills["web"] not in children(web.proc.pid) and len(children(web.proc.pid)) == 2

    failed = [r for r in results if not r.passed]
    dropped = [r for r in results if any("media stream closed" in s.text for s in r.steps)]
    # a caller may see an error only if a webhook of theirs was inside the killed worker
    assert all(r.error for r in failed), [(r.call_sid, r.mismatches) for r in failed if not r.error]
    assert len(failed) <= kills["in_flight"], [r.error for r in failed]

    store = target.store
    expected = {}  # scenario index -> the event path of calls that ran undisturbed
    unseen = []  # calls whose first webhook died with the killed worker before hotline stored anything
    for index, result in enumerate(results):
        record = store.get_call(result.call_sid)  # exactly one: call SIDs are unique in the table
        if record.events[0].kind == "unanswered":
            # recorded from Twilio's status callback alone: abandoned before the menu, still counted
            assert result.error and result.error.startswith("incoming call"), (result.call_sid, result.error)
            assert (record.outcome, record.final_node, record.status) == ("abandoned", None, "completed"), record
            assert [e.kind for e in record.events] == ["unanswered", "call_ended"], record.events
            unseen.append(result)
            continue
        if "status callback" not in (result.error or ""):  # Twilio sends it once, even after an error
            assert record.ended_at is not None and record.status == "completed", (result.call_sid, record.status)
        if result.passed:
            key = index % len(KEYPAD)
            path = event_path(record)
            expected.setdefault(key, path)
            assert path == expected[key], (result.call_sid, path, expected[key])
            assert record.outcome == "routed" and record.skill == KEYPAD[key][2]
        else:
            assert record.events and record.events[0].kind, result.call_sid
    with store.session() as s:
        from sqlalchemy import func, select

        from qa.store.models import Call

        assert s.scalar(select(func.count()).select_from(Call)) == len(results)
    assert {r.call_sid for r in results} == {c.sid for c in store.list_calls(limit=1000)}

    sent = {rec: r.call_sid for r in results for rec in recording_sids(r)}
    assert len(sent) >= len(results) - len(failed), "a recording callback went missing"
    queue = JobQueue(store)
    # the killed worker's jobs wait for their lease to run out, then run again
    wait_until(lambda: not {"pending", "running"} & {k for k, n in queue.counts().items() if n}, 120,
               "post-call jobs finished", procs=[kills["celery"]])
    jobs = queue.list(limit=1000)
    counts = Counter(j.status for j in jobs)
    assert counts == {"done": len(jobs)}, counts  # none failed, none left pending or running
    keys = {j.key for j in jobs}
    assert len(keys) == len(jobs) and {f"analyze_recording:{rec}" for rec in sent} <= keys  # none lost
    # a job beyond those: its recording callback was stored but the answer died with the web worker
    extra = {j.payload["call_sid"] for j in jobs if j.key.split(":", 1)[1] not in sent}
    assert extra <= {r.call_sid for r in failed if "recording callback" in r.error}, extra
    sent.update({j.key.split(":", 1)[1]: j.payload["call_sid"] for j in jobs})
    retried = [j for j in jobs if j.attempts != 1]
    assert all(j.attempts == 2 for j in retried), [(j.key, j.attempts) for j in retried]
    assert len(retried) <= 2, retried  # at most the Celery worker's 2 pool processes were mid-job at the kill
    analyses = AnalysisStore(store)
    for rec, call_sid in sent.items():
        assert analyses.get(call_sid) is not None, call_sid
    with store.session() as s:
        from qa.store.models import Analysis

        per_call = Counter(s.scalars(select(Analysis.call_id)).all())
        assert len(per_call) == len(sent) and set(per_call.values()) == {1}

    status, metrics = web.get("/metrics", token="production-test-metrics")
    assert status == 200 and 'hotline_jobs{status="done"}' in metrics, metrics[:500]

    with capsys.disabled():
        latencies = sorted(s.latency_ms for r in results for s in r.steps if s.kind == "webhook" and s.latency_ms)
        print(f"\nproduction run: {len(run)} calls (after {len(warm)} warm-up calls), 20 in flight, {wall_s:.1f} s wall; "
              f"killed web worker {kills['web']} and the Celery worker after {kills['at_done']} calls "
              f"({kills['in_flight']} in flight); callers saw {len(failed)} failed call(s)"
              f"{': ' + '; '.join(sorted({r.error.split(':')[0] for r in failed})) if failed else ''}; "
              f"{len(unseen)} of them recorded from the status callback alone (first webhook lost); {len(dropped)} media stream(s) dropped mid-call; {len(sent)} recordings -> {len(sent)} analyses, "
              f"{len(retried)} job(s) re-run after the kill; webhook p50 {latencies[len(latencies) // 2]:.0f} ms, "
              f"p99 {latencies[int(len(latencies) * 0.99)]:.0f} ms")


def test_broker_down_calls_are_routed_jobs_wait_and_drain_when_a_worker_starts(deployment, audio, capsys):
    from qa.store import AnalysisStore, JobQueue

    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    web = deployment.web("gunicorn-broker-down.log", workers=1, qa_broker_url=closed)
    status, body = web.get("/readyz")
    assert status == 503 and '"broker"' in body and '"ok":false' in body.replace(" ", ""), body
    assert web.get("/healthz")[0] == 200  # alive: the load balancer's readiness says why it is not ready
    target = deployment.target(web)
    results, wall_s = run_calls(target, [scenario(i) for i in range(12)], audio, jobs=6)
    assert [r.error or r.mismatches for r in results if not r.passed] == []  # answered and routed
    recording_latency = [s.latency_ms for r in results for s in r.steps if "RecordingSid=" in s.text]
    # every recording callback was answered (the notice never holds it: tests/qa/test_qa_celery_notifier.py)
    assert len(recording_latency) == 12, recording_latency
    assert "could not reach the Celery broker" in deployment.log("gunicorn-broker-down.log", 10**7)

    queue = JobQueue(target.store)
    jobs = queue.list(limit=100)
    assert len(jobs) == 12 and {(j.status, j.attempts) for j in jobs} == {("pending", 0)}
    worker = deployment.celery("celery-good-broker.log")  # the broker is back for this worker
    wait_until(lambda: queue.counts().get("done", 0) == 12, 90, "jobs drained", procs=[worker])
    jobs = queue.list(limit=100)
    assert {(j.status, j.attempts) for j in jobs} == {("done", 1)}
    analyses = AnalysisStore(target.store)
    assert all(analyses.get(r.call_sid) is not None for r in results)
    with capsys.disabled():
        print(f"\nbroker down: 12 calls routed in {wall_s:.1f} s, recording webhook at most "
              f"{max(recording_latency):.0f} ms, 12 jobs waited and drained when a worker started")
