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
@click.option("--oov", "oov_files", multiple=True, type=click.Path(dir_okay=False))
@click.option("--cache-dir", type=click.Path(file_okay=False))
def build(phrases_file, flow, lang, out, seed, quick, name, oov_files, cache_dir) -> None:
    """Build a model directory."""
    from .corpus import read_sentences
    from .recipe import BuildConfig, build as run_build

    phrases = _phrases(phrases_file, flow)
    kw = {"langs": _langs(lang), "seed": seed, "name": name or Path(out).name,
          "extra_oov": tuple(s for f in oov_files for s in read_sentences(f)),
          "cache_dir": Path(cache_dir) if cache_dir else None}
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
@click.argument("scenarios", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--heldout", is_flag=True)
@click.option("--phrases", "phrases_file", type=click.Path(dir_okay=False))
@click.option("--flow", type=click.Path(dir_okay=False))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--per-phrase", default=2, show_default=True, type=int)
@click.option("--draws", default=3, show_default=True, type=click.IntRange(1, 20))
@click.option("--errors", is_flag=True)
def evaluate(model_dir, scenarios, heldout, phrases_file, flow, seed, per_phrase, draws, errors) -> None:
    """Accuracy of a model on held-out synthetic voices (phrases from the model's metadata by default)
    and/or on synth call scenarios (each speech turn scored against the model's own phrases)."""
    from .export import phrases_from_metadata, read_metadata
    from .recipe import BuildConfig, heldout_accuracy

    meta = read_metadata(Path(model_dir))
    if scenarios and not heldout and (phrases_file or flow):
        raise VoskBuildError("--phrases/--flow choose the held-out test phrases; add --heldout to run that "
                             "test too (scenario turns are scored against the model's own phrases)")
    result = None
    if scenarios:  # first: a bad scenario file fails before the long held-out test
        from .scenario_eval import evaluate_scenarios

        result = evaluate_scenarios(Path(model_dir), phrases_from_metadata(meta), scenarios,
                                    progress=lambda m: click.echo(m, err=True))
    if heldout or not scenarios:
        phrases = _phrases(phrases_file, flow) if (phrases_file or flow) else phrases_from_metadata(meta)
        config = BuildConfig(langs=tuple(meta["languages"]), seed=seed, test_per_phrase=per_phrase,
                             heldout_draws=draws)
        summary = heldout_accuracy(Path(model_dir), phrases, config, progress=lambda m: click.echo(m, err=True),
                                   errors=errors)
        result = summary if result is None else {**result, "heldout": summary}
    click.echo(json.dumps(result, ensure_ascii=False))


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
