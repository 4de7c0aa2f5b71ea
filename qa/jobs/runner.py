"""Running post-call jobs from the durable job table: claim, run, complete or fail with a reason.

The job table is the truth in both deployments: the local worker pool polls it, Celery
workers are only told "there is work" and claim from it too. So a job is done once (the
claim is atomic), survives a crash (a dead worker's lease runs out and the job is claimed
again), and a failure keeps its reason, is retried with backoff a bounded number of times
and then stays visible as failed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from typing import Any, Callable

from ivr.logs import call_context
from qa.errors import QAError
from qa.pipeline import ANALYZE_RECORDING, JobServices, analyze_recording
from qa.store import JobQueue, JobRecord, StoreError, StoreUnavailable

log = logging.getLogger(__name__)

#: seconds a claimed job stays ours without a heartbeat (qa_job_lease_s); heartbeats come 4 times a lease
LEASE_S = 120

#: told about every try: the job as claimed, seconds it took, the job as it ended, and the handler's
#: summary (None when it failed); e.g. qa.metrics.JobMetrics
JobObserver = Callable[[JobRecord, float, JobRecord, "dict[str, Any] | None"], None]

HANDLERS: dict[str, Callable[[dict[str, Any], JobServices], dict[str, Any]]] = {
    ANALYZE_RECORDING: analyze_recording,
}


def worker_name(tag: str = "local") -> str:
    return f"{tag}:{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


def _describe(exc: BaseException) -> tuple[str, bool]:
    """(message kept on the job, whether to try again)."""
    if isinstance(exc, QAError):
        return str(exc), exc.retryable
    if isinstance(exc, StoreUnavailable):
        return f"database unavailable: {exc}", True
    if isinstance(exc, StoreError):
        return f"database error: {exc}", True
    if isinstance(exc, MemoryError):
        return "out of memory", True
    # a bug: keep where it happened, do not hammer it
    return f"internal error: {exc.__class__.__name__}: {exc} ({traceback.format_exc(limit=-3).strip()})", False


class JobRunner:
    """Claims and runs jobs one at a time; one per worker process (it owns the loaded models)."""

    def __init__(self, services: JobServices, *, name: str | None = None, retry_s: float = 30.0,
                 lease_s: int = LEASE_S, observer: JobObserver | None = None):
        self.services = services
        self.observer = observer
        self.queue = JobQueue(services.store)
        self.name = name or worker_name()
        self.retry_s = retry_s
        self.lease_s = lease_s

    @classmethod
    def from_settings(cls, settings, services: JobServices, tag: str = "local",
                      observer: JobObserver | None = None) -> "JobRunner":
        return cls(services, name=worker_name(tag), retry_s=settings.qa_retry_s, lease_s=settings.qa_job_lease_s,
                   observer=observer)

    def run_next(self) -> JobRecord | None:
        """Claim one due job and run it; returns the job as it ended, or None when there was none."""
        job = self.queue.claim(self.name, lease_s=self.lease_s, kinds=list(HANDLERS))
        if job is None:
            return None
        return self.run(job)

    def run(self, job: JobRecord) -> JobRecord:
        started = time.perf_counter()
        with call_context(job.payload.get("call_sid")):
            ended, result = self._run(job)
        if self.observer is not None:
            self.observer(job, time.perf_counter() - started, ended, result)
        return ended

    def _run(self, job: JobRecord) -> tuple[JobRecord, dict[str, Any] | None]:
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(job.id, stop), daemon=True)
        beat.start()
        try:
            result = HANDLERS[job.kind](dict(job.payload), self.services)
        except Exception as exc:  # noqa: BLE001 - every failure is kept on the job
            message, retryable = _describe(exc)
            retry_in = self.retry_s * (2 ** max(0, job.attempts - 1))
            log.error("job %s (%s) failed on try %d: %s", job.id, job.key, job.attempts, message)
            stop.set()
            return self._fail(job, message, retry_in, not retryable), None
        finally:
            stop.set()
            beat.join(timeout=5)
        log.info("job %s (%s) done: %s", job.id, job.key, result)
        self.queue.complete(job.id, self.name)
        return self.queue.get(job.id), result

    def _fail(self, job: JobRecord, message: str, retry_in: float, permanent: bool) -> JobRecord:
        try:
            return self.queue.fail(job.id, self.name, message, retry_in_s=retry_in, permanent=permanent)
        except StoreError as exc:
            # the database is down too: the lease runs out and the job is claimed again later
            log.error("could not record the failure of job %s (%s); it will be retried", job.id, exc)
            return job

    def _heartbeat(self, job_id: int, stop: threading.Event) -> None:
        while not stop.wait(self.lease_s / 4):
            try:
                self.queue.heartbeat(job_id, self.name, self.lease_s)
            except StoreError as exc:
                log.warning("heartbeat of job %s failed: %s", job_id, exc)

    def drain(self, limit: int | None = None) -> list[JobRecord]:
        """Run due jobs until none is left (or ``limit`` ran); for the CLI and tests."""
        done: list[JobRecord] = []
        while limit is None or len(done) < limit:
            job = self.run_next()
            if job is None:
                break
            done.append(job)
        return done

    def serve(self, stop: threading.Event, poll_s: float = 1.0) -> None:
        """Run jobs until ``stop`` is set; a database outage only pauses the loop."""
        log.info("post-call worker %s ready", self.name)
        while not stop.is_set():
            try:
                job = self.run_next()
            except StoreError as exc:
                log.error("job queue unavailable: %s; trying again in %.0f s", exc, 5 * poll_s)
                stop.wait(5 * poll_s)
                continue
            if job is None:
                stop.wait(poll_s)
