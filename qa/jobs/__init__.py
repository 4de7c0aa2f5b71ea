"""Post-call jobs: the runner over the durable job table, the local worker pool, Celery.

Configuration (``qa_jobs``) chooses the executor; the job function is the same in both.
"""

from qa.jobs.runner import HANDLERS, JobRunner, worker_name
from qa.jobs.submit import submit_recording

__all__ = ["HANDLERS", "JobRunner", "submit_recording", "worker_name"]
