"""``python -m voskbuild build|eval ...``: the builder's own process (never imports vosk itself).

``hotline models build`` runs this in a child process so kaldifst/kaldi-hmm-gmm never meet vosk's
OpenFst in one process, and a Kaldi abort cannot take the caller down.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .errors import VoskBuildError


def _phrases(phrases_file: str | None, flow: str | None):
    from .phrases import load_phrases

    if bool(phrases_file) == bool(flow):
        raise VoskBuildError("give exactly one of --phrases FILE or --flow FILE")
    return load_phrases(phrases_file or flow)


def _langs(value: str) -> tuple[str, ...]:
    aliases = {"zh": "zh", "zh-cn": "zh", "cmn": "zh", "en": "en", "en-us": "en"}
    langs = []
    for part in value.split(","):
        key = part.strip().lower()
        if key not in aliases:
            raise VoskBuildError(f"unknown language {part!r} in --lang (use zh, en)")
        langs.append(aliases[key])
    return tuple(dict.fromkeys(langs))


@click.group()
def cli() -> None:
    """voskbuild worker."""


@cli.command()
@click.option("--phrases", "phrases_file", type=click.Path(dir_okay=False))
@click.option("--flow", type=click.Path(dir_okay=False))
@click.option("--lang", "lang", default="zh,en", show_default=True)
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--quick", is_flag=True)
@click.option("--name", default=None)
def build(phrases_file, flow, lang, out, seed, quick, name) -> None:
    """Build a model directory."""
    from .recipe import BuildConfig, build as run_build

    phrases = _phrases(phrases_file, flow)
    kw = {"langs": _langs(lang), "seed": seed, "name": name or Path(out).name}
    config = BuildConfig.quick(**kw) if quick else BuildConfig(**kw)
    meta = run_build(phrases, Path(out), config, progress=lambda m: click.echo(m, err=True))
    click.echo(json.dumps(meta.get("accuracy", {}), ensure_ascii=False))


@cli.command("tune")
@click.argument("model_dir", type=click.Path(file_okay=False))
def tune_cmd(model_dir) -> None:
    """Re-tune the decoder settings of a built model (no retraining) and re-measure its accuracy."""
    from .recipe import BuildConfig, retune

    meta = retune(Path(model_dir), BuildConfig(), progress=lambda m: click.echo(m, err=True))
    click.echo(json.dumps(meta.get("accuracy", {}), ensure_ascii=False))


@cli.command("eval")
@click.argument("model_dir", type=click.Path(file_okay=False))
@click.option("--phrases", "phrases_file", type=click.Path(dir_okay=False))
@click.option("--flow", type=click.Path(dir_okay=False))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--per-phrase", default=2, show_default=True, type=int)
def evaluate(model_dir, phrases_file, flow, seed, per_phrase) -> None:
    """Accuracy of a model on held-out synthetic voices (phrases from the model's metadata by default)."""
    from .export import phrases_from_metadata, read_metadata
    from .recipe import BuildConfig, heldout_accuracy

    meta = read_metadata(Path(model_dir))
    phrases = _phrases(phrases_file, flow) if (phrases_file or flow) else phrases_from_metadata(meta)
    config = BuildConfig(langs=tuple(meta["languages"]), seed=seed, test_per_phrase=per_phrase)
    summary = heldout_accuracy(Path(model_dir), phrases, config, progress=lambda m: click.echo(m, err=True))
    click.echo(json.dumps(summary, ensure_ascii=False))


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="python -m voskbuild", standalone_mode=False)
    except VoskBuildError as exc:
        click.echo(f"Error: {exc}", err=True)
        return 2
    except click.ClickException as exc:
        click.echo(f"Error: {exc.format_message()}", err=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
