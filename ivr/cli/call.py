"""``hotline call``: an interactive call from the terminal (the developer softphone)."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import click

from ivr.cli._common import user_errors


@click.command()
@click.option("--url", default=None, help="A running hotline server (default: start one in this process).")
@click.pass_context
def call(ctx: click.Context, url: str | None) -> None:
    """Call hotline from the terminal, as a phone would through Twilio.

    Prompts play through the speakers (local synthesis). Type keys (1, 289123456789#), or what
    you would say (it is synthesised in a caller's voice and streamed), /mic to speak for 3 s,
    Enter alone to stay silent, /hangup to end. What hotline heard is shown as it happens.
    """
    import ivr.simulator as sim
    from ivr.cli.simulate import quiet_logs, remote_target
    from ivr.simulator.softphone import Softphone, microphone_recorder, open_speaker

    speaker, why = open_speaker()
    if speaker is None:
        click.echo(why)
    with quiet_logs(), user_errors(sim.SimulatorError), contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hotline-call-")))
        target = stack.enter_context(remote_target(ctx, url) if url else sim.embedded_hotline(work / "instance"))
        phone = Softphone(target, sim.AudioMaker(work / "audio"), out=click.get_text_stream("stdout"),
                          speaker=speaker, record_mic=microphone_recorder() if speaker else None)
        result = phone.run()
    if speaker is not None:
        speaker.close()
    facts = result.facts
    click.echo(f"call ended: {facts.outcome if facts else '-'}"
               + (f", queue {facts.queue}" if facts and facts.queue else "")
               + (f" ({result.error})" if result.error else ""))
