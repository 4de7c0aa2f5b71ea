"""``hotline analytics``: the supervisor's summary and voice-of-customer spike alerts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import click

from ivr.cli._common import open_store, settings_from, user_errors
from qa.store import StoreError


def _moment(value: str | None, zone: str, option: str) -> datetime | None:
    """An ISO date or date-time; without a zone it is on the hotline's clock (qa_timezone)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date or time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
                                 param_hint=option) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))


@click.group()
def analytics() -> None:
    """What callers want and where they struggle; spikes above each series' own baseline."""


@analytics.command()
@click.option("--since", default=None, help="From this date/time (qa_timezone unless it has a zone; default 7 days ago).")
@click.option("--until", default=None, help="Up to this date/time (default now).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def summary(ctx: click.Context, since: str | None, until: str | None, as_json: bool) -> None:
    """Calls per day by intent and skill, containment, abandonment and failures by node, emotion, queues."""
    from qa.analytics import summarize

    settings = settings_from(ctx)
    end = _moment(until, settings.qa_timezone, "--until") or datetime.now(timezone.utc)
    start = _moment(since, settings.qa_timezone, "--since") or end - timedelta(days=7)
    with user_errors(StoreError):
        result = summarize(open_store(settings), start, end, timezone=settings.qa_timezone)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    _print_summary(result)


def _print_summary(s) -> None:
    echo = click.echo
    zone = ZoneInfo(s.timezone)
    echo(f"{s.calls} calls from {s.since.astimezone(zone):%Y-%m-%d %H:%M} to {s.until.astimezone(zone):%Y-%m-%d %H:%M} "
         f"({s.timezone})")
    c = s.containment
    rate = f"{c.rate:.1%}" if c.rate is not None else "-"
    echo(f"\nself-service containment: {rate} ({c.self_served} of {c.finished}; routed {c.routed}, "
         f"abandoned {c.abandoned}, hung up {c.hangup})")
    echo("\ncalls per day by intent and skill:")
    for d in s.per_day:
        echo(f"  {d.day}  {d.intent or '-':<20} {d.skill or '-':<12} {d.calls:>6}")
    echo("\nabandonment by node:")
    for a in s.abandonment:
        echo(f"  {a.node:<24} {a.calls:>6}")
    echo("\nnodes where callers fail most (no input / no match; heard):")
    for f in s.failures:
        heard = ", ".join(f"{text!r} x{n}" for text, n in f.heard)
        echo(f"  {f.node:<24} {f.no_input:>5} {f.no_match:>5}  {heard}")
    echo("\ncaller emotion per skill:")
    for e in s.emotions:
        echo(f"  {e.skill:<12} {e.label:<11} {e.calls:>6} {e.share:>7.1%}")
    echo("\nqueues (calls, mean priority, mean wait s):")
    for q in s.queues:
        echo(f"  {q.skill:<12} {q.calls:>6} {q.avg_priority if q.avg_priority is not None else '-':>8} "
             f"{q.avg_wait_s if q.avg_wait_s is not None else '-':>8}")


@analytics.command()
@click.option("--at", "at", default=None, help="Test the hour containing this time (default: the last complete hour).")
@click.option("--weeks", default=4, show_default=True, type=click.IntRange(1, 52),
              help="Previous weeks whose same hour-of-week form the baseline.")
@click.option("--alpha", default=0.01, show_default=True, type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="False discovery rate across the series tested (Benjamini-Hochberg).")
@click.option("--min-count", default=5, show_default=True, type=click.IntRange(1), help="Fewest calls for an alert.")
@click.option("--min-ratio", default=2.0, show_default=True, type=click.FloatRange(1),
              help="The hour must have this many times the baseline mean.")
@click.option("--regions/--no-regions", default=True, show_default=True,
              help="Also test each series per caller province (from the number).")
@click.option("--json", "as_json", is_flag=True, help="Print the alerts document as JSON.")
@click.option("--post-url", default=None, help="POST the alerts (signed with alerts_secret) here; default alerts_url.")
@click.option("--no-post", is_flag=True, help="Do not send the alerts even when alerts_url is set.")
@click.pass_context
def alerts(ctx: click.Context, at: str | None, weeks: int, alpha: float, min_count: int, min_ratio: float,
           regions: bool, as_json: bool, post_url: str | None, no_post: bool) -> None:
    """Intents, QA categories and caller terms above their own same-hour-of-week baseline."""
    from qa.analytics import AlertDeliveryError, SpikeSettings, find_alerts, payload, post

    overrides = {"alerts_url": post_url} if post_url else None
    settings = settings_from(ctx, overrides)
    url = "" if no_post else settings.alerts_url
    moment = _moment(at, settings.qa_timezone, "--at") or datetime.now(timezone.utc) - timedelta(hours=1)
    with user_errors(StoreError):
        report = find_alerts(open_store(settings), moment, SpikeSettings(weeks, alpha, min_count, min_ratio),
                             by_region=regions)
    document = payload(report)
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        local = report.hour.astimezone(ZoneInfo(settings.qa_timezone))
        click.echo(f"{len(report.alerts)} alert(s) for the hour from {local:%Y-%m-%d %H:%M} ({settings.qa_timezone}); "
                   f"{len(report.tests)} series tested against the same hour of the previous {weeks} weeks")
        for t in report.alerts:
            ratio = f"x{t.ratio:.1f}" if t.ratio is not None else "new"
            click.echo(f"  {t.key.label():<40} {t.count:>4} calls  baseline {list(t.baseline)}  {ratio}  "
                       f"q={t.q_value:.2g}")
    if url and report.alerts:
        with user_errors(AlertDeliveryError):
            post(url, settings.alerts_secret, document)
        click.echo(f"posted {len(report.alerts)} alert(s) to {url}", err=as_json)
