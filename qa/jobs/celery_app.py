"""Post-call jobs on Celery workers with the Redis broker (past one machine).

The broker only carries "there is work" (task ``hotline.qa.run_jobs``); the job itself is
claimed from the job table in the database, exactly as the local pool does. So a lost or
duplicated message never loses or doubles a job: late acknowledgement plus
``reject_on_worker_lost`` redelivers the message of a killed worker, the dead worker's
lease runs out, and a later claim runs the job again. Failed jobs waiting for their retry
are announced again with a countdown.
"""

from __future__ import annotations

import logging
import queue
import threading

from celery import Celery, signals

log = logging.getLogger(__name__)

TASK = "hotline.qa.run_jobs"
QUEUE = "hotline-qa"


def celery_config(broker_url: str) -> dict:
    return {
        "broker_url": broker_url,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": QUEUE,
        "task_ignore_result": True,
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 5,
        "worker_hijack_root_logger": False,
    }


def make_celery(settings) -> Celery:
    """A Celery app whose one task runs due post-call jobs with this process's models."""
    app = Celery("hotline")
    app.conf.update(celery_config(settings.qa_broker_url))
    runners: dict[str, object] = {}  # one JobRunner per worker process, built on its first task

    def runner():
        if "runner" not in runners:
            from qa.metrics import worker_observer
            from qa.jobs.runner import JobRunner
            from qa.jobs.services import build_services

            runners["runner"] = JobRunner.from_settings(settings, build_services(settings), tag="celery",
                                                        observer=worker_observer())
        return runners["runner"]

    @app.task(name=TASK)
    def run_jobs() -> int:
        done = 0
        for job in runner().drain():
            done += 1
            if job.status == "pending" and job.run_after is not None:
                # a failure waiting for its retry: announce it again when it is due
                delay = max(1.0, (job.run_after - _now(job.run_after)).total_seconds())
                run_jobs.apply_async(countdown=delay)
        running = runner().queue.counts().get("running", 0)
        if running:
            # a job held by another (perhaps dead) worker: look again once its lease could have run out
            run_jobs.apply_async(countdown=settings.qa_job_lease_s + 5)
        return done

    @signals.worker_ready.connect(weak=False)
    def _sweep(sender=None, **_):
        # jobs left pending while no worker ran (or the broker was down when they were enqueued)
        run_jobs.apply_async()

    return app


def _now(like):
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    return now if like.tzinfo else now.replace(tzinfo=None)


class CeleryNotifier:
    """Tells Celery workers there is work (from the web process); a broker outage is only logged.

    Messages go out from one thread of the notifier's own, one at a time: kombu's publisher is not
    safe to share between a gunicorn worker's request threads (concurrent sends to a dead broker
    were seen to hang for 50 s), and a webhook waits for its message at most ``wait_s``.
    """

    def __init__(self, broker_url: str, wait_s: float = 0.5):
        self.app = Celery("hotline-publisher")
        self.app.conf.update(celery_config(broker_url))
        # fail at once when the broker is down (kombu would retry for about 6 s); the job row is already
        # safe, and the next notice or a worker's start-up sweep announces it
        self.app.conf.broker_transport_options = {"max_retries": 0}
        self.wait_s = wait_s
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._sender: threading.Thread | None = None

    def notify(self) -> bool:
        """True when the message reached the broker within ``wait_s`` (it may still go out later)."""
        with self._lock:  # started on first use: after gunicorn's fork, in the process that sends
            if self._sender is None or not self._sender.is_alive():
                self._sender = threading.Thread(target=self._send_loop, name="celery-notifier", daemon=True)
                self._sender.start()
        sent, outcome = threading.Event(), []
        self._queue.put((sent, outcome))
        return sent.wait(self.wait_s) and outcome == [True]

    def _send_loop(self) -> None:
        while True:
            sent, outcome = self._queue.get()
            outcome.append(self.send())
            sent.set()

    def send(self) -> bool:
        try:
            self.app.send_task(TASK, queue=QUEUE, retry=False)
        except Exception as exc:  # noqa: BLE001 - kombu raises many kinds; the job row is already safe
            log.error("could not reach the Celery broker (%s): the job stays pending until a worker starts", exc)
            return False
        return True
