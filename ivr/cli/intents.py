"""``hotline intents classify|eval|train``: the free-speech intent classifier from the shell."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from ivr.cli._common import user_errors
from ivr.config import Settings
from ivr.intents import (
    DEFAULT_SKILL_FOR_INTENT,
    DataError,
    IntentClassifier,
    IntentsError,
    evaluate,
    iter_lines,
    load_shipped,
)


def _default_model_path() -> Path:
    return Settings().intent_model_path


def _load(model: str | None) -> IntentClassifier:
    with user_errors(IntentsError):
        return IntentClassifier.load(model)


def _finish(bad: int, total: int) -> None:
    if bad:
        raise click.ClickException(f"{bad} of {total} input line(s) were bad and skipped (see above)")


model_option = click.option(
    "--model",
    type=click.Path(dir_okay=False),
    default=None,
    help="Model artefact (written by `intents train`); default: train from the shipped data.",
)


@click.group()
def intents() -> None:
    """Classify caller utterances into intents; evaluate and rebuild the model."""


@intents.command()
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Language (default: detect per line).")
@model_option
def classify(lang: str | None, model: str | None) -> None:
    """Read utterances on stdin, one per line; write one JSON object per line.

    Fields: text, lang, intent, confidence, skill, alternatives. A bad line (not
    UTF-8, or empty) is reported on stderr and skipped; the run goes on.
    """
    classifier = _load(model)
    bad = total = 0
    for lineno, raw in enumerate(sys.stdin.buffer, start=1):
        total += 1
        try:
            text = raw.decode("utf-8").lstrip("\ufeff").strip()  # a BOM is not speech
        except UnicodeDecodeError as exc:
            bad += 1
            click.echo(f"<stdin>:{lineno}: not valid UTF-8 ({exc.reason} at byte {exc.start})", err=True)
            continue
        if not text:
            bad += 1
            click.echo(f"<stdin>:{lineno}: empty line", err=True)
            continue
        result = classifier.classify(text, lang)
        record = {
            "text": text,
            "lang": result.lang,
            "intent": result.intent,
            "confidence": result.confidence,
            "skill": DEFAULT_SKILL_FOR_INTENT[result.intent],
            "alternatives": [list(alt) for alt in result.alternatives],
        }
        click.echo(json.dumps(record, ensure_ascii=False))
    _finish(bad, total)


@intents.command("eval")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@model_option
def eval_(file: str, model: str | None) -> None:
    """Evaluate on FILE (intent<TAB>lang<TAB>text per line).

    Prints accuracy (overall and per language), per-intent precision and recall,
    and the confusion pairs. Bad lines are reported on stderr and skipped.
    """
    try:
        # utf-8-sig: a spreadsheet's byte-order mark is not part of the first intent
        lines = Path(file).read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot read: {exc.strerror or exc}") from exc
    examples, bad = [], 0
    for _, item in iter_lines(lines, file):
        if isinstance(item, DataError):
            bad += 1
            click.echo(str(item), err=True)
        else:
            examples.append(item)
    if not examples:
        raise click.ClickException(f"{file}: no usable lines")
    report = evaluate(_load(model), examples)
    click.echo(f"accuracy {report.accuracy:.3f} ({report.total} utterances)")
    for lang, (accuracy, n) in report.by_lang.items():
        click.echo(f"  {lang}: {accuracy:.3f} ({n})")
    click.echo(f"{'intent':<22}{'precision':>10}{'recall':>8}{'n':>5}")
    for s in report.per_intent:
        click.echo(f"{s.intent:<22}{s.precision:>10.3f}{s.recall:>8.3f}{s.support:>5}")
    click.echo("confusions (true -> predicted: count):" if report.confusions else "confusions: none")
    for true, predicted, n in report.confusions:
        click.echo(f"  {true} -> {predicted}: {n}")
    _finish(bad, len(examples) + bad)


@intents.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Where to write the model (default: <models_dir>/intents.joblib).",
)
def train(out: str | None) -> None:
    """Rebuild the shipped model from all shipped data (deterministic) and write it.

    Also trains on the training split alone and prints its held-out accuracy per language.
    """
    path = Path(out) if out else _default_model_path()
    started = time.perf_counter()
    with user_errors(IntentsError):
        IntentClassifier.from_shipped_data().save(path)
        elapsed = time.perf_counter() - started
        report = evaluate(IntentClassifier.from_shipped_data(kinds=("train",)), load_shipped("heldout"))
    click.echo(f"trained in {elapsed:.1f} s -> {path}")
    for lang, (accuracy, n) in report.by_lang.items():
        click.echo(f"held-out {lang}: {accuracy:.3f} ({n} utterances, model trained without them)")
