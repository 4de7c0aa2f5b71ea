"""The durable job queue on SQLite and PostgreSQL: idempotent enqueue, atomic claims under
concurrency, leases that outlive dead workers, bounded retries that end visibly failed."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import timedelta

import pytest

from qa.store import CallStore, JobQueue, StateConflict
from qa.store.models import utcnow


@pytest.fixture
def jobs(store):
    return JobQueue(store)


def test_enqueue_is_idempotent_and_a_done_job_is_not_redone(jobs):
    job, created = jobs.enqueue("analyse", "analyse:RE1", {"recording_sid": "RE1"})
    assert created and (job.status, job.attempts, job.max_attempts, job.payload) == (
        "pending", 0, 3, {"recording_sid": "RE1"})
    again, created_again = jobs.enqueue("analyse", "analyse:RE1", {"recording_sid": "other"})
    assert not created_again and again.id == job.id and again.payload == {"recording_sid": "RE1"}
    claimed = jobs.claim("w1")
    jobs.complete(claimed.id, "w1")
    done, created = jobs.enqueue("analyse", "analyse:RE1", {"recording_sid": "RE1"})
    assert (done.status, created) == ("done", False) and done.finished_at is not None
    assert jobs.claim("w1") is None
    redo, created = jobs.enqueue("analyse", "analyse:RE1", {"recording_sid": "RE1", "v": 2}, force=True)
    assert created and (redo.id, redo.status, redo.attempts, redo.payload["v"]) == (job.id, "pending", 0, 2)
    assert jobs.get_by_key("analyse:RE1").status == "pending" and jobs.get_by_key("nope") is None
    assert jobs.counts() == {"pending": 1, "running": 0, "done": 0, "failed": 0}


def test_claim_takes_due_jobs_oldest_first_and_of_the_asked_kinds(jobs):
    first, _ = jobs.enqueue("analyse", "a:1", {})
    jobs.enqueue("rerun", "r:1", {})
    jobs.enqueue("analyse", "a:later", {}, run_after=utcnow() + timedelta(hours=1))
    claimed = jobs.claim("w1", kinds=["analyse"])
    assert (claimed.id, claimed.status, claimed.worker, claimed.attempts) == (first.id, "running", "w1", 1)
    assert claimed.lease_until > utcnow() + timedelta(seconds=800)
    assert jobs.claim("w1", kinds=["analyse"]) is None  # the other analyse job is not due yet
    assert jobs.claim("w2").key == "r:1"
    assert jobs.claim("w2") is None
    assert [j.key for j in jobs.list(status="running")] == ["r:1", "a:1"]
    with pytest.raises(ValueError, match="unknown job status"):
        jobs.list(status="stuck")


def _claim_all(url: str, worker: str) -> list[int]:
    store = CallStore(url)
    queue = JobQueue(store)
    taken = []
    try:
        while (job := queue.claim(worker)) is not None:
            taken.append(job.id)
            queue.complete(job.id, worker)
    finally:
        store.engine.dispose()
    return taken


def test_racing_processes_never_claim_a_job_twice(db_url, jobs):
    ids = [jobs.enqueue("analyse", f"a:{n}", {"n": n})[0].id for n in range(40)]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.starmap(_claim_all, [(db_url, "proc-a"), (db_url, "proc-b")])
    taken = [i for r in results for i in r]
    assert sorted(taken) == ids  # every job once: none twice, none lost
    assert jobs.counts()["done"] == 40


def test_racing_threads_never_claim_a_job_twice(db_url, jobs):
    ids = [jobs.enqueue("analyse", f"a:{n}", {})[0].id for n in range(30)]
    results: dict[str, list[int]] = {}
    threads = [threading.Thread(target=lambda w=w: results.__setitem__(w, _claim_all(db_url, w)))
               for w in ("t1", "t2", "t3")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(i for r in results.values() for i in r) == ids


def test_a_dead_workers_job_is_taken_over_when_its_lease_expires(jobs):
    job, _ = jobs.enqueue("analyse", "a:1", {})
    jobs.claim("dead-worker", lease_s=0)
    time.sleep(0.01)
    taken = jobs.claim("w2", lease_s=60)
    assert (taken.id, taken.worker, taken.attempts) == (job.id, "w2", 2)
    with pytest.raises(StateConflict, match="not held by dead-worker"):
        jobs.complete(job.id, "dead-worker")
    renewed = jobs.heartbeat(job.id, "w2", lease_s=3600)
    assert renewed.lease_until > utcnow() + timedelta(seconds=3500)
    assert jobs.claim("w3") is None  # a live lease is respected
    assert jobs.complete(job.id, "w2").status == "done"


def test_failures_are_retried_a_bounded_number_of_times_then_failed_with_the_reason(jobs):
    job, _ = jobs.enqueue("analyse", "a:1", {}, max_attempts=2)
    jobs.claim("w1")
    again = jobs.fail(job.id, "w1", "HTTP 503 from api.twilio.com", retry_in_s=0)
    assert (again.status, again.attempts, again.last_error) == ("pending", 1, "HTTP 503 from api.twilio.com")
    jobs.claim("w1")
    failed = jobs.fail(job.id, "w1", "HTTP 503 again", retry_in_s=0)
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 2, "HTTP 503 again")
    assert failed.finished_at is not None
    assert jobs.claim("w1") is None
    assert [j.last_error for j in jobs.list(status="failed")] == ["HTTP 503 again"]
    assert jobs.counts()["failed"] == 1
    retried = jobs.retry(job.id)
    assert (retried.status, retried.attempts, retried.last_error) == ("pending", 0, "HTTP 503 again")
    assert jobs.claim("w1").id == job.id
    with pytest.raises(StateConflict, match="only a failed or done job"):
        jobs.retry(job.id)


def test_retry_waits_and_permanent_failures_stop_at_once(jobs):
    slow, _ = jobs.enqueue("analyse", "a:slow", {})
    jobs.claim("w1")
    assert jobs.fail(slow.id, "w1", "disk full", retry_in_s=60).run_after > utcnow() + timedelta(seconds=50)
    assert jobs.claim("w1") is None
    bad, _ = jobs.enqueue("analyse", "a:bad", {}, max_attempts=5)
    jobs.claim("w1")
    dead = jobs.fail(bad.id, "w1", "recording is mono", retry_in_s=0, permanent=True)
    assert (dead.status, dead.attempts, dead.last_error) == ("failed", 1, "recording is mono")


def test_a_job_that_kills_its_worker_every_time_ends_failed(jobs):
    job, _ = jobs.enqueue("analyse", "a:poison", {}, max_attempts=1)
    jobs.claim("w1", lease_s=0)
    time.sleep(0.01)
    assert jobs.claim("w2") is None
    failed = jobs.get(job.id)
    assert failed.status == "failed" and "lease expired" in failed.last_error and "w1" in failed.last_error


def test_jobs_survive_a_restart_and_recover_puts_stopped_workers_jobs_back(db_url, store, jobs):
    first, _ = jobs.enqueue("analyse", "a:1", {})
    second, _ = jobs.enqueue("analyse", "a:2", {})
    third, _ = jobs.enqueue("analyse", "a:3", {})
    jobs.claim("host1:pid7")
    jobs.claim("host2:pid9")
    store.engine.dispose()

    restarted = JobQueue(CallStore(db_url))  # a new process on the same database
    assert restarted.recover("host1:") == 1
    back = restarted.get(first.id)
    assert (back.status, back.attempts, back.worker) == ("pending", 0, None)
    assert restarted.get(second.id).status == "running"  # host2 is alive: untouched
    assert {restarted.claim("host1:pid8").id, restarted.claim("host1:pid8").id} == {first.id, third.id}
    assert restarted.recover() == 3
    restarted.store.engine.dispose()
