"""``hotline db init|check``: create or check the call-record tables."""

from __future__ import annotations

import click

from ivr.cli._common import settings_from, user_errors
from qa.store import CallStore, StoreError


@click.group()
def db() -> None:
    """Manage the call-record database (SQLite by default, PostgreSQL by URL)."""


@db.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the tables (idempotent) and seed the demo order backend."""
    from pathlib import Path

    from ivr.orders import OrderBackendError, SqliteOrderBackend

    settings = settings_from(ctx)
    Path(settings.instance_path).mkdir(parents=True, exist_ok=True)
    with user_errors(StoreError, OrderBackendError):
        version = CallStore(settings.resolved_database_url).init_schema()
        orders = SqliteOrderBackend(settings.resolved_orders_database_url).seed_demo()
    click.echo(f"database ready (schema version {version}); demo orders: {orders}")


@db.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check that the database is reachable and has this version's schema."""
    settings = settings_from(ctx)
    with user_errors(StoreError):
        CallStore(settings.resolved_database_url).check_schema()
    click.echo("database ok")
