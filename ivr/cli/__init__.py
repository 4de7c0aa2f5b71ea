"""The ``hotline`` command line.

Each area keeps its commands in its own module under ``ivr.cli``; the main group
loads a subcommand only when it is invoked, so ``hotline --help`` stays fast and
does not import Vosk, librosa or the synthesis engines.
"""

from __future__ import annotations

import importlib

import click

# command name -> "module:attribute" of a click command or group
SUBCOMMANDS: dict[str, str] = {
    "serve": "ivr.cli.serve:serve",
    "flows": "ivr.cli.flows:flows",
    "db": "ivr.cli.db:db",
    "calls": "ivr.cli.calls:calls",
    "models": "ivr.cli.models:models",
    "transcribe": "ivr.cli.transcribe:transcribe",
    "listen": "ivr.cli.listen:listen",
    "synth": "ivr.cli.synth:synth",
    "emotion": "ivr.cli.emotion:emotion",
    "intents": "ivr.cli.intents:intents",
    "qa": "ivr.cli.qa:qa",
    "worker": "ivr.cli.worker:worker",
    "users": "ivr.cli.users:users",
    "analytics": "ivr.cli.analytics:analytics",
    "simulate": "ivr.cli.simulate:simulate",
    "call": "ivr.cli.call:call",
}

SUMMARIES: dict[str, str] = {
    "serve": "Run the IVR web app (Twilio webhooks, health).",
    "flows": "Check and show flow files.",
    "db": "Create or check the call-record database.",
    "calls": "List and show recorded calls.",
    "models": "Vosk models: list, info, install, pull, build.",
    "transcribe": "Transcribe audio files (per channel, word times).",
    "listen": "Recognise speech from the microphone, live.",
    "synth": "Offline speech synthesis: voices, say, render scenarios.",
    "emotion": "Score a call's arousal/agitation timeline.",
    "intents": "Classify, evaluate and train the intent classifier.",
    "qa": "Post-call QA: analyse, search, export, rerun rules, follow-ups.",
    "worker": "Run post-call jobs (local processes or Celery).",
    "users": "Accounts of the QA review web app (add, passwd, disable).",
    "analytics": "Supervisor's summary and voice-of-customer spike alerts.",
    "simulate": "Replay scripted calls and WAVs through hotline exactly as Twilio would.",
    "call": "Call hotline from the terminal (developer softphone: keys, typed speech, mic).",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def __init__(self, *args, lazy: dict[str, str], summaries: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._lazy = lazy
        self._summaries = summaries or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._lazy))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # help from SUMMARIES, so `hotline --help` imports no subcommand (and no Vosk/librosa)
        rows = []
        for name in self.list_commands(ctx):
            summary = self._summaries.get(name)
            if summary is None:  # no summary given: import the command for its help
                command = self.get_command(ctx, name)
                summary = command.get_short_help_str(limit=70) if command else ""
            rows.append((name, summary))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self._lazy:
            return super().get_command(ctx, name)
        module_name, attr = self._lazy[name].split(":")
        return getattr(importlib.import_module(module_name), attr)


@click.group(cls=LazyGroup, lazy=SUBCOMMANDS, summaries=SUMMARIES)
@click.version_option(package_name="hotline")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="HOTLINE_CONFIG",
    help="Path to hotline.toml (default: ./hotline.toml if present).",
)
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """hotline: offline-first IVR and speech analytics for a customer-service hotline."""
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
