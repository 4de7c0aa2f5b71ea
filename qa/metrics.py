"""Prometheus metrics of post-call jobs: time per try and failures, observed by :class:`qa.jobs.JobRunner`
(outside the ``qa.jobs`` package, so the web app reads the queue depth without importing the pipeline).

Workers are processes of their own: their numbers reach ``/metrics`` through prometheus_client's
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR`` shared by the web app and the workers of one
machine). The queue's depth is read from the job table at scrape time instead
(:class:`JobQueueCollector`), so it is right whichever process or machine runs the jobs.
"""

from __future__ import annotations

import logging
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

from qa.store import JobQueue, JobRecord, StoreError
from qa.store.jobs import JobStats

log = logging.getLogger(__name__)

#: seconds: a short call's analysis takes seconds, a long one minutes
JOB_BUCKETS = (0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800)
#: processing seconds per audio second (live streams, and post-call jobs)
RTF_BUCKETS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 5.0)


def job_result(ended: JobRecord) -> str:
    """done, retry (failed, will be tried again) or failed (for good)."""
    return {"done": "done", "failed": "failed"}.get(ended.status, "retry")


class JobMetrics:
    """A :data:`qa.jobs.runner.JobObserver`: called once per try with the job as it ended."""

    def __init__(self, registry):
        self.seconds = Histogram("hotline_job_seconds", "Time of one try of a post-call job, by kind and result",
                                 ["kind", "result"], buckets=JOB_BUCKETS, registry=registry)
        self.failures = Counter("hotline_job_failures", "Failed tries of post-call jobs (permanent: not retried)",
                                ["kind", "permanent"], registry=registry)
        self.real_time_factor = Histogram("hotline_job_real_time_factor",
                                          "Seconds of a done post-call job per second of the call's audio",
                                          ["kind"], buckets=RTF_BUCKETS, registry=registry)

    def __call__(self, job: JobRecord, seconds: float, ended: JobRecord, summary: dict | None = None) -> None:
        result = job_result(ended)
        self.seconds.labels(job.kind, result).observe(seconds)
        if result != "done":
            self.failures.labels(job.kind, "true" if result == "failed" else "false").inc()
        elif summary and (summary.get("audio_s") or 0) > 0:
            self.real_time_factor.labels(job.kind).observe(seconds / summary["audio_s"])


class JobQueueCollector:
    """``hotline_jobs{status}``: jobs per status in the durable table, read at scrape time; with
    ``hotline_jobs_finished_recent{status}``, ``hotline_job_latency_recent_seconds{quantile}`` (enqueue
    to done) over the last ``window_s`` and ``hotline_jobs_oldest_due_seconds``, also from the table,
    so they count every worker on every machine (the per-try histograms above reach a scrape only
    from workers of the web app's machine).

    One ``GROUP BY`` on a worker thread with a deadline (``timeout_s``) and cached for ``cache_s``,
    so a slow or unreachable database never holds a scrape (it gets the last numbers and
    ``hotline_jobs_stale 1``) and scrapes in a burst cost one query.
    """

    def __init__(self, queue: JobQueue, *, timeout_s: float = 0.5, cache_s: float = 10.0, window_s: float = 900.0):
        self.queue = queue
        self.window_s = window_s
        self._stats: JobStats | None = None
        self.timeout_s = timeout_s
        self.cache_s = cache_s
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="metrics-jobs")
        self._pending = None
        self._counts: dict[str, int] | None = None
        self._read_at = float("-inf")
        self._stale = True

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._read_at < self.cache_s and not self._stale:
            return
        if self._pending is None or self._pending.done():
            self._pending = self._pool.submit(lambda: (self.queue.counts(), self.queue.stats(self.window_s)))
        try:
            self._counts, self._stats = self._pending.result(timeout=self.timeout_s)
            self._read_at, self._stale = now, False
        except FutureTimeout:
            self._stale = True  # the query goes on; a later scrape picks its answer up
        except StoreError as exc:
            log.warning("metrics: job queue depth unavailable: %s", exc)
            self._pending, self._stale = None, True

    def collect(self):
        self._refresh()
        jobs = GaugeMetricFamily("hotline_jobs", "Post-call jobs in the durable table, by status", labels=["status"])
        for status, count in (self._counts or {}).items():
            jobs.add_metric([status], count)
        yield jobs
        if self._stats is not None:
            yield from self._recent(self._stats)
        yield GaugeMetricFamily("hotline_jobs_stale", "1 when the job counts could not be read at the last scrape",
                                value=1 if self._stale else 0)

    @staticmethod
    def _recent(stats: JobStats):
        window = f"{stats.window_s:g} s"
        finished = GaugeMetricFamily("hotline_jobs_finished_recent", f"Post-call jobs finished in the last {window}, "
                                     "by final status (every worker, from the job table)", labels=["status"])
        for status, count in stats.finished.items():
            finished.add_metric([status], count)
        yield finished
        latency = GaugeMetricFamily("hotline_job_latency_recent_seconds", f"Enqueue to done of the post-call jobs "
                                    f"done in the last {window} (quantile 1 = the slowest)", labels=["quantile"])
        for q in LATENCY_QUANTILES:
            latency.add_metric([f"{q:g}"], quantile(stats.latencies_s, q))
        yield latency
        yield GaugeMetricFamily("hotline_jobs_oldest_due_seconds", "How long the oldest due post-call job has waited",
                                value=stats.oldest_due_s)

    def describe(self):
        return []


#: quantiles of the recent job latency exported
LATENCY_QUANTILES = (0.5, 0.95, 1.0)


def quantile(sorted_values: list[float], q: float) -> float:
    """The nearest-rank ``q`` quantile of sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))]


def multiprocess_dir() -> str:
    """prometheus_client's multiprocess folder ("" when each process keeps its own numbers)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def worker_observer() -> JobMetrics | None:
    """A worker process's job metrics when they can reach a scrape (multiprocess mode), else None."""
    return JobMetrics(CollectorRegistry()) if multiprocess_dir() else None
