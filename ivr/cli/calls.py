"""``hotline calls list|show``: look at call records from the terminal."""

from __future__ import annotations

import json

import click

from ivr.cli._common import settings_from, user_errors
from qa.store import CallStore, StoreError


@click.group()
def calls() -> None:
    """List and show recorded calls."""


@calls.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000))
@click.option("--outcome", type=click.Choice(["in_ivr", "self_served", "routed", "abandoned", "hangup"]))
@click.option("--skill", default=None)
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
@click.pass_context
def list_(ctx: click.Context, limit: int, outcome: str | None, skill: str | None, as_json: bool) -> None:
    """The most recent calls, newest first."""
    settings = settings_from(ctx)
    with user_errors(StoreError):
        store = CallStore(settings.resolved_database_url)
        store.check_schema()
        records = store.list_calls(limit=limit, outcome=outcome, skill=skill)
    for r in records:
        if as_json:
            click.echo(json.dumps(r.to_dict(), ensure_ascii=False))
        else:
            click.echo(f"{r.started_at:%Y-%m-%d %H:%M:%S}  {r.sid:<36} {r.caller:<16} {r.outcome:<12} "
                       f"{r.skill or '-':<12} {r.priority if r.priority is not None else '-':>3}  {r.final_node or ''}")
    if not records and not as_json:
        click.echo("no calls")


@calls.command()
@click.argument("sid")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def show(ctx: click.Context, sid: str, as_json: bool) -> None:
    """One call with its path through the menu and the routing reasons."""
    settings = settings_from(ctx)
    with user_errors(StoreError):
        store = CallStore(settings.resolved_database_url)
        store.check_schema()
        r = store.get_call(sid)
    if as_json:
        click.echo(json.dumps(r.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"call {r.sid} from {r.caller or '?'} ({r.locale})")
    click.echo(f"  started {r.started_at:%Y-%m-%d %H:%M:%S}, status {r.status}, outcome {r.outcome}")
    if r.skill:
        click.echo(f"  routed to {r.skill} (intent {r.intent}, priority {r.priority})")
        for reason in r.reasons:
            click.echo(f"    because: {reason}")
    click.echo("  path:")
    for e in r.events:
        detail = ", ".join(f"{k}={v}" for k, v in e.detail.items())
        click.echo(f"    {e.seq:>3} {e.at:%H:%M:%S} {e.kind:<16} {e.node:<14} {detail}")
