"""``hotline worker``: run post-call jobs — local worker processes, or a Celery worker on the Redis broker."""

from __future__ import annotations

import logging
import signal
import threading

import click

from ivr.cli._common import open_store, settings_from, user_errors
from ivr.logs import configure as configure_logs
from qa.errors import QAError
from qa.store import StoreError


@click.command()
@click.option("--jobs", "workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: qa_workers).")
@click.option("--celery", "use_celery", is_flag=True,
              help="Be a Celery worker on qa_broker_url (the web app must run with qa_jobs = celery).")
@click.option("--once", is_flag=True, help="Run the jobs that are due now in this process, then exit.")
@click.pass_context
def worker(ctx: click.Context, workers: int | None, use_celery: bool, once: bool) -> None:
    """Run post-call jobs (transcription, emotion, rules, redaction) until stopped.

    Each worker loads the speech model once and keeps it. Jobs left pending or held by a
    worker that died are picked up again.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = settings_from(ctx)
    configure_logs(settings.log_format)  # log_format = json: JSON lines with the job's call SID
    with user_errors(StoreError, QAError):
        store = open_store(settings)
        if once:
            from qa.jobs import JobRunner
            from qa.jobs.services import build_services

            done = JobRunner.from_settings(settings, build_services(settings, store), tag="once").drain()
            click.echo(f"ran {len(done)} job(s): " + ", ".join(f"#{j.id} {j.status}" for j in done))
            return
        if use_celery:
            from qa.jobs.celery_app import make_celery

            app = make_celery(settings)
            app.worker_main(["worker", "--loglevel=INFO", f"--concurrency={workers or settings.qa_workers or 1}",
                             "--pool=prefork", "-Q", "hotline-qa", "--without-gossip", "--without-mingle"])
            return
    from qa.jobs.local import LocalWorkerPool

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    pool = LocalWorkerPool(settings, workers or max(1, settings.qa_workers)).start()
    click.echo(f"hotline worker: {pool.workers} process(es) on {store.engine.url.render_as_string(hide_password=True)}")
    try:
        while not stop.wait(1.0):
            if pool.alive < pool.workers:
                click.echo("a worker process ended; stopping", err=True)
                break
    finally:
        pool.stop()
