"""Queueing the post-call job of a recording (from the recording webhook, the CLI or a test)."""

from __future__ import annotations

import logging
from typing import Any

from qa.pipeline import ANALYZE_RECORDING, job_key
from qa.store import JobQueue, JobRecord

log = logging.getLogger(__name__)


def submit_recording(queue: JobQueue, *, call_sid: str, recording_sid: str, url: str = "", path: str = "",
                     recording_start: str = "", max_attempts: int = 3, notifier=None, force: bool = False,
                     **extra: Any) -> tuple[JobRecord, bool]:
    """One job per recording (the same recording twice is one job); returns ``(job, created)``.

    ``notifier`` (Celery) is told there is work; without one the local pool polls the table.
    """
    payload = {"call_sid": call_sid, "recording_sid": recording_sid, "url": url, "path": path,
               "recording_start": recording_start, **extra}
    job, created = queue.enqueue(ANALYZE_RECORDING, job_key(recording_sid), payload, max_attempts=max_attempts,
                                 force=force)
    if (created or force) and notifier is not None:
        notifier.notify()
    return job, created
