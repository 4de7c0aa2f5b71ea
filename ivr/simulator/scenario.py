"""Simulator scenarios: a scripted call and what it must produce, from YAML. Pure, no audio.

It extends ``hotline synth render`` scenarios (``synth.scenario``): the same speech turns
(``say`` with ``lang``, ``voice``, ``preset``, controls, ``noise``; ``dtmf``; call-wide
``seed``, ``noise``, ``packet_loss``), plus what only a phone call has::

    call_id: complaint-by-voice
    from: "+8613800000002"          # caller ID (the demo profiles know some numbers)
    order_backend: down             # embedded server only: self-service lookups fail
    turns:
      - digits: "1"                 # keys at the current <Gather> ("dtmf:" is the same)
      - say: 我要投诉               # speech on the media stream, after the prompt ends ...
        lang: zh
        voice: espeak:cmn+m7
        barge_in: 1.5               # ... or 1.5 s into the prompt (over it)
      - wav: calls/caller.wav       # a recorded caller turn (8 or 16 kHz mono, next to the scenario)
      - silence: true               # say nothing: the <Gather> times out (or `silence: 2.5` seconds)
      - hangup: true                # the caller hangs up here
      - agent: 您好，请问有什么可以帮您？   # after <Enqueue>: the agent's side (lang, voice)
    expect:
      queue: complaints             # final skill / queue
      intent: complaint
      priority_at_least: 60
      outcome: routed               # routed | self_served | abandoned | hangup
      self_served: false
      path: [welcome, main]         # nodes entered, in this order (others may come between)
      heard: [投诉]                 # what the recogniser heard, in order (substrings)
      emotion: [tense, agitated]    # the caller's live emotion label is one of these
      qa_categories: {present: [greeting], absent: [service_taboo]}

Every error names the file and the line: unknown keys, a malformed value, bad YAML.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ivr.simulator.errors import ScenarioFileError

OUTCOMES = ("routed", "self_served", "abandoned", "hangup")
_TOP_KEYS = {"call_id", "description", "seed", "from", "pause_before", "pause_after", "noise", "packet_loss",
             "order_backend", "turns", "expect"}
_CALLER_ONLY = {"barge_in"}
_EXPECT_KEYS = {"queue", "intent", "priority_at_least", "outcome", "self_served", "path", "heard", "emotion",
                "qa_categories"}


class _LineDict(dict):
    """A YAML mapping that remembers its line and each key's line (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        mapping = _LineDict(super().construct_mapping(node, deep=deep))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
        return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)


def _line(mapping: Any, key: str | None = None) -> int:
    if key is not None and hasattr(mapping, "key_lines") and key in mapping.key_lines:
        return mapping.key_lines[key]
    return getattr(mapping, "line", 0)


@dataclass(frozen=True)
class CallerTurn:
    """One thing the caller does: speak (synth turn or WAV), press keys, stay silent, hang up."""

    #: "say", "wav", "digits", "silence", "hangup" or "agent"
    kind: str
    #: the synthesis turn (``synth.Turn``) of "say" and "agent"
    speech: Any = None
    #: a WAV file of "wav"
    wav: Path | None = None
    digits: str = ""
    #: silence length in seconds; None = until the <Gather> times out
    seconds: float | None = None
    #: seconds into the prompt at which the caller starts (barge-in); None = after the prompt
    barge_in: float | None = None
    #: where the turn is written ("file:line")
    where: str = ""


@dataclass(frozen=True)
class Expectations:
    queue: str | None = None
    intent: str | None = None
    priority_at_least: int | None = None
    outcome: str | None = None
    self_served: bool | None = None
    path: tuple[str, ...] = ()
    heard: tuple[str, ...] = ()
    emotion: tuple[str, ...] = ()
    qa_present: tuple[str, ...] = ()
    qa_absent: tuple[str, ...] = ()

    @property
    def needs_qa(self) -> bool:
        return bool(self.qa_present or self.qa_absent)


@dataclass(frozen=True)
class CallScenario:
    call_id: str
    turns: tuple[CallerTurn, ...]
    expect: Expectations = field(default_factory=Expectations)
    caller: str = "+8613800138000"
    seed: int = 0
    packet_loss: float = 0.0
    order_backend: str = "up"
    description: str = ""
    #: the file it came from ("<wav>" for a plain WAV)
    source: str = "<dict>"

    @property
    def order_numbers(self) -> set[str]:
        """Digit strings ended by # that the caller types (what an order outage must cover)."""
        return {t.digits.split("#")[0] for t in self.turns if t.kind == "digits" and "#" in t.digits}


def load_call_scenario(path: str | Path) -> CallScenario:
    """A YAML scenario, or a WAV file (one caller turn, no expectations)."""
    path = Path(path)
    if path.suffix.lower() == ".wav":
        if not path.is_file():
            raise ScenarioFileError(f"{path}: no such WAV file")
        return CallScenario(call_id=path.stem, turns=(CallerTurn("wav", wav=path, where=str(path)),),
                            source=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioFileError(f"{path}: cannot read scenario: {exc.strerror or exc}") from exc
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ScenarioFileError(f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from exc
    return scenario_from_data(data, source=str(path), base_dir=path.parent, default_id=path.stem)


def scenario_from_data(data: Any, *, source: str = "<dict>", base_dir: Path = Path("."),
                       default_id: str = "call") -> CallScenario:
    """Validate a parsed scenario (line numbers come from :func:`load_call_scenario`'s loader)."""
    if not isinstance(data, dict):
        raise ScenarioFileError(f"{source}:1: a scenario is a mapping with a 'turns' list")
    _reject_unknown(data, _TOP_KEYS, source, "key(s)")
    synth_defaults = _synth_defaults(data, source)
    turns = data.get("turns")
    if not isinstance(turns, list) or not turns:
        raise ScenarioFileError(f"{source}:{_line(data, 'turns')}: 'turns' must be a non-empty list")
    parsed = tuple(_caller_turn(raw, i, source, base_dir, synth_defaults, data) for i, raw in enumerate(turns, 1))
    backend = data.get("order_backend", "up")
    if backend not in ("up", "down"):
        raise ScenarioFileError(f"{source}:{_line(data, 'order_backend')}: order_backend is up or down, got {backend!r}")
    caller = data.get("from", "+8613800138000")
    if not isinstance(caller, str):
        raise ScenarioFileError(f"{source}:{_line(data, 'from')}: from is a phone number in quotes, got {caller!r}")
    return CallScenario(call_id=str(data.get("call_id", default_id)), turns=parsed,
                        expect=_expectations(data.get("expect"), data, source), caller=caller,
                        seed=synth_defaults["seed"], packet_loss=synth_defaults["packet_loss"],
                        order_backend=backend, description=str(data.get("description", "")), source=source)


def _reject_unknown(mapping: dict, known: set[str], source: str, what: str) -> None:
    """One error at the first unknown key's line, listing what is known (a typo is the usual cause)."""
    unknown = sorted(set(mapping) - known, key=lambda k: _line(mapping, k))
    if unknown:
        raise ScenarioFileError(f"{source}:{_line(mapping, unknown[0])}: unknown {what}: {', '.join(unknown)} "
                                f"(known: {', '.join(sorted(known))})")


def _synth_defaults(data: dict, source: str) -> dict[str, Any]:
    """Call-wide speech settings, validated by synth itself (one source of truth for the rules)."""
    from synth.errors import ScenarioError
    from synth.scenario import scenario_from_dict

    probe = {k: data[k] for k in ("seed", "pause_before", "pause_after", "noise", "packet_loss") if k in data}
    try:
        sc = scenario_from_dict({**probe, "turns": [{"silence": 1}]}, source=source)
    except ScenarioError as exc:
        key = next((k for k in probe if f"{k}" in str(exc)), None)
        raise ScenarioFileError(_at_line(str(exc), source, _line(data, key))) from exc
    return {"seed": sc.seed, "packet_loss": sc.packet_loss, "raw": probe}


def _at_line(message: str, source: str, line: int) -> str:
    """synth says "<source>: ..."; the simulator says "<source>:<line>: ..."."""
    prefix = f"{source}: "
    return f"{source}:{line}: {message[len(prefix):]}" if message.startswith(prefix) else f"{source}:{line}: {message}"


def _speech_turn(raw: dict, text_key: str, where: str, defaults: dict[str, Any]):
    """A synth speech turn from the scenario's fields (synth validates voice, controls, noise)."""
    from synth.errors import ScenarioError
    from synth.scenario import scenario_from_dict

    fields = {("say" if k == text_key else k): v for k, v in raw.items() if k not in _CALLER_ONLY}
    try:
        sc = scenario_from_dict({**defaults["raw"], "turns": [fields]}, source=where)
    except ScenarioError as exc:
        raise ScenarioFileError(str(exc).replace(f"{where}: turn 1: ", f"{where}: ")) from exc
    return sc.turns[0]


def _caller_turn(raw: Any, index: int, source: str, base_dir: Path, defaults: dict[str, Any],
                 data: dict) -> CallerTurn:
    line = _line(raw) or _line(data, "turns")
    where = f"{source}:{line}"
    if not isinstance(raw, dict):
        raise ScenarioFileError(f"{where}: turn {index} must be a mapping (say, wav, digits, silence, hangup, agent)")
    kinds = [k for k in ("say", "wav", "digits", "dtmf", "silence", "hangup", "agent") if k in raw]
    if len(kinds) != 1:
        raise ScenarioFileError(f"{where}: turn {index} needs exactly one of say, wav, digits, silence, hangup, "
                                f"agent (got {', '.join(sorted(raw)) or 'nothing'})")
    kind = kinds[0]
    barge = raw.get("barge_in")
    if barge is not None and (kind not in ("say", "wav", "digits", "dtmf") or isinstance(barge, bool)
                              or not isinstance(barge, (int, float)) or barge < 0):
        raise ScenarioFileError(f"{source}:{_line(raw, 'barge_in')}: barge_in is seconds into the prompt (>= 0) "
                                f"on a say, wav or digits turn")
    if kind in ("say", "agent"):
        speech = _speech_turn(raw, kind, where, defaults)
        return CallerTurn(kind, speech=speech, barge_in=barge, where=where)
    extra = sorted(set(raw) - {kind, "barge_in"})
    if extra:
        raise ScenarioFileError(f"{source}:{_line(raw, extra[0])}: unknown key(s) for a {kind} turn: {', '.join(extra)}")
    value = raw[kind]
    if kind == "wav":
        path = (base_dir / str(value)) if not Path(str(value)).is_absolute() else Path(str(value))
        if not path.is_file():
            raise ScenarioFileError(f"{where}: WAV file {value} not found (looked at {path})")
        return CallerTurn("wav", wav=path, barge_in=barge, where=where)
    if kind in ("digits", "dtmf"):
        digits = str(value)
        if not digits or any(c not in "0123456789*#" for c in digits):
            raise ScenarioFileError(f"{where}: digits are keys from 0-9, * and #, got {value!r}")
        return CallerTurn("digits", digits=digits, barge_in=barge, where=where)
    if kind == "silence":
        if value is True:
            return CallerTurn("silence", where=where)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 600:
            raise ScenarioFileError(f"{where}: silence is true (until the prompt times out) or seconds (0-600)")
        return CallerTurn("silence", seconds=float(value), where=where)
    if value is not True:
        raise ScenarioFileError(f"{where}: write hangup: true")
    return CallerTurn("hangup", where=where)


def _names(value: Any, where: str, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ScenarioFileError(f"{where}: {what} is a name or a list of names, got {value!r}")


def _expectations(raw: Any, data: dict, source: str) -> Expectations:
    if raw is None:
        return Expectations()
    if not isinstance(raw, dict):
        raise ScenarioFileError(f"{source}:{_line(data, 'expect')}: expect is a mapping")
    _reject_unknown(raw, _EXPECT_KEYS, source, "expectation(s)")

    def at(key: str) -> str:
        return f"{source}:{_line(raw, key)}"

    values: dict[str, Any] = {}
    for key in ("queue", "intent"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise ScenarioFileError(f"{at(key)}: {key} is a name, got {raw[key]!r}")
            values[key] = raw[key]
    if "priority_at_least" in raw:
        if isinstance(raw["priority_at_least"], bool) or not isinstance(raw["priority_at_least"], int):
            raise ScenarioFileError(f"{at('priority_at_least')}: priority_at_least is a whole number")
        values["priority_at_least"] = raw["priority_at_least"]
    if "outcome" in raw:
        if raw["outcome"] not in OUTCOMES:
            raise ScenarioFileError(f"{at('outcome')}: outcome is one of {', '.join(OUTCOMES)}, got {raw['outcome']!r}")
        values["outcome"] = raw["outcome"]
    if "self_served" in raw:
        if not isinstance(raw["self_served"], bool):
            raise ScenarioFileError(f"{at('self_served')}: self_served is true or false")
        values["self_served"] = raw["self_served"]
    for key in ("path", "heard", "emotion"):
        if key in raw:
            values[key] = _names(raw[key], at(key), key)
    if "qa_categories" in raw:
        qa = raw["qa_categories"]
        if not isinstance(qa, dict) or set(qa) - {"present", "absent"}:
            raise ScenarioFileError(f"{at('qa_categories')}: qa_categories is {{present: [...], absent: [...]}}")
        values["qa_present"] = _names(qa.get("present", []), at("qa_categories"), "present")
        values["qa_absent"] = _names(qa.get("absent", []), at("qa_categories"), "absent")
    return dataclasses.replace(Expectations(), **values)
