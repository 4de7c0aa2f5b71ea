"""Accuracy of a built model on synthesised held-out speech, decoded by vosk in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import soundfile as sf

from asr.codec import resample

from .data import Rendered, plan_test, render
from .errors import VoskBuildError
from .lexicon import UNK
from .phrases import PhraseSet, is_spot_group, lang_of

GLOBAL_GROUP = "global_options"


@dataclass(frozen=True)
class Case:
    """One decode: a rendered utterance, the grammar active for it (None = the model's default)."""

    rendered: Rendered
    grammar: tuple[str, ...] | None
    rate: int = 16000  # Hz fed to vosk (8000 for raw telephone audio)


@dataclass(frozen=True)
class Outcome:
    case: Case
    text: str  # vosk's text with [unk] removed
    words: list = field(default_factory=list)  # vosk word dicts (word, start, end, conf)

    @property
    def reference(self) -> str:
        return " ".join(w for w in self.case.rendered.spec.words if w != UNK)

    @property
    def correct(self) -> bool:
        return self.text == self.reference

    @property
    def should_be_rejected(self) -> bool:
        """Out-of-menu speech or noise: any phrase heard is a false accept."""
        return self.case.rendered.spec.kind in ("oov", "noise")

    def selects_same_option(self, options: tuple[tuple[str, ...], ...]) -> bool:
        """What the caller gets: the words heard are one phrase of the reference's menu option
        ("payments" for "payment" picks the same option; any other text does not). Only options
        of the menu whose grammar was active count: "refund" and "return" share an option in the
        main menu but not in the after-sales menu."""
        if self.correct:
            return True
        grammar = set(self.case.grammar or ())
        lang = lang_of(self.reference)
        for opt in options:
            same_lang = {p for p in opt if lang_of(p) == lang}
            if (not grammar or same_lang <= grammar) and self.reference in same_lang and self.text in same_lang:
                return True
        return False


def strip_unk(text: str) -> str:
    return " ".join(w for w in text.split() if w != UNK)


def decode(model_dir: Path, cases: list[Case], workdir: Path | None = None) -> tuple[list[Outcome], dict]:
    """Write WAVs, run ``voskbuild.decode`` in a child process, return outcomes and timing."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        tmpdir = Path(tmp)
        specs = []
        for i, case in enumerate(cases):
            wav = tmpdir / f"{i:05d}.wav"
            audio = case.rendered.audio
            if case.rate != 16000:
                audio = resample(audio, 16000, case.rate)
            sf.write(wav, audio, case.rate, subtype="PCM_16")
            specs.append({"wav": str(wav), "grammar": list(case.grammar) if case.grammar else None})
        (tmpdir / "cases.json").write_text(json.dumps(specs, ensure_ascii=False), encoding="utf-8")
        env = dict(os.environ, OMP_NUM_THREADS="1")
        proc = subprocess.run([sys.executable, "-m", "voskbuild.decode", str(model_dir), str(tmpdir / "cases.json"),
                               str(tmpdir / "out.json")], capture_output=True, text=True, env=env,
                              cwd=Path(__file__).resolve().parents[1])
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise VoskBuildError(f"vosk could not decode with {model_dir} (exit {proc.returncode}): {' | '.join(tail)}")
        result = json.loads((tmpdir / "out.json").read_text(encoding="utf-8"))
    outcomes = [Outcome(c, strip_unk(r["text"]), r["words"]) for c, r in zip(cases, result["results"])]
    timing = {k: result[k] for k in ("load_seconds", "audio_seconds", "decode_seconds")}
    return outcomes, timing


def summarize(outcomes: list[Outcome], phrases: PhraseSet | None = None) -> dict[str, float]:
    """Phrase accuracy per language and channel, false accepts on OOV speech and on noise; with the
    phrases' menu options known, also option accuracy (a synonym of the same option counts)."""
    groups: dict[str, list[bool]] = {}
    options = phrases.options if phrases is not None and phrases.options else None
    for o in outcomes:
        spec = o.case.rendered.spec
        if o.should_be_rejected:
            groups.setdefault(f"false_accept_{spec.kind}", []).append(bool(o.text))
        else:
            groups.setdefault(f"acc_{spec.lang}_{spec.channel}", []).append(o.correct)
            if options is not None and spec.kind == "phrase":
                groups.setdefault(f"option_acc_{spec.lang}_{spec.channel}", []).append(
                    o.selects_same_option(options))
    return {k: round(float(np.mean(v)), 4) for k, v in sorted(groups.items())} | {
        f"n_{k}": len(v) for k, v in sorted(groups.items())}


def per_voice_accuracy(outcomes: list[Outcome]) -> dict[str, float]:
    """Phrase accuracy per language and test voice (espeak variants across accents, flite/synth by name)."""
    groups: dict[str, list[bool]] = {}
    for o in outcomes:
        spec = o.case.rendered.spec
        if spec.kind == "phrase":
            voice = spec.voice.variant or spec.voice.base if spec.voice.engine == "espeak" else spec.voice.name
            groups.setdefault(f"{spec.lang} {voice}", []).append(o.correct)
    return {k: round(float(np.mean(v)), 3) for k, v in sorted(groups.items())}


def misrecognitions(outcomes: list[Outcome]) -> list[dict]:
    """Every utterance the model got wrong: a phrase heard as something else (or as nothing), and
    out-of-menu speech or noise heard as a phrase; what a developer reads to see why accuracy fell."""
    out = []
    for o in outcomes:
        spec = o.case.rendered.spec
        if o.text if o.should_be_rejected else not o.correct:
            out.append({"kind": spec.kind, "lang": spec.lang, "channel": spec.channel, "voice": spec.voice.name,
                        "said": spec.text, "expected": o.reference, "heard": o.text})
    return out


def word_time_errors(outcomes: list[Outcome]) -> list[float]:
    """For correct phrase decodes: how far (s) the recognised words lie outside the true speech region."""
    errs = []
    for o in outcomes:
        words = [w for w in o.words if w.get("word") != UNK]
        if not o.correct or not words or o.case.rendered.spec.kind != "phrase":
            continue
        r = o.case.rendered
        errs.append(max(r.speech_start - words[0]["start"], words[-1]["end"] - r.speech_end, 0.0))
    return errs


def node_grammars(phrases: PhraseSet, lang: str) -> list[tuple[str, ...]]:
    """The grammar a menu node would activate for a caller speaking ``lang``: the node's phrases plus
    the global options plus ``[unk]``; a plain phrase list is one node. A spotting set is decoded as
    the post-call analysis does: its own phrases plus ``[unk]``, no menu options."""
    glob = tuple(p for name, ps in phrases.groups if name == GLOBAL_GROUP for p in ps if lang_of(p) == lang)
    nodes = [(name, tuple(p for p in ps if lang_of(p) == lang)) for name, ps in phrases.groups
             if name != GLOBAL_GROUP]
    nodes = [(name, n) for name, n in nodes if n]
    if not nodes:
        return [tuple(dict.fromkeys(phrases.for_lang(lang))) + (UNK,)]
    return [tuple(dict.fromkeys(n if is_spot_group(name) else n + glob)) + (UNK,) for name, n in nodes]


def spotting_cases(cases: list[Case], phrases: PhraseSet) -> list[Case]:
    """Every out-of-menu and noise case once more in each spotting grammar of its language: an agent
    talks mostly outside the QA phrases, so the false accepts of a spotting grammar (the QA rules' 50-odd
    phrases in one grammar, decoded over whole sentences) are measured on their own. None without
    spotting sets."""
    spotting = phrases.spotting()
    out = []
    for c in cases:
        if c.rendered.spec.kind not in ("oov", "noise"):
            continue
        for ps in spotting.values():
            grammar = tuple(p for p in ps if lang_of(p) == c.rendered.spec.lang)
            if grammar:
                out.append(replace(c, grammar=(*grammar, UNK)))
    return out


def agent_talk_cases(phrases: PhraseSet, langs: tuple[str, ...], variants: tuple[str, ...], flite: tuple[str, ...],
                     seed: int, talk: dict[str, tuple[str, ...]]) -> list[Case]:
    """An agent's other talk (``corpus.AGENT_TALK_DEV`` / ``_TEST``), rendered once per sentence with
    the given voices, for ``spotting_cases``; none without spotting sets (nothing else hears it)."""
    if not phrases.spotting():
        return []
    plan = [s for s in plan_test(PhraseSet(), langs, variants, seed + 7, per_phrase=0, flite=flite, oov=talk)
            if s.kind == "oov"]
    return [Case(render(s), None) for s in plan]


def summarize_spotting(outcomes: list[Outcome]) -> dict[str, float]:
    """False accepts of the spotting grammars (``false_accept_spot_oov`` / ``_noise``); empty for none."""
    if not outcomes:
        return {}
    return {k.replace("false_accept_", "false_accept_spot_"): v for k, v in summarize(outcomes).items()}


def by_phrase_set(outcomes: list[Outcome], phrases: PhraseSet) -> dict[str, dict[str, float]]:
    """Phrase accuracy per language and channel for the menu and for each spotting set (by the
    reference phrase; a phrase in the menu and a spotting set counts for both). Empty without
    spotting sets: the overall summary is the menu's then."""
    spotting = phrases.spotting()
    if not spotting:
        return {}
    sets = {"menu": set(phrases.menu().zh) | set(phrases.menu().en)} | {k: set(v) for k, v in spotting.items()}
    out = {}
    for name, members in sets.items():
        chosen = [o for o in outcomes if o.case.rendered.spec.kind == "phrase" and o.reference in members]
        if chosen:
            out[name] = summarize(chosen)
    return out


def telephone_at_8k(cases: list[Case]) -> list[Case]:
    """The cases with telephone audio fed to vosk at 8 kHz, as it comes off the line (vosk resamples it)."""
    return [c if c.rendered.spec.channel == "wide" else replace(c, rate=8000) for c in cases]


def cases_for(rendered: list[Rendered], phrases: PhraseSet, seed: int, rate: int = 16000) -> list[Case]:
    """Pair each utterance with a node grammar containing its phrase (a random node for OOV/noise)."""
    rng = np.random.default_rng(seed)
    cases = []
    for r in rendered:
        grammars = node_grammars(phrases, r.spec.lang)
        ref = " ".join(w for w in r.spec.words if w != UNK)
        fitting = [g for g in grammars if ref in g] if ref else []
        pool = fitting or grammars
        cases.append(Case(r, pool[int(rng.integers(len(pool)))], rate))
    return cases
