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


def _file_sha256(path: str) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _with_spotting(phrases, spot_json: str | None, menu_source: dict):
    """The menu phrases plus the spotting sets of ``--spot-json`` (written by ``hotline models build``:
    a list of {"set", "phrases", "source"}), and the sources to record in the metadata."""
    sources = [menu_source]
    if not spot_json:
        return phrases, sources
    try:
        sets = json.loads(Path(spot_json).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VoskBuildError(f"cannot read spotting sets from {spot_json}: {exc}") from exc
    for entry in sets:
        phrases = phrases.with_spotting(entry["set"], entry["phrases"])
        count = len(phrases.spotting()[entry["set"]])
        sources.append({"set": entry["set"], "phrases": count, **entry.get("source", {})})
    return phrases, sources


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
@click.option("--domain", "domain_files", multiple=True, type=click.Path(dir_okay=False))
@click.option("--cache-dir", type=click.Path(file_okay=False))
@click.option("--spot-json", type=click.Path(dir_okay=False))
@click.option("--voices", type=click.Choice(["all", "classic"]), default="all", show_default=True)
def build(phrases_file, flow, lang, out, seed, quick, name, oov_files, domain_files, cache_dir, spot_json,
          voices) -> None:
    """Build a model directory."""
    from .corpus import read_sentences
    from .recipe import BuildConfig, build as run_build

    menu = _phrases(phrases_file, flow)
    phrases, sources = _with_spotting(menu, spot_json, {
        "set": "menu", "kind": "flow" if flow else "phrase_list", "path": flow or phrases_file,
        "sha256": _file_sha256(flow or phrases_file), "phrases": len(menu.zh) + len(menu.en)})
    kw = {"langs": _langs(lang), "seed": seed, "name": name or Path(out).name,
          "extra_oov": tuple(s for f in oov_files for s in read_sentences(f)),
          "domain": tuple(s for f in domain_files for s in read_sentences(f)),
          "cache_dir": Path(cache_dir) if cache_dir else None}
    config = BuildConfig.quick(**kw) if quick else BuildConfig(**kw)
    if voices == "classic":
        config = config.with_classic_voices()
    meta = run_build(phrases, Path(out), config, progress=lambda m: click.echo(m, err=True), sources=sources)
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
@click.option("--spot-json", type=click.Path(dir_okay=False))
def evaluate(model_dir, scenarios, heldout, phrases_file, flow, seed, per_phrase, draws, errors, spot_json) -> None:
    """Accuracy of a model on held-out synthetic voices (phrases from the model's metadata by default)
    and/or on synth call scenarios (each speech turn scored against the model's own phrases)."""
    from .export import phrases_from_metadata, read_metadata
    from .recipe import BuildConfig, heldout_accuracy

    meta = read_metadata(Path(model_dir))
    if scenarios and not heldout and (phrases_file or flow or spot_json):
        raise VoskBuildError("--phrases/--flow/--extra-phrases/--qa-rules choose the held-out test phrases; add "
                             "--heldout to run that test too (scenario turns are scored against the model's own "
                             "phrases)")
    result = None
    if scenarios:  # first: a bad scenario file fails before the long held-out test
        from .scenario_eval import evaluate_scenarios

        # callers' turns against the menu (a spotting set is the post-call analysis' business)
        result = evaluate_scenarios(Path(model_dir), phrases_from_metadata(meta).menu(), scenarios,
                                    progress=lambda m: click.echo(m, err=True))
    if heldout or not scenarios:
        # by default everything the model was built for: its menu and its spotting sets
        phrases = _phrases(phrases_file, flow) if (phrases_file or flow) else phrases_from_metadata(meta)
        if spot_json:  # the sets given replace the model's own
            phrases, _ = _with_spotting(phrases.menu(), spot_json, {})
        config = BuildConfig(langs=tuple(meta["languages"]), seed=seed, test_per_phrase=per_phrase,
                             heldout_draws=draws)
        summary = heldout_accuracy(Path(model_dir), phrases, config, progress=lambda m: click.echo(m, err=True),
                                   errors=errors)
        result = summary if result is None else {**result, "heldout": summary}
    click.echo(json.dumps(result, ensure_ascii=False))


@cli.command("transfer")
@click.option("--source", required=True, type=click.Path(file_okay=False, exists=True),
              help="A Vosk model with a dynamic graph (HCLr.fst + Gr.fst) whose acoustics to keep.")
@click.option("--words-from", required=True, type=click.Path(file_okay=False, exists=True),
              help="A hotline model whose words, menus and phrase sets to use.")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False))
@click.option("--unk-phone-cost", type=float, default=None, help="Phone-loop [unk] (default: the spn phone).")
@click.option("--walks", default=20000, show_default=True, type=click.IntRange(100, 1_000_000))
def transfer_cmd(source, words_from, out, unk_phone_cost, walks) -> None:
    """hotline's words on another model's acoustics (voskbuild.transfer)."""
    from .transfer import build_transfer

    meta = build_transfer(Path(source), Path(words_from), Path(out), unk_phone_cost, walks,
                          progress=lambda m: click.echo(m, err=True))
    click.echo(json.dumps(meta["transfer"], ensure_ascii=False))


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
