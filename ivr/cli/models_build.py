"""``hotline models build``: make a small Vosk command model from a flow's phrases or a phrase list.

The build runs in a child process (``python -m voskbuild build``): its graph tools (kaldifst) crash
when loaded next to vosk, and a Kaldi abort must not kill this command.
"""

from __future__ import annotations

import os
import subprocess
import sys

import click


def _run_worker(args: list[str]) -> str:
    """Run ``python -m voskbuild ...``; progress passes through on stderr, stdout is returned."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "voskbuild", *args], stdout=subprocess.PIPE, text=True, env=env)
    if proc.returncode != 0:
        # the worker already printed its one "Error: ..." line on stderr
        raise SystemExit(proc.returncode if proc.returncode > 0 else 1)
    return proc.stdout.strip()


@click.command("build")
@click.option("--phrases", "phrases_file", type=click.Path(dir_okay=False),
              help="Plain phrase list: one phrase a line, optionally 'zh: ...' / 'en: ...'.")
@click.option("--flow", type=click.Path(dir_okay=False), help="Flow YAML whose options' phrases to recognise.")
@click.option("--lang", default="zh,en", show_default=True, help="Languages to include, comma-separated.")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="Model directory to write.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed (same seed, same model).")
@click.option("--quick", is_flag=True, help="Small, fast build (smoke tests); lower accuracy.")
@click.option("--oov", "oov_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Callers' sentences (text, or TSV with the text last), e.g. the intent corpus; those "
                   "sharing no word with the menu train the garbage word. Repeatable.")
@click.option("--cache-dir", type=click.Path(file_okay=False),
              help="Keep rendered training features here; a rebuild with the same plan reuses them.")
def build(phrases_file: str | None, flow: str | None, lang: str, out: str, seed: int, quick: bool,
          oov_files: tuple[str, ...], cache_dir: str | None) -> None:
    """Build a Vosk command model trained on synthesised speech."""
    if bool(phrases_file) == bool(flow):
        raise click.UsageError("give exactly one of --phrases FILE or --flow FILE")
    args = ["build", "--lang", lang, "-o", out, "--seed", str(seed)]
    args += ["--phrases", phrases_file] if phrases_file else ["--flow", flow]
    for f in oov_files:
        args += ["--oov", f]
    if cache_dir:
        args += ["--cache-dir", cache_dir]
    if quick:
        args.append("--quick")
    summary = _run_worker(args)
    click.echo(f"model written to {out}")
    if summary:
        click.echo(f"held-out accuracy: {summary.splitlines()[-1]}")


@click.command("eval")
@click.argument("model_dir", type=click.Path(file_okay=False))
@click.argument("scenarios", nargs=-1)
@click.option("--heldout", is_flag=True,
              help="With SCENARIOS: also run the held-out synthetic-voice test (always run without them).")
@click.option("--phrases", "phrases_file", type=click.Path(dir_okay=False), help="Phrase list to test (held-out test).")
@click.option("--flow", type=click.Path(dir_okay=False), help="Flow whose phrases to test (held-out test).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the held-out test.")
@click.option("--per-phrase", default=2, show_default=True, type=int, help="Utterances per phrase (held-out test).")
@click.option("--draws", default=3, show_default=True, type=click.IntRange(1, 20),
              help="Independent draws of held-out utterances, pooled (per_draw shows the spread).")
@click.option("--errors", is_flag=True,
              help="Held-out test: also list every misrecognition (voice, channel, what was said, what was heard).")
def evaluate(model_dir: str, scenarios: tuple[str, ...], heldout: bool, phrases_file: str | None, flow: str | None,
             seed: int, per_phrase: int, draws: int, errors: bool) -> None:
    """Phrase accuracy and false accepts of a built model, as JSON.

    Without SCENARIOS: on held-out synthetic voices; without --phrases/--flow the phrases recorded
    in the model's metadata are used.

    With SCENARIOS (synth call-scenario YAML files, e.g. recordings/scenarios/*.yaml): each is
    rendered with its own seed and every speech turn is decoded, wideband and through the telephone
    channel, with all menu phrases of its language active. A turn naming a menu phrase counts as a
    hit if the model hears one of them; a turn naming none is a false accept if the model hears any
    phrase. Reported per scenario and overall.
    """
    args = ["eval", model_dir, "--seed", str(seed), "--per-phrase", str(per_phrase), "--draws", str(draws)]
    if phrases_file:
        args += ["--phrases", phrases_file]
    if flow:
        args += ["--flow", flow]
    if heldout:
        args.append("--heldout")
    if errors:
        args.append("--errors")
    if scenarios:
        args += ["--", *scenarios]
    click.echo(_run_worker(args))


@click.command("tune")
@click.argument("model_dir", type=click.Path(file_okay=False))
def tune(model_dir: str) -> None:
    """Re-choose a built model's decoder settings and re-measure it, without retraining.

    The [unk] bonus, word penalty and acoustic scale are tried again on the dev set (training
    voices, held-back out-of-menu sentences) and the best is written into MODEL_DIR, whose
    metadata then holds the new held-out accuracy. Minutes, where a rebuild takes a quarter hour.
    """
    summary = _run_worker(["tune", model_dir])
    click.echo(f"decoder re-tuned in {model_dir}")
    if summary:
        click.echo(f"held-out accuracy: {summary.splitlines()[-1]}")
