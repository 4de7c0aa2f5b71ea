"""The embedded job executor: worker processes on this machine, jobs in the database (no extra server).

Processes, not threads, so two workers really use two cores (emotion features and parts of
decoding hold the GIL); each loads the model once and keeps it. ``spawn``: a forked child
of a parent that already runs Vosk/OpenBLAS threads can deadlock.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading

log = logging.getLogger(__name__)


def _worker_main(settings, index: int, stop) -> None:
    from ivr.logs import configure
    from qa.metrics import worker_observer
    from qa.jobs.runner import JobRunner
    from qa.jobs.services import build_services

    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s qa-worker-{index} %(levelname)s %(name)s: %(message)s")
    configure(settings.log_format)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us through `stop`
    local_stop = threading.Event()
    threading.Thread(target=lambda: (stop.wait(), local_stop.set()), daemon=True).start()
    services = build_services(settings)
    runner = JobRunner.from_settings(settings, services, tag=f"local{index}", observer=worker_observer())
    runner.serve(local_stop)


class LocalWorkerPool:
    """``workers`` processes running post-call jobs until :meth:`stop`."""

    def __init__(self, settings, workers: int | None = None):
        self.settings = settings
        self.workers = settings.qa_workers if workers is None else workers
        self._ctx = multiprocessing.get_context("spawn")
        self._stop = self._ctx.Event()
        self._procs: list = []

    def start(self) -> "LocalWorkerPool":
        for index in range(self.workers):
            proc = self._ctx.Process(target=_worker_main, args=(self.settings, index, self._stop),
                                     name=f"hotline-qa-worker-{index}", daemon=True)
            proc.start()
            self._procs.append(proc)
        log.info("post-call worker pool: %d process(es)", self.workers)
        return self

    @property
    def alive(self) -> int:
        return sum(1 for p in self._procs if p.is_alive())

    def stop(self, timeout: float = 30.0) -> None:
        """Let running jobs finish (up to ``timeout``), then end the workers."""
        self._stop.set()
        for proc in self._procs:
            proc.join(timeout)
            if proc.is_alive():
                proc.terminate()  # its job's lease runs out and another worker takes it
                proc.join(5)
        self._procs.clear()

    def __enter__(self) -> "LocalWorkerPool":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
