"""``hotline models build``: make a small Vosk command model from a flow's phrases or a phrase list.

The build runs in a child process (``python -m voskbuild build``): its graph tools (kaldifst) crash
when loaded next to vosk, and a Kaldi abort must not kill this command.
"""

from __future__ import annotations

import os
import subprocess
import sys

import click


@click.command("build")
@click.option("--phrases", "phrases_file", type=click.Path(dir_okay=False),
              help="Plain phrase list: one phrase a line, optionally 'zh: ...' / 'en: ...'.")
@click.option("--flow", type=click.Path(dir_okay=False), help="Flow YAML whose options' phrases to recognise.")
@click.option("--lang", default="zh,en", show_default=True, help="Languages to include, comma-separated.")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="Model directory to write.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed (same seed, same model).")
@click.option("--quick", is_flag=True, help="Small, fast build (smoke tests); lower accuracy.")
def build(phrases_file: str | None, flow: str | None, lang: str, out: str, seed: int, quick: bool) -> None:
    """Build a Vosk command model trained on synthesised speech."""
    if bool(phrases_file) == bool(flow):
        raise click.UsageError("give exactly one of --phrases FILE or --flow FILE")
    args = [sys.executable, "-m", "voskbuild", "build", "--lang", lang, "-o", out, "--seed", str(seed)]
    args += ["--phrases", phrases_file] if phrases_file else ["--flow", flow]
    if quick:
        args.append("--quick")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    # progress goes straight through on stderr; the last line on stdout is the accuracy summary
    proc = subprocess.run(args, stdout=subprocess.PIPE, text=True, env=env)
    if proc.returncode != 0:
        # the worker already printed its one "Error: ..." line on stderr
        raise SystemExit(proc.returncode if proc.returncode > 0 else 1)
    click.echo(f"model written to {out}")
    if proc.stdout.strip():
        click.echo(f"held-out accuracy: {proc.stdout.strip().splitlines()[-1]}")
