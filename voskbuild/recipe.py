"""The whole build: phrases -> lexicon -> synthetic data -> alignment + training -> Vosk model directory.

Runs kaldifst/kaldi-hmm-gmm, so call it in a process that never imports vosk (``voskbuild.cli_worker``
does that for the CLI); evaluation decodes in a further child process.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from .align import flat_start, state_chain, viterbi
from .corpus import OOV_DEV, OOV_TEST
from .data import PlanSizes, Rendered, UttSpec, plan_test, plan_utterances, render
from .evaluate import cases_for, decode, summarize, word_time_errors
from .errors import VoskBuildError
from .export import DecodeConfig, write_metadata, write_model
from .features import FRAME_SHIFT, mfcc
from .lexicon import GBG, SIL, Lexicon, build_lexicon
from .phrases import PhraseSet
from .speech import FLITE_HELDOUT, FLITE_TRAIN, HELDOUT_VARIANTS, TRAIN_VARIANTS
from .train import FrameSet, TrainConfig, Trainer, frame_set, priors_from_labels

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildConfig:
    """Everything that decides the model; the same config and seed give the same model."""

    name: str = "hotline-command-model"
    langs: tuple[str, ...] = ("zh", "en")
    seed: int = 0
    sizes: PlanSizes = field(default_factory=PlanSizes)
    train: TrainConfig = field(default_factory=TrainConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    rounds: int = 3  # alignment rounds: flat start, then (rounds - 1) Viterbi realignments
    variants: tuple[str, ...] = TRAIN_VARIANTS
    flite: tuple[str, ...] = FLITE_TRAIN
    #: decoder tuning grid, searched on a dev set of training voices and held-back OOV sentences
    acoustic_scales: tuple[float, ...] = (0.3, 0.5, 0.8)
    unk_costs: tuple[float, ...] = (0.0, 2.0, 4.0, 7.0)
    false_accept_weight: float = 1.0  # tuning score = mean phrase accuracy - weight * mean false-accept rate
    evaluate: bool = True  # measure held-out accuracy and store it in the metadata
    test_per_phrase: int = 2

    @classmethod
    def quick(cls, **kw) -> "BuildConfig":
        """A small, fast build for tests and smoke runs."""
        kw = {"sizes": PlanSizes(renditions=6, digit_seqs=6, oov_per_sentence=1, noise_utts=20),
              "train": TrainConfig(hidden=(192, 128), epochs=3), "rounds": 2, "acoustic_scales": (0.5,),
              "unk_costs": (2.0,), "evaluate": False} | kw
        return cls(**kw)


@dataclass
class _Corpus:
    rendered: list[Rendered]
    feats: list[np.ndarray]
    word_prons: list[list[tuple[int, ...]]]  # pdf ids per word per utterance


def _pdf_prons(lexicon: Lexicon) -> dict[str, tuple[int, ...]]:
    index = {p: i for i, p in enumerate(lexicon.base_phones)}
    return {w: tuple(index[p] for p in pron) for w, pron in lexicon.prons.items()}


def make_corpus(plan: list[UttSpec], lexicon: Lexicon, progress: Progress) -> _Corpus:
    pdf_prons = _pdf_prons(lexicon)
    rendered, feats, prons = [], [], []
    t0 = time.perf_counter()
    for i, spec in enumerate(plan):
        r = render(spec)
        rendered.append(r)
        feats.append(mfcc(r.audio))
        prons.append([pdf_prons[w] for w in spec.words])
        if (i + 1) % 500 == 0 or i + 1 == len(plan):
            progress(f"data: {i + 1}/{len(plan)} utterances ({time.perf_counter() - t0:.0f} s)")
    return _Corpus(rendered, feats, prons)


def _realign(trainer: Trainer, fs: FrameSet, corpus: _Corpus, labels: np.ndarray, priors: np.ndarray,
             sil: int) -> tuple[np.ndarray, float]:
    new = labels.copy()
    log_prior = np.log(priors)
    start = 0
    failed = 0
    for feats, prons in zip(corpus.feats, corpus.word_prons):
        end = start + len(feats)
        pdfs, optional = state_chain(prons, sil)
        path = viterbi(trainer.log_posteriors(start, end) - log_prior, pdfs, optional)
        if path is None:
            failed += 1
        else:
            new[start:end] = path
        start = end
    return new, float(np.mean(new != labels)), failed


def train_model(corpus: _Corpus, lexicon: Lexicon, config: BuildConfig, progress: Progress):
    num_pdfs = len(lexicon.base_phones)
    sil, gbg = lexicon.base_phones.index(SIL), lexicon.base_phones.index(GBG)
    fs = frame_set(corpus.feats)
    labels = np.concatenate([
        flat_start(len(f), (int(r.speech_start / FRAME_SHIFT), int(r.speech_end / FRAME_SHIFT)), p, sil, gbg)
        for f, r, p in zip(corpus.feats, corpus.rendered, corpus.word_prons)])
    trainer = Trainer(fs, num_pdfs, config.train)
    progress(f"train: {len(labels)} frames, {num_pdfs} pdfs, net {config.train.hidden}")
    for rnd in range(config.rounds):
        acc = trainer.fit(labels, config.train.epochs, lambda m: progress(f"round {rnd + 1}/{config.rounds} {m}"))
        priors = priors_from_labels(labels, num_pdfs)
        if rnd < config.rounds - 1:
            labels, changed, failed = _realign(trainer, fs, corpus, labels, priors, sil)
            progress(f"realign: {changed:.1%} of frames changed, {failed} utterances kept their old labels")
    return trainer.export(priors_from_labels(labels, num_pdfs)), acc


def build(phrases: PhraseSet, out: Path, config: BuildConfig, progress: Progress = print) -> dict:
    """Build a model directory at ``out``; returns its metadata."""
    if "vosk" in sys.modules:
        # kaldifst and vosk each bring their own OpenFst; both in one process segfaults
        raise VoskBuildError("build() must run in a process that has not imported vosk (use python -m voskbuild)")
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        raise VoskBuildError("the model builder needs the 'train' extra: pip install 'hotline[train]'") from exc

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    t0 = time.perf_counter()
    phrases = phrases.restricted(config.langs)
    if not any(phrases.for_lang(lang) for lang in config.langs):
        raise VoskBuildError(f"no phrases for languages {', '.join(config.langs)}")
    lexicon = build_lexicon(phrases, config.langs)
    progress(f"lexicon: {len(lexicon.prons)} words, {len(lexicon.base_phones)} phones")
    plan = plan_utterances(phrases, config.langs, config.variants, config.sizes, config.seed, config.flite)
    corpus = make_corpus(plan, lexicon, progress)
    nnet, frame_acc = train_model(corpus, lexicon, config, progress)
    audio_s = sum(len(r.audio) for r in corpus.rendered) / 16000
    meta = {
        "name": config.name,
        "format": "vosk",
        "builder": "voskbuild",
        "languages": list(config.langs),
        "sample_rate": 16000,
        "seed": config.seed,
        "phrases": {lang: list(phrases.for_lang(lang)) for lang in config.langs},
        "groups": {name: list(ps) for name, ps in phrases.groups},
        "words": lexicon.words,
        "lexicon": {w: " ".join(p) for w, p in lexicon.prons.items()},
        "training": {
            "utterances": len(plan),
            "audio_minutes": round(audio_s / 60, 1),
            "voices": "espeak-ng " + ", ".join(sorted({s.voice.name for s in plan if s.text})[:3]) + ", ...",
            "variants": list(config.variants),
            "channels": "wideband 16 kHz and 8 kHz mu-law telephone",
            "final_frame_accuracy": round(frame_acc, 4),
            "config": {"rounds": config.rounds, "hidden": list(config.train.hidden),
                       "epochs_per_round": config.train.epochs, "sizes": asdict(config.sizes)},
            "build_seconds": None,
        },
        "decode": asdict(config.decode),
        "accuracy": {},
    }
    out.mkdir(parents=True, exist_ok=True)
    decode_config, unk_cost, dev = tune(out, phrases, lexicon, nnet, config, meta, progress)
    meta["decode"] = asdict(decode_config) | {"unk_cost": unk_cost}
    meta["tuning_dev"] = dev
    from .graph import build_graphs

    write_model(out, build_graphs(lexicon, unk_cost), nnet, decode_config, meta)
    if config.evaluate:
        meta["accuracy"] = heldout_accuracy(out, phrases, config, progress)
    meta["training"]["build_seconds"] = round(time.perf_counter() - t0, 1)
    write_metadata(out, meta)
    progress(f"model written to {out} in {meta['training']['build_seconds']} s")
    return meta


def _score(summary: dict[str, float], fa_weight: float) -> float:
    accs = [v for k, v in summary.items() if k.startswith("acc_")]
    fas = [v for k, v in summary.items() if k.startswith("false_accept_")]
    return float(np.mean(accs) - fa_weight * (np.mean(fas) if fas else 0.0))


def tune(out: Path, phrases: PhraseSet, lexicon: Lexicon, nnet, config: BuildConfig, meta: dict,
         progress: Progress) -> tuple[DecodeConfig, float, dict]:
    """Pick the acoustic scale and garbage cost on a dev set (training voices, unseen renditions,
    held-back OOV sentences), decoding with the real vosk in a child process."""
    from .graph import build_graphs

    if len(config.unk_costs) * len(config.acoustic_scales) == 1:
        return (replace(config.decode, acoustic_scale=config.acoustic_scales[0]), config.unk_costs[0], {})
    dev_plan = plan_test(phrases, config.langs, config.variants, config.seed + 1, per_phrase=1,
                         flite=config.flite, oov=OOV_DEV)
    cases = cases_for([render(s) for s in dev_plan], phrases, config.seed + 1)
    best: tuple[float, DecodeConfig, float, dict] | None = None
    for unk_cost in config.unk_costs:
        graphs = build_graphs(lexicon, unk_cost)
        for acwt in config.acoustic_scales:
            candidate = replace(config.decode, acoustic_scale=acwt)
            write_model(out, graphs, nnet, candidate, meta)
            outcomes, _ = decode(out, cases)
            summary = summarize(outcomes)
            score = _score(summary, config.false_accept_weight)
            progress(f"tune: acoustic scale {acwt}, unk cost {unk_cost}: score {score:.3f} {summary}")
            if best is None or score > best[0]:
                best = (score, candidate, unk_cost, summary)
    assert best is not None
    progress(f"tune: chose acoustic scale {best[1].acoustic_scale}, unk cost {best[2]}")
    return best[1], best[2], best[3]


def heldout_accuracy(model_dir: Path, phrases: PhraseSet, config: BuildConfig, progress: Progress) -> dict:
    """Accuracy on voices never trained on, with each node's grammar active."""
    plan = plan_test(phrases, config.langs, HELDOUT_VARIANTS, config.seed + 2, per_phrase=config.test_per_phrase,
                     flite=FLITE_HELDOUT, oov=OOV_TEST)
    outcomes, timing = decode(model_dir, cases_for([render(s) for s in plan], phrases, config.seed + 2))
    summary = summarize(outcomes)
    errs = word_time_errors(outcomes)
    summary["word_times_within_100ms"] = round(float(np.mean([e <= 0.1 for e in errs])), 4) if errs else None
    summary["real_time_factor"] = round(timing["decode_seconds"] / timing["audio_seconds"], 4)
    summary["test_voices"] = "espeak-ng variants " + ", ".join(HELDOUT_VARIANTS) + "; flite " + ", ".join(FLITE_HELDOUT)
    progress(f"held-out accuracy: {summary}")
    return summary


def with_decode(config: BuildConfig, **kw) -> BuildConfig:
    return replace(config, decode=replace(config.decode, **kw))
