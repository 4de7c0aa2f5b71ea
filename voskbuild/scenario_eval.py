"""Accuracy of a built model on synth call scenarios (``python -m voskbuild eval MODEL_DIR SCENARIO...``).

Each scenario YAML (see ``synth.scenario``) is rendered once with its own seed. Every speech turn is
then decoded twice by vosk (in a child process, see ``voskbuild.evaluate.decode``): the wideband
audio at 16 kHz and the telephone version (8 kHz mu-law, fed to vosk at 8 kHz, as it comes off the
line). The grammar is every menu phrase of the turn's language plus ``[unk]``.

A turn's expected phrases are the model's menu phrases found in its text (Mandarin: as a substring;
English: as whole words). Scoring (pure, see ``turn_outcome``):

    turn with a menu phrase      "hit"           vosk's text is, or contains as whole words, one of them
                                 "miss"          anything else, silence included
    turn without a menu phrase   "false_accept"  vosk output any word other than [unk]
                                 "rejected"      vosk output nothing or only [unk]

The pure part (``expected_phrases``, ``turn_outcome``, ``channel_stats``, ``report``) needs neither
vosk nor audio; ``render_turns`` and ``evaluate_scenarios`` do the I/O.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import soundfile as sf

from .data import Rendered, UttSpec
from .errors import VoskBuildError
from .evaluate import Case, decode, strip_unk
from .lexicon import UNK, phrase_words
from .phrases import PhraseSet, normalize_phrase
from .speech import RATE, Voice

#: sample rate each channel is fed to vosk at, Hz
CHANNEL_RATES = {"phone": 8000, "wide": RATE}
CHANNELS = tuple(CHANNEL_RATES)
_CHANNEL_FILES = {"phone": "call_telephone.wav", "wide": "call.wav"}  # both 16 kHz PCM, whole call

Progress = Callable[[str], None]


# -- pure scoring ---------------------------------------------------------------------------------


def expected_phrases(text: str, lang: str, phrases: PhraseSet) -> tuple[str, ...]:
    """The menu phrases of ``lang`` that occur in ``text`` (both normalised with ``normalize_phrase``).

    Mandarin phrases match as substrings (Mandarin text has no spaces between words), English
    phrases only as whole words ("return" is not found in "returned"). Model order is kept.
    """
    norm = normalize_phrase(text)
    found = []
    for phrase in phrases.for_lang(lang):
        p = normalize_phrase(phrase)
        if p and (p in norm if lang == "zh" else f" {p} " in f" {norm} "):
            found.append(phrase)
    return tuple(found)


def _contains_words(words: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(words[i:i + n] == needle for i in range(len(words) - n + 1))


def turn_outcome(expected: Iterable[str], recognised: str) -> str:
    """Score one decoded turn: "hit" / "miss" if ``expected`` is non-empty, else "false_accept" /
    "rejected". ``recognised`` is vosk's text; ``[unk]`` words in it are ignored."""
    expected = tuple(expected)
    text = strip_unk(recognised)
    if not expected:
        return "false_accept" if text else "rejected"
    words = text.split()
    hit = text in expected or any(_contains_words(words, phrase_words(p)) for p in expected)
    return "hit" if hit else "miss"


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def channel_stats(turns: list[dict], channel: str) -> dict:
    """Counts and rates over per-turn rows (as built by ``report``) for one channel.

    Rates are ``None`` when their denominator is 0 (e.g. no turn without a menu phrase).
    """
    outcomes = [t[channel]["outcome"] for t in turns if channel in t]
    keyword = sum(o in ("hit", "miss") for o in outcomes)
    hits = outcomes.count("hit")
    non_keyword = len(outcomes) - keyword
    false_accepts = outcomes.count("false_accept")
    return {"turns": len(outcomes), "keyword_turns": keyword, "hits": hits, "hit_rate": _rate(hits, keyword),
            "non_keyword_turns": non_keyword, "false_accepts": false_accepts,
            "false_accept_rate": _rate(false_accepts, non_keyword)}


def turn_row(index: int, lang: str, text: str, expected: tuple[str, ...], recognised: dict[str, str]) -> dict:
    """One turn of the report: its text, expected phrases and, per channel, what vosk heard."""
    row: dict = {"turn": index, "lang": lang, "text": text, "expected": list(expected)}
    for channel, heard in recognised.items():
        outcome = turn_outcome(expected, heard)
        row[channel] = {"recognised": strip_unk(heard), "outcome": outcome, "ok": outcome in ("hit", "rejected")}
    return row


def report(scenarios: list[dict]) -> dict:
    """Add per-channel stats to each scenario (``{"file", "turns": [rows], ...}``) and overall."""
    out = []
    for sc in scenarios:
        out.append({**{k: v for k, v in sc.items() if k != "turns"},
                    **{ch: channel_stats(sc["turns"], ch) for ch in CHANNELS}, "turns": sc["turns"]})
    every = [t for sc in scenarios for t in sc["turns"]]
    return {"scenarios": out, "overall": {ch: channel_stats(every, ch) for ch in CHANNELS},
            "grammar": "every menu phrase of the turn's language + [unk]"}


# -- rendering and decoding (I/O) -----------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioTurn:
    """One speech turn of a rendered scenario."""

    index: int
    """Turn number in the scenario (1-based, as in the manifest)."""
    lang: str
    text: str
    voice: str
    """``engine:voice`` as the manifest names it."""
    seed: int
    audio: dict[str, np.ndarray]
    """Channel -> 16 kHz int16 samples of the turn (its pauses included)."""
    speech_start: float
    """Start of the speech within ``audio``, seconds."""
    speech_end: float


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def render_turns(path: str | Path, workdir: Path | None = None) -> tuple[dict, list[ScenarioTurn]]:
    """Render a scenario file (its own seed) in a temporary directory; its call info and speech turns.

    Raises ``VoskBuildError`` naming the file if it is missing, invalid or cannot be synthesised.
    """
    import synth
    from synth.errors import SynthError

    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        try:
            manifest = synth.render_scenario(path, tmp)
            calls = {ch: sf.read(Path(tmp) / name, dtype="int16")[0] for ch, name in _CHANNEL_FILES.items()}
        except SynthError as exc:
            msg = _one_line(exc)
            raise VoskBuildError(msg if str(path) in msg else f"scenario {path}: {msg}") from exc
        except (OSError, sf.LibsndfileError) as exc:
            raise VoskBuildError(f"scenario {path}: cannot read its rendered audio: {_one_line(exc)}") from exc
    sr = manifest.sample_rate
    turns = []
    for t in manifest.turns:
        if t.kind != "say":
            continue
        a, b = round(t.start_s * sr), round(t.end_s * sr)
        turns.append(ScenarioTurn(t.index, t.lang, t.text, f"{t.engine}:{t.voice}", t.seed,
                                  {ch: call[a:b] for ch, call in calls.items()},
                                  t.content_start_s - t.start_s, t.content_end_s - t.start_s))
    return {"file": str(path), "call_id": manifest.call_id, "seed": manifest.seed}, turns


def _case(turn: ScenarioTurn, channel: str, expected: tuple[str, ...], grammar: tuple[str, ...]) -> Case:
    audio = turn.audio[channel]
    spec = UttSpec(
        uid=f"sc-{turn.index:02d}-{channel}", lang=turn.lang, text=turn.text,
        words=tuple(phrase_words(max(expected, key=len))) if expected else (UNK,),
        kind="phrase" if expected else "oov", voice=Voice(turn.voice, engine="synth"),
        speed=0, pitch=0, gain_db=0.0, snr_db=None,  # set by the scenario, not by a test plan
        channel=channel, lead_s=turn.speech_start, trail_s=len(audio) / RATE - turn.speech_end,
        silence="zero", seed=turn.seed)
    return Case(Rendered(spec, audio, turn.speech_start, turn.speech_end), grammar, CHANNEL_RATES[channel])


def evaluate_scenarios(model_dir: Path, phrases: PhraseSet, paths: Iterable[str | Path],
                       progress: Progress = print, workdir: Path | None = None) -> dict:
    """Render every scenario (failing fast on a bad one), decode all speech turns of the model's
    languages in one vosk child process, and return the ``report``.

    ``phrases``: the model's menu phrases (``phrases_from_metadata``). Turns in a language the model
    has no phrases for are not decoded; their numbers are listed under ``skipped_turns``.
    """
    rendered = []
    for path in paths:
        progress(f"rendering {path}")
        rendered.append(render_turns(path, workdir))
    cases: list[Case] = []
    plan = []  # (scenario number, turn, expected) in case order, one entry per channel pair
    scenarios = []
    for n, (info, turns) in enumerate(rendered):
        scenarios.append({**info, "skipped_turns": [t.index for t in turns if not phrases.for_lang(t.lang)],
                          "turns": []})
        for turn in turns:
            if not phrases.for_lang(turn.lang):
                continue
            expected = expected_phrases(turn.text, turn.lang, phrases)
            grammar = tuple(dict.fromkeys(phrases.for_lang(turn.lang))) + (UNK,)
            cases += [_case(turn, ch, expected, grammar) for ch in CHANNELS]
            plan.append((n, turn, expected))
    progress(f"decoding {len(plan)} turns x {len(CHANNELS)} channels with {model_dir}")
    outcomes, _ = decode(Path(model_dir), cases, workdir) if cases else ([], {})
    for k, (n, turn, expected) in enumerate(plan):
        heard = {ch: outcomes[k * len(CHANNELS) + i].text for i, ch in enumerate(CHANNELS)}
        scenarios[n]["turns"].append(turn_row(turn.index, turn.lang, turn.text, expected, heard))
    return report(scenarios)
