"""The whole build: phrases -> lexicon -> synthetic data -> alignment + training -> Vosk model directory.

Runs kaldifst/kaldi-hmm-gmm, so call it in a process that never imports vosk (``voskbuild.cli_worker``
does that for the CLI); evaluation decodes in a further child process.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from .align import flat_start, state_chain, viterbi
from .babble import babble
from .corpus import AGENT_TALK_DEV, AGENT_TALK_TEST, OOV_DEV, OOV_TEST, garbage_sentences, out_of_menu
from .data import PlanSizes, UttSpec, plan_test, plan_utterances, render
from .domain import DISCOUNT, MIN_COUNT, DomainCorpus, domain_corpus
from .evaluate import (agent_talk_cases, by_phrase_set, cases_for, decode, misrecognitions, per_voice_accuracy,
                       spotting_cases, summarize, summarize_spotting, telephone_at_8k, word_time_errors)
from .errors import VoskBuildError
from .export import DecodeConfig, write_metadata, write_model
from .features import (FRAME_SHIFT, HIGH_FREQ, LOW_FREQ, MFCC_CONF, NUM_CEPS, NUM_MEL_BINS, global_cmvn_stats, mfcc,
                       online_cmn)
from .lexicon import GBG, SIL, Lexicon, build_lexicon, phrase_words, with_compounds
from .nnet import NnetParams
from .phrases import PhraseSet
from .speech import CLASSIC_SYNTH_TRAIN, FLITE_HELDOUT, FLITE_TRAIN, HELDOUT_VARIANTS, SYNTH_TRAIN, TRAIN_VARIANTS
from .train import FrameSet, TrainConfig, Trainer, frame_set, priors_from_labels

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Tuning:
    """One decoder setting to try."""

    acoustic_scale: float
    garbage_boost: float  # the garbage pdf's log prior is lowered by this much: a per-frame bonus for [unk]
    unk_cost: float = 0.0  # graph cost of one [unk]
    word_cost: float = 0.0  # graph cost of every other word (insertion penalty)
    unk_phone_cost: float | None = None  # phone-loop garbage (slow to decode; None = garbage phone only)


@dataclass(frozen=True)
class BuildConfig:
    """Everything that decides the model; the same config and seed give the same model."""

    name: str = "hotline-command-model"
    langs: tuple[str, ...] = ("zh", "en")
    seed: int = 0
    sizes: PlanSizes = field(default_factory=lambda: PlanSizes(renditions=18, warp_share=0.8, warp_range=(0.8, 1.2),
                                                               extra_oov_per_lang=240))
    train: TrainConfig = field(default_factory=TrainConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    rounds: int = 3  # alignment rounds: flat start, then (rounds - 1) Viterbi realignments
    variants: tuple[str, ...] = TRAIN_VARIANTS
    flite: tuple[str, ...] = FLITE_TRAIN
    #: voices of the synth package trained on, per language ("engine:voice")
    synth_voices: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(SYNTH_TRAIN))
    #: callers' out-of-menu sentences (e.g. the intent corpus); those sharing no word with the menu
    #: train the garbage word next to the built-in chit-chat
    extra_oov: tuple[str, ...] = ()
    #: callers' requests (the intent classifier's training sentences): their words join the
    #: vocabulary, they are spoken with their words, and a bigram over them is the free-speech
    #: grammar (``Gr.fst``); see ``voskbuild.domain``. A sentence here is never extra_oov.
    domain: tuple[str, ...] = ()
    domain_min_count: int = MIN_COUNT
    #: word-salad garbage sentences per language (``babble``). Mandarin only: the corpus filter leaves
    #: the garbage few Mandarin syllables, so near misses (回来 / 返回) were spotted as menu words;
    #: English salad made the garbage swallow English menu words instead
    babble: dict[str, int] = field(default_factory=lambda: {"zh": 200})
    #: decoder settings tried on a dev set of training voices and held-back OOV sentences
    tuning: tuple[Tuning, ...] = (Tuning(0.3, 1.5), Tuning(0.3, 2.0), Tuning(0.3, 2.5), Tuning(0.3, 3.0),
                                  Tuning(0.3, 3.5), Tuning(0.3, 1.5, word_cost=2.0), Tuning(0.3, 2.0, word_cost=2.0),
                                  Tuning(0.3, 2.5, word_cost=2.0), Tuning(0.3, 3.0, word_cost=2.0),
                                  Tuning(0.3, 3.5, word_cost=2.0),
                                  Tuning(0.4, 2.0, word_cost=1.0), Tuning(0.4, 2.5, word_cost=2.0),
                                  # [unk] paying what a word pays: with only words penalised, "[unk] back"
                                  # undercuts "go back" and the first word of a phrase is lost
                                  Tuning(0.3, 2.0, unk_cost=1.0, word_cost=1.0),
                                  Tuning(0.3, 2.0, unk_cost=2.0, word_cost=2.0),
                                  Tuning(0.3, 2.5, unk_cost=2.0, word_cost=2.0),
                                  Tuning(0.3, 3.0, unk_cost=2.0, word_cost=2.0),
                                  # stronger garbage: a spotting grammar (the QA rules' 40-odd long
                                  # phrases) decodes whole agent sentences, mostly none of its phrases
                                  Tuning(0.3, 4.0), Tuning(0.3, 3.5, unk_cost=2.0, word_cost=2.0),
                                  Tuning(0.3, 3.0, word_cost=3.0))
    false_accept_weight: float = 1.5  # tuning score = mean phrase accuracy - weight * false-accept rates
    #: the same weight for a model with a domain corpus: its menus listen for cue words inside
    #: [unk], so a garbage word strong enough to keep every chit-chat sentence out of the phrases
    #: (weight 1.5: [unk] bonus 3.0, word penalty 3.0) also swallows the callers' requests. Chosen by
    #: measuring both settings on the shipped model's network (bench/bench_menu_speech.py, held-out
    #: requests at the main menu, 30-40 per engine): right 3-35 % -> 20-57 % per engine, out-of-menu
    #: sentences taken 0-5 % -> 0-7 % (phrase-level false accepts 1 % -> 11 %)
    domain_false_accept_weight: float = 0.5
    #: weight of the spotting grammars' false accepts (QA phrases heard in an agent's other talk)
    spot_false_accept_weight: float = 1.0
    evaluate: bool = True  # measure held-out accuracy and store it in the metadata
    cache_dir: Path | None = None  # keep rendered features here between builds of the same plan
    jobs: int = field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)))  # rendering processes
    test_per_phrase: int = 2
    heldout_draws: int = 3  # independent draws of held-out test utterances, pooled

    def with_classic_voices(self) -> "BuildConfig":
        """The voice set and engine shares before the neural voices joined (``--voices classic``): the
        shipped models/hotline-950618 was built so, and is built again so, utterance for utterance."""
        # a build without synth voices (--quick) stays without them
        voices = dict(CLASSIC_SYNTH_TRAIN) if self.synth_voices else {}
        return replace(self, sizes=replace(self.sizes, classic_shares=True), synth_voices=voices)

    @classmethod
    def quick(cls, **kw) -> "BuildConfig":
        """A small, fast build for tests and smoke runs."""
        kw = {"sizes": PlanSizes(renditions=6, digit_seqs=6, oov_per_sentence=1, noise_utts=20),
              "train": TrainConfig(hidden=(192, 128), epochs=3), "rounds": 2, "tuning": (Tuning(0.3, 1.5),),
              "evaluate": False, "synth_voices": {}, "babble": {"zh": 20}} | kw
        return cls(**kw)


@dataclass
class _Corpus:
    feats: list[np.ndarray]
    speech: list[tuple[int, int]]  # known speech region per utterance, in 10 ms frames
    word_prons: list[list[tuple[int, ...]]]  # pdf ids per word per utterance
    audio_seconds: float


def _pdf_prons(lexicon: Lexicon) -> dict[str, tuple[int, ...]]:
    index = {p: i for i, p in enumerate(lexicon.base_phones)}
    return {w: tuple(index[p] for p in pron) for w, pron in lexicon.prons.items()}


def _plan_key(plan: list[UttSpec]) -> str:
    # the feature options and the speech trimming are part of the key: a cache from other settings is stale
    return hashlib.sha1(("features-v4" + MFCC_CONF + repr(plan)).encode("utf-8")).hexdigest()[:16]


def _featurise(spec: UttSpec) -> tuple[np.ndarray, tuple[int, int], float]:
    r = render(spec)
    return (mfcc(r.audio, seed=spec.seed), (int(r.speech_start / FRAME_SHIFT), int(r.speech_end / FRAME_SHIFT)),
            len(r.audio) / 16000)


def _featurised(plan: list[UttSpec], jobs: int):
    """(features, speech region, seconds) per utterance, in plan order; every utterance carries its own
    seed, so any number of worker processes gives the same result."""
    if jobs <= 1:
        yield from map(_featurise, plan)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork, not spawn: a caller's script without a __main__ guard must not run twice; nothing here
    # has started threads yet (torch's pool starts with training)
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(_featurise, plan, chunksize=16)


def make_corpus(plan: list[UttSpec], lexicon: Lexicon, progress: Progress, cache_dir: Path | None = None,
                jobs: int = 1) -> _Corpus:
    """Render and featurise the plan; with ``cache_dir``, features are kept per plan (same plan, same audio)."""
    pdf_prons = _pdf_prons(lexicon)
    prons = [[pdf_prons[w] for w in spec.words] for spec in plan]
    cache = cache_dir / f"corpus-{_plan_key(plan)}.npz" if cache_dir else None
    if cache and cache.is_file():
        data = np.load(cache)
        feats = np.split(data["feats"], np.cumsum(data["lengths"])[:-1])
        progress(f"data: {len(plan)} utterances from cache {cache}")
        return _Corpus(feats, [tuple(r) for r in data["speech"]], prons, float(data["audio_seconds"]))
    feats, speech = [], []
    audio_s = 0.0
    t0 = time.perf_counter()
    for i, (f, region, seconds) in enumerate(_featurised(plan, jobs)):
        feats.append(f)
        speech.append(region)
        audio_s += seconds
        if (i + 1) % 500 == 0 or i + 1 == len(plan):
            progress(f"data: {i + 1}/{len(plan)} utterances ({time.perf_counter() - t0:.0f} s)")
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, feats=np.concatenate(feats), lengths=np.array([len(f) for f in feats]),
                 speech=np.array(speech), audio_seconds=audio_s)
    return _Corpus(feats, speech, prons, audio_s)


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
    cmvn = global_cmvn_stats(corpus.feats)
    # the network sees what Vosk will feed it: features after online mean normalisation
    corpus = replace(corpus, feats=[online_cmn(f, cmvn) for f in corpus.feats])
    fs = frame_set(corpus.feats)
    labels = np.concatenate([
        flat_start(len(f), region, p, sil, gbg) for f, region, p in zip(corpus.feats, corpus.speech, corpus.word_prons)])
    trainer = Trainer(fs, num_pdfs, config.train)
    progress(f"train: {len(labels)} frames, {num_pdfs} pdfs, net {config.train.hidden}")
    for rnd in range(config.rounds):
        acc = trainer.fit(labels, config.train.epochs, lambda m: progress(f"round {rnd + 1}/{config.rounds} {m}"))
        priors = priors_from_labels(labels, num_pdfs)
        if rnd < config.rounds - 1:
            labels, changed, failed = _realign(trainer, fs, corpus, labels, priors, sil)
            progress(f"realign: {changed:.1%} of frames changed, {failed} utterances kept their old labels")
    return replace(trainer.export(priors_from_labels(labels, num_pdfs)), cmvn_stats=cmvn), acc


def training_plan(phrases: PhraseSet, config: BuildConfig, progress: Progress = print):
    """(lexicon, domain corpus or None, utterance plan) of a build: everything it will say, before any
    audio is rendered (the same phrases, config and seed give the same plan)."""
    if not any(phrases.for_lang(lang) for lang in config.langs):
        raise VoskBuildError(f"no phrases for languages {', '.join(config.langs)}")
    menu_lexicon = build_lexicon(phrases, config.langs)
    domain = domain_corpus(config.domain, phrases, config.langs, config.domain_min_count) if config.domain else None
    lexicon = build_lexicon(phrases, config.langs, domain.vocabulary) if domain else menu_lexicon
    progress(f"lexicon: {len(lexicon.prons)} words, {len(lexicon.base_phones)} phones"
             + (f" ({len(domain.vocabulary)} from {sum(map(len, domain.sentences.values()))} domain sentences)"
                if domain else ""))
    own = set(config.domain)
    extra_oov_sentences = [s for s in config.extra_oov if s not in own]
    extra_oov = out_of_menu(extra_oov_sentences, phrases) if extra_oov_sentences else {}
    if extra_oov_sentences:
        progress("extra out-of-menu sentences: " + ", ".join(f"{lang} {len(v)}" for lang, v in extra_oov.items())
                 + f" of {len(extra_oov_sentences)} share no word with the menu")
    # word salad avoids the sound of menu words only: a domain word heard in it is garbage at a menu
    salad = {lang: babble(menu_lexicon, lang, config.babble.get(lang, 0), config.seed + i)
             for i, lang in enumerate(config.langs)}
    spotting = phrases.spotting()
    if spotting:
        progress("spotting sets: " + ", ".join(f"{k} {len(v)}" for k, v in spotting.items()))
    plan = plan_utterances(phrases, config.langs, config.variants, config.sizes, config.seed, config.flite,
                           oov=garbage_sentences(phrases), synth_voices=config.synth_voices,
                           extra_oov=extra_oov, babble=salad,
                           domain={lang: domain.transcripts(lang) for lang in config.langs} if domain else None)
    return lexicon, domain, plan


def build(phrases: PhraseSet, out: Path, config: BuildConfig, progress: Progress = print,
          sources: list[dict] | None = None) -> dict:
    """Build a model directory at ``out``; returns its metadata. ``sources`` describe where the
    phrases came from (flow file, QA rules version, ...): recorded as the metadata's ``phrase_sets``,
    so a test can tell when the model no longer matches them."""
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
    lexicon, domain, plan = training_plan(phrases, config, progress)
    corpus = make_corpus(plan, lexicon, progress, config.cache_dir, config.jobs)
    nnet, frame_acc = train_model(corpus, lexicon, config, progress)
    audio_s = corpus.audio_seconds
    meta = {
        "name": config.name,
        "format": "vosk",
        "builder": "voskbuild",
        "languages": list(config.langs),
        "sample_rate": 16000,
        "seed": config.seed,
        "phrases": {lang: list(phrases.for_lang(lang)) for lang in config.langs},
        "groups": {name: list(ps) for name, ps in phrases.groups},
        "options": [list(o) for o in phrases.options],
        "phrase_sets": list(sources or []),
        "words": lexicon.words,
        "lexicon": {w: " ".join(p) for w, p in lexicon.prons.items()},
        "phones": lexicon.base_phones,  # pdf id = index
        "training": {
            "utterances": len(plan),
            "audio_minutes": round(audio_s / 60, 1),
            "voices": _voice_summary(plan),
            "variants": list(config.variants),
            "speed_perturbed_share": config.sizes.warp_share,
            "out_of_menu_utterances": sum(1 for s in plan if s.kind == "oov"),
            "domain_utterances": sum(1 for s in plan if s.kind == "domain"),
            "channels": "wideband 16 kHz and 8 kHz mu-law telephone",
            "final_frame_accuracy": round(frame_acc, 4),
            "config": {"rounds": config.rounds, "hidden": list(config.train.hidden),
                       "epochs_per_round": config.train.epochs, "sizes": asdict(config.sizes),
                       "specaug": asdict(config.train.specaug) if config.train.specaug else None,
                       "babble": dict(config.babble)},
            "features": f"MFCC, first {NUM_CEPS} of {NUM_MEL_BINS} cepstra, {LOW_FREQ}-{HIGH_FREQ} Hz, "
                        "online cepstral mean normalisation",
            "build_seconds": None,
        },
        "decode": asdict(config.decode),
        "accuracy": {},
    }
    if domain:
        meta["language_model"] = language_model(domain, phrases, config)
    out.mkdir(parents=True, exist_ok=True)
    _tune_and_measure(out, phrases, lexicon, nnet, config, meta, progress)
    meta["training"]["build_seconds"] = round(time.perf_counter() - t0, 1)
    write_metadata(out, meta)
    progress(f"model written to {out} in {meta['training']['build_seconds']} s")
    return meta


def language_model(domain: DomainCorpus, phrases: PhraseSet, config: BuildConfig) -> dict:
    """What ``Gr.fst`` is trained on (kept in the metadata, so a re-tune rebuilds the same graph):
    the domain sentences' transcripts and every menu phrase once."""
    sentences = [w for lang in config.langs for _, w in domain.transcripts(lang)]
    sentences += [tuple(phrase_words(p)) for p in phrases.menu().zh + phrases.menu().en]
    return {"kind": "backoff bigram, absolute discounting", "discount": DISCOUNT,
            "domain_sentences": {lang: len(domain.sentences.get(lang, ())) for lang in config.langs},
            "domain_words": len(domain.vocabulary), "min_count": config.domain_min_count,
            "sentences": [" ".join(s) for s in sentences]}


def lm_sentences(meta: dict) -> list[list[str]] | None:
    """The language model's sentences recorded in a model's metadata (None: a unigram word loop)."""
    sentences = (meta.get("language_model") or {}).get("sentences")
    return [s.split() for s in sentences] if sentences else None


def _voice_summary(plan: list[UttSpec]) -> dict[str, int]:
    """Utterances per engine (espeak counted per base voice, variants folded)."""
    counts: dict[str, int] = {}
    for spec in plan:
        if spec.text:
            key = spec.voice.base if spec.voice.engine != "flite" else spec.voice.name
            key = key if spec.voice.engine != "espeak" else f"espeak-ng {spec.voice.base}"
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def boost_garbage(nnet: NnetParams, lexicon: Lexicon, boost: float) -> NnetParams:
    """Lower the garbage pdf's prior by ``boost`` (natural log): the decoder subtracts log priors, so
    every garbage frame gains ``acoustic_scale * boost``, making ``[unk]`` win over a forced menu word."""
    priors = nnet.priors.copy()
    priors[lexicon.base_phones.index(GBG)] *= np.exp(-boost)
    return replace(nnet, priors=priors / priors.sum())


def _score(summary: dict[str, float], fa_weight: float, spot_weight: float = 0.0) -> float:
    """Mean phrase accuracy minus the weighted false-accept rate of each kind (out-of-menu speech,
    noise) in full: averaged, noise (which is hardly ever accepted) would halve the weight of the
    out-of-menu false accepts. The spotting grammars' false accepts have a weight of their own."""
    accs = [v for k, v in summary.items() if k.startswith("acc_")]
    fas = [v for k, v in summary.items() if k.startswith("false_accept_") and not k.startswith("false_accept_spot_")]
    spot = [v for k, v in summary.items() if k.startswith("false_accept_spot_")]
    return float(np.mean(accs) - fa_weight * sum(fas) - spot_weight * sum(spot))


def write_tuned(out: Path, lexicon: Lexicon, nnet: NnetParams, decode_config: DecodeConfig, t: Tuning,
                meta: dict) -> None:
    from .graph import build_graphs

    graphs = build_graphs(lexicon, t.unk_cost, t.unk_phone_cost, t.word_cost, lm_sentences=lm_sentences(meta))
    write_model(out, graphs, boost_garbage(nnet, lexicon, t.garbage_boost), decode_config, meta)


def tune(out: Path, phrases: PhraseSet, lexicon: Lexicon, nnet: NnetParams, config: BuildConfig, meta: dict,
         progress: Progress) -> tuple[DecodeConfig, Tuning, dict]:
    """Pick the decoder setting on a dev set (training voices, unseen renditions, held-back OOV
    sentences), decoding with the real vosk in a child process."""
    if len(config.tuning) == 1:
        t = config.tuning[0]
        return replace(config.decode, acoustic_scale=t.acoustic_scale), t, {}
    dev_plan = plan_test(phrases, config.langs, config.variants, config.seed + 1, per_phrase=1,
                         flite=config.flite, oov=OOV_DEV)
    cases = cases_for([render(s) for s in dev_plan], phrases, config.seed + 1)
    # their false accepts count in the score, on chit-chat and on an agent's other talk
    spot = spotting_cases(cases + agent_talk_cases(phrases, config.langs, config.variants, config.flite,
                                              config.seed + 1, AGENT_TALK_DEV), phrases)
    best: tuple[float, DecodeConfig, Tuning, dict] | None = None
    for t in config.tuning:
        candidate = replace(config.decode, acoustic_scale=t.acoustic_scale)
        write_tuned(out, lexicon, nnet, candidate, t, meta)
        outcomes, _ = decode(out, cases + spot)
        summary = summarize(outcomes[:len(cases)]) | summarize_spotting(outcomes[len(cases):])
        fa_weight = config.domain_false_accept_weight if meta.get("language_model") else config.false_accept_weight
        score = _score(summary, fa_weight, config.spot_false_accept_weight)
        progress(f"tune: {t}: score {score:.3f} {summary}")
        if best is None or score > best[0]:
            best = (score, candidate, t, summary)
    assert best is not None
    progress(f"tune: chose {best[2]}")
    return best[1], best[2], best[3]


#: seeds of successive held-out draws lie this far apart (draw 0 is the build seed + 2)
DRAW_STRIDE = 1000


def heldout_accuracy(model_dir: Path, phrases: PhraseSet, config: BuildConfig, progress: Progress,
                     errors: bool = False) -> dict:
    """Accuracy on voices never trained on, with each node's grammar active, pooled over
    ``config.heldout_draws`` draws of test utterances (one draw moves English by +-5 points, as much as
    many changes to the recipe do); ``per_draw`` keeps each draw's rates. With ``errors``, every
    misrecognition too (not kept in the model's metadata)."""
    outcomes, spot_outcomes, per_draw, seeds = [], [], {}, []
    decode_s = audio_s = 0.0
    for k in range(config.heldout_draws):
        seed = config.seed + 2 + DRAW_STRIDE * k
        plan = plan_test(phrases, config.langs, HELDOUT_VARIANTS, seed, per_phrase=config.test_per_phrase,
                         flite=FLITE_HELDOUT, oov=OOV_TEST)
        cases = telephone_at_8k(cases_for([render(s) for s in plan], phrases, seed))
        spot = spotting_cases(cases + telephone_at_8k(agent_talk_cases(phrases, config.langs, HELDOUT_VARIANTS,
                                                                  FLITE_HELDOUT, seed, AGENT_TALK_TEST)), phrases)
        draw, timing = decode(model_dir, cases + spot)
        draw, spotted = draw[:len(cases)], draw[len(cases):]
        for key, rate in (summarize(draw) | summarize_spotting(spotted)).items():
            if not key.startswith("n_"):
                per_draw.setdefault(key, []).append(rate)
        outcomes += draw
        spot_outcomes += spotted
        seeds.append(seed)
        decode_s, audio_s = decode_s + timing["decode_seconds"], audio_s + timing["audio_seconds"]
    summary = summarize(outcomes, phrases) | summarize_spotting(spot_outcomes)
    errs = word_time_errors(outcomes)
    summary["word_times_within_100ms"] = round(float(np.mean([e <= 0.1 for e in errs])), 4) if errs else None
    summary["real_time_factor"] = round(decode_s / audio_s, 4)
    summary["test_voices"] = "espeak-ng variants " + ", ".join(HELDOUT_VARIANTS) + "; flite " + ", ".join(FLITE_HELDOUT)
    summary["per_voice"] = per_voice_accuracy(outcomes)
    sets = by_phrase_set(outcomes, phrases)
    if sets:  # menu and spotting phrases apart (each in its own grammars)
        summary["by_set"] = {name: {k: v for k, v in part.items() if not k.startswith("n_")} | {
            "n": sum(v for k, v in part.items() if k.startswith("n_acc_"))} for name, part in sets.items()}
    summary["draw_seeds"] = seeds
    summary["per_draw"] = per_draw
    progress(f"held-out accuracy: {summary}")
    if errors:
        summary["errors"] = misrecognitions(outcomes) + [
            e | {"grammar": "spotting"} for e in misrecognitions(spot_outcomes)]
    return summary


def with_decode(config: BuildConfig, **kw) -> BuildConfig:
    return replace(config, decode=replace(config.decode, **kw))


def retune(model_dir: Path, config: BuildConfig, progress: Progress = print) -> dict:
    """Re-run decoder tuning (and the held-out measurement) on an already built model, reusing its
    network: everything needed is in its metadata and ``am/final.mdl``."""
    from .export import phrases_from_metadata, read_cmvn_stats, read_metadata
    from .nnet import read_nnet3_text

    meta = read_metadata(model_dir)
    phrases = phrases_from_metadata(meta)
    # a model built before compound words gets them here: same phones, so the network still fits
    lexicon = with_compounds(Lexicon({w: tuple(p.split()) for w, p in meta["lexicon"].items()}),
                             [p for lang in meta["languages"] for p in phrases.for_lang(lang)])
    if meta.get("phones") and meta["phones"] != lexicon.base_phones:
        raise VoskBuildError(f"{model_dir}: its phone list does not match its lexicon")
    meta["words"], meta["lexicon"] = lexicon.words, {w: " ".join(p) for w, p in lexicon.prons.items()}
    nnet = read_nnet3_text((model_dir / "am" / "final.mdl").read_text(encoding="utf-8"))
    nnet = boost_garbage(nnet, lexicon, -float(meta.get("decode", {}).get("garbage_boost", 0.0)))  # undo
    nnet = replace(nnet, cmvn_stats=read_cmvn_stats(model_dir))
    config = replace(config, langs=tuple(meta["languages"]), seed=int(meta["seed"]))
    _tune_and_measure(model_dir, phrases, lexicon, nnet, config, meta, progress)
    write_metadata(model_dir, meta)
    return meta


def _tune_and_measure(out: Path, phrases: PhraseSet, lexicon: Lexicon, nnet: NnetParams, config: BuildConfig,
                      meta: dict, progress: Progress) -> None:
    """Tune the decoder, write the model with the chosen setting, measure held-out accuracy (into meta)."""
    decode_config, best, dev = tune(out, phrases, lexicon, nnet, config, meta, progress)
    meta["decode"] = asdict(decode_config) | asdict(best)
    meta["tuning_dev"] = dev
    write_tuned(out, lexicon, nnet, decode_config, best, meta)
    if config.evaluate:
        meta["accuracy"] = heldout_accuracy(out, phrases, config, progress)
