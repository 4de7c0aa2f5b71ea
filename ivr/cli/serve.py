"""``hotline serve``: run the IVR web app (webhooks + health) on this machine."""

from __future__ import annotations

import logging
from dataclasses import replace

import click

from ivr.cli._common import settings_from, user_errors
from ivr.config import ConfigError, Settings
from ivr.flow import FlowError
from ivr.orders import OrderBackendError
from qa.store import StoreError


@click.command()
@click.option("--host", default=None, help="Interface to listen on (default: settings.host, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: settings.port, 5000).")
@click.option("--dev", is_flag=True, help="Development: accept unsigned webhooks (never in production).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, dev: bool) -> None:
    """Run the hotline IVR: Twilio webhooks under /twilio, health at /healthz.

    With no configuration it uses embedded defaults: SQLite in ./instance and the demo
    order backend. For production run it under gunicorn: gunicorn 'ivr.app:create_app()'.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    overrides = {"disable_signature_check": True} if dev else {}
    settings = settings_from(ctx, overrides)
    host = host or settings.host
    port = port or settings.port
    if settings.public_url == Settings().public_url:
        # no public URL configured: action and stream URLs point at this local server
        settings = replace(settings, public_url=f"http://{host}:{port}")
    from ivr.app import create_app

    with user_errors(ConfigError, FlowError, StoreError, OrderBackendError):
        app = create_app(settings)
    click.echo(f"hotline: flow {app.extensions['hotline'].flow.id} on http://{host}:{port} "
               f"(Twilio voice webhook: {settings.public_url.rstrip('/')}/twilio/voice)")
    pool = None
    if settings.qa_jobs == "local" and settings.qa_workers > 0:
        from qa.jobs.local import LocalWorkerPool

        # post-call jobs on this machine, beside the web app (qa_jobs = celery: run `hotline worker --celery`)
        pool = LocalWorkerPool(settings).start()
        click.echo(f"hotline: {pool.workers} post-call worker(s) for recorded calls")
    try:
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    finally:
        if pool is not None:
            pool.stop()
