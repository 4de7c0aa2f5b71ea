"""``hotline simulate``: replay scripted calls and WAV files through hotline exactly as Twilio would."""

from __future__ import annotations

import contextlib
import logging
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import click

from ivr.cli._common import settings_from, user_errors


@click.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--url", default=None, help="A running hotline server (default: start one in this process).")
@click.option("--realtime", is_flag=True, help="Pace the caller's line at 20 ms per frame (default: as fast as the "
                                              "server keeps up).")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Calls at the same time.")
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON instead of traces and a table.")
@click.option("--quiet", is_flag=True, help="Only the summary table (no trace per call).")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Keep synthesised audio here between runs.")
@click.pass_context
def simulate(ctx: click.Context, scenarios: tuple[str, ...], url: str | None, realtime: bool, jobs: int,
             as_json: bool, quiet: bool, cache_dir: str | None) -> None:
    """Replay SCENARIO (.yaml) or WAV files as phone calls: signed webhooks, the signed media
    stream, REST call updates, status and recording callbacks, just as Twilio sends them.

    Prints each call's trace (TwiML steps, prompts, what was heard, latencies) and a summary;
    exits 1 when a call breaks an expectation of its scenario.

    Without --url hotline runs in this process on embedded defaults (temporary SQLite, the
    built-in speech model). With --url the server must send its call updates to the
    simulator: its twilio_api_base_url must be a 127.0.0.1 address, where the simulator then
    serves Twilio's REST API; the same configuration (auth token, database) is read here.
    """
    import ivr.simulator as sim

    with quiet_logs(), user_errors(sim.SimulatorError):
        loaded = sim.load_all(scenarios)
        with contextlib.ExitStack() as stack:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hotline-simulate-")))
            if url:
                target = stack.enter_context(remote_target(ctx, url))
            else:
                target = stack.enter_context(sim.embedded_hotline(work / "instance"))
            audio = sim.AudioMaker(cache_dir or work / "audio")
            results = sim.run_calls(target, loaded, audio=audio, realtime=realtime, jobs=jobs)
    if as_json:
        click.echo(sim.as_json(results))
    else:
        if not quiet:
            for result in results:
                click.echo(sim.trace(result) + "\n")
        click.echo(sim.summary(results))
    if not all(r.passed for r in results):
        ctx.exit(1)


@contextlib.contextmanager
def quiet_logs(names=("werkzeug", "ivr", "qa", "asr", "emotion")):
    """Only errors are logged while calls run (the trace says what happened); levels restored after."""
    loggers = [logging.getLogger(name) for name in names]
    saved = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, saved):
            logger.setLevel(level)


@contextlib.contextmanager
def remote_target(ctx: click.Context, url: str):
    """A running server as the target; the REST stand-in listens where its settings send updates."""
    import ivr.simulator as sim
    from ivr.simulator.server import ServerThread

    sim.check_reachable(url)
    settings = settings_from(ctx)
    api = urlparse(settings.twilio_api_base_url)
    if api.hostname not in ("127.0.0.1", "localhost") or not api.port:
        raise click.ClickException(
            f"the server moves calls through {settings.twilio_api_base_url}; for the simulator set "
            f"twilio_api_base_url = \"http://127.0.0.1:5099\" (HOTLINE_TWILIO_API_BASE_URL) on the server")
    if not settings.twilio_auth_token and not settings.disable_signature_check:
        raise click.ClickException("no twilio_auth_token configured: the simulator signs with the server's token")
    account = settings.twilio_account_sid or "AC" + "0" * 32
    rest = sim.TwilioRest(account, settings.twilio_auth_token or "unset")
    from qa.store import CallStore

    store = CallStore(settings.resolved_database_url)  # the server's call records, for expectations
    public = settings.public_url if settings.public_url != type(settings)().public_url else url
    try:
        server = ServerThread(rest.wsgi, api.port)
    except OSError as exc:
        raise click.ClickException(f"cannot serve Twilio's REST API on {settings.twilio_api_base_url}: {exc}") from exc
    with server:
        yield sim.Target(base_url=url, public_url=public, auth_token=settings.twilio_auth_token or "unset",
                         account_sid=account, rest=rest, rest_url=server.url, store=store)
