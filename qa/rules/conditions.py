"""The conditions a QA rule is made of, and what each one finds in a :class:`CallAnalysis`.

Each condition answers with a :class:`Verdict`: whether it holds, and the places in the call
that made it hold (:class:`qa.analysis.Match`: party, start/end ms, the words or what was
measured). Pure functions of the analysis; nothing here reads files.

Semantics (the rules file's ``when`` is one of these; see ``schema_v1.json``):

* ``said`` / ``not_said`` — a party said (did not say) one of the phrases, ``match: exact``
  (default) or ``tolerant`` (see :mod:`qa.rules.phrases`), optionally ``within`` a window, and
  not as part of an ``except`` phrase ("不知道" is a taboo, "不知道您方便吗" is not). A turn's
  language is read from its text (Han characters: zh; Latin letters: en), else the call's
  ``facts.locale``; only that language's phrases are looked for in it. ``not_said`` reports the
  window it searched.
* ``within`` — ``first_s: N`` the first N s, ``last_s: N`` the last N s (ending at the end of the
  recording), ``from_s``/``to_s`` offsets; all counted from the start of the agent conversation
  (``analysis.agent_start_ms``), or from the start of the recording with ``of: call``. A phrase
  counts when its first word starts inside the window. Without an agent an agent window does
  not exist and the condition is false, ``not_said`` included.
* ``emotion`` — the party's emotion timeline (``analysis.emotion[party].points``) has windows
  with agitation ``>= at_least`` and/or a label in ``labels`` (either suffices) that together
  last ``for_s``: as one continuous stretch (``measure: continuous``, default: overlapping or
  touching windows join) or in total (``measure: total``).
* ``non_talk`` — from ``characteristics["non_talk"]``: a silence ``longer_than_s``, or silences
  adding up to more than ``total_over_s``.
* ``interruptions`` — ``characteristics["interruptions"]`` by ``party`` (either when omitted)
  number more than ``more_than``.
* ``talk_speed`` — ``characteristics["talk_speed"][party]`` lies outside the range given for
  its unit (``cpm: [lo, hi]`` Han characters per minute, ``wpm: [lo, hi]`` English words per
  minute); a unit without a range, or no measurement, is false.
* ``fact`` — a :class:`qa.analysis.CallFacts` field ``equals`` a value, is ``in`` a list, is
  ``at_least`` / ``at_most`` a number, or (``path``) ``contains`` a node.
* ``all`` / ``any`` / ``not`` — combinations. ``all`` and ``any`` report the matches of the
  conditions that held; ``not`` reports none.

A characteristic that is missing or malformed makes its condition false; it never raises.

A category whose condition reads the agent conversation (a phrase or emotion of the agent, a
window ``of: agent``, interruptions, the agent's talk speed) only applies to calls that reached
an agent: on a call with ``agent_start_ms`` None it never fires, whatever ``not``/``not_said``
would say, so an IVR-only call is not "missing" a greeting. ``requires_agent: true`` asks for
the same on any category (the shipped ``long_silence``: silence in the IVR is not the agent's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Iterator, Mapping, Protocol, Sequence

from qa.analysis import CallAnalysis, Match, Turn
from qa.rules.phrases import PhraseList, Unit, text_lang

# ---- the call as conditions read it --------------------------------------------------------


@dataclass(frozen=True)
class TurnView:
    """A turn with its language and its words as matchable units."""

    turn: Turn
    lang: str
    units: tuple[Unit, ...]
    #: True when the units are real words with times (False: the whole turn is one unit)
    timed: bool


class Call:
    """One analysis prepared for evaluation: every turn's language and words worked out once."""

    def __init__(self, analysis: CallAnalysis):
        self.analysis = analysis
        self.lang = analysis.facts.locale.split("-", 1)[0].lower() if analysis.facts.locale else "zh"
        self.turns: tuple[TurnView, ...] = tuple(self._view(t) for t in analysis.turns)

    def _view(self, turn: Turn) -> TurnView:
        words = tuple(Unit(w.text, w.start_ms, w.end_ms) for w in turn.words if w.text.strip())
        text = turn.text if turn.text.strip() else " ".join(u.text for u in words)
        if words:
            return TurnView(turn, text_lang(text, self.lang), words, True)
        return TurnView(turn, text_lang(text, self.lang), (Unit(text, turn.start_ms, turn.end_ms),), False)

    def party_turns(self, party: str) -> Iterator[TurnView]:
        return (v for v in self.turns if v.turn.party == party)

    def turn_at(self, party: str | None, ms: int) -> TurnView | None:
        """The turn of ``party`` under time ``ms`` (a match's start)."""
        for view in self.turns:
            if view.turn.party == party and view.turn.start_ms <= ms <= view.turn.end_ms:
                return view
        return None

    def characteristic(self, key: str) -> Any:
        return self.analysis.characteristics.get(key) if isinstance(self.analysis.characteristics, dict) else None


@dataclass(frozen=True)
class Verdict:
    fired: bool
    matches: tuple[Match, ...] = ()


class Condition(Protocol):
    def evaluate(self, call: Call) -> Verdict:
        """Whether the condition holds on the call, and where."""

    def children(self) -> Sequence["Condition"]:
        """The conditions directly inside this one (``all``/``any``/``not``), else none."""

    def needs_agent(self) -> bool:
        """Whether the condition only makes sense for a call that reached an agent."""


_FALSE = Verdict(False)


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.1f} s"


# ---- windows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A stretch of the call: see the module docstring (``within``). Seconds, as written."""

    first_s: float | None = None
    last_s: float | None = None
    from_s: float | None = None
    to_s: float | None = None
    #: agent: offsets from the start of the agent conversation; call: from the start of the recording
    of: str = "agent"

    def bounds(self, analysis: CallAnalysis) -> tuple[int, int] | None:
        """``(lo_ms, hi_ms)``, inclusive; None when the window does not exist (no agent)."""
        anchor = 0 if self.of == "call" else analysis.agent_start_ms
        if anchor is None:
            return None
        end = max(analysis.duration_ms, anchor)
        if self.first_s is not None:
            return anchor, min(end, anchor + round(self.first_s * 1000))
        if self.last_s is not None:
            return max(anchor, end - round(self.last_s * 1000)), end
        lo = anchor + round((self.from_s or 0) * 1000)
        hi = end if self.to_s is None else min(end, anchor + round(self.to_s * 1000))
        return lo, hi

    @property
    def needs_agent(self) -> bool:
        return self.of == "agent"


def _bounds(window: Window | None, call: Call) -> tuple[int, int] | None:
    return (0, call.analysis.duration_ms) if window is None else window.bounds(call.analysis)


def _inside(bounds: tuple[int, int], start_ms: int) -> bool:
    return bounds[0] <= start_ms <= bounds[1]


# ---- phrases -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    """``said`` (``negated`` False) or ``not_said``: a party's phrases, optionally in a window."""

    party: str
    phrases: PhraseList
    excluded: PhraseList | None = None
    window: Window | None = None
    negated: bool = False

    def children(self) -> Sequence[Condition]:
        return ()

    def needs_agent(self) -> bool:
        return self.party == "agent" or bool(self.window and self.window.needs_agent)

    def occurrences(self, call: Call) -> list[Match]:
        out = []
        for view in call.party_turns(self.party):
            found = self.phrases.find(view.units, view.lang)
            if not found:
                continue
            excluded = self.excluded.find(view.units, view.lang) if self.excluded else []
            sep = "" if view.lang == "zh" else " "
            for f in found:
                if any(f.first <= e.last and e.first <= f.last for e in excluded):
                    continue
                units = view.units[f.first : f.last + 1]
                text = sep.join(u.text for u in units) if view.timed else (view.turn.redacted_text or view.turn.text)
                out.append(Match(self.party, units[0].start_ms, units[-1].end_ms, text))
        return out

    def evaluate(self, call: Call) -> Verdict:
        bounds = _bounds(self.window, call)
        if bounds is None:
            return _FALSE
        hits = [m for m in self.occurrences(call) if _inside(bounds, m.start_ms)]
        if not self.negated:
            return Verdict(bool(hits), tuple(hits))
        if hits:
            return _FALSE
        listened = " / ".join(self.phrases.phrases(call.lang)) or "the phrases"
        return Verdict(True, (Match(self.party, bounds[0], bounds[1], f"not said: {listened}"),))


# ---- emotion -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Emotion:
    """A party agitated (``at_least`` / ``labels``) for ``for_ms``, continuously or in total."""

    party: str
    for_ms: int
    at_least: float | None = None
    labels: frozenset[str] = field(default_factory=frozenset)
    measure: str = "continuous"
    window: Window | None = None

    def children(self) -> Sequence[Condition]:
        return ()

    def needs_agent(self) -> bool:
        return self.party == "agent" or bool(self.window and self.window.needs_agent)

    def _qualifies(self, agitation: float | None, label: str | None) -> bool:
        if self.at_least is not None and agitation is not None and agitation >= self.at_least:
            return True
        return label is not None and label in self.labels

    def _describe(self) -> str:
        parts = []
        if self.at_least is not None:
            parts.append(f"agitation >= {self.at_least:.2f}")
        if self.labels:
            parts.append("/".join(sorted(self.labels)))
        return " or ".join(parts)

    def evaluate(self, call: Call) -> Verdict:
        timeline = call.analysis.emotion.get(self.party) if isinstance(call.analysis.emotion, dict) else None
        bounds = _bounds(self.window, call)
        if timeline is None or bounds is None:
            return _FALSE
        spans = sorted(
            (max(p.t0_ms, bounds[0]), min(p.t1_ms, bounds[1]), p.agitation)
            for p in timeline.points
            if self._qualifies(p.agitation, p.label)
        )
        merged: list[list] = []  # [start, end, peak]
        for start, end, agitation in spans:
            if end <= start:
                continue
            peak = agitation if agitation is not None else -1.0
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
                merged[-1][2] = max(merged[-1][2], peak)
            else:
                merged.append([start, end, peak])
        if self.measure == "total":
            hits = merged if sum(e - s for s, e, _ in merged) >= self.for_ms else []
        else:
            hits = [m for m in merged if m[1] - m[0] >= self.for_ms]
        what = self._describe()
        matches = tuple(
            Match(self.party, s, e, f"{what} for {_seconds(e - s)}" + (f" (peak {p:.2f})" if p >= 0 else ""))
            for s, e, p in hits
        )
        return Verdict(bool(hits), matches)


# ---- conversation characteristics --------------------------------------------------------


def _spans(value: Any) -> list[dict]:
    """The well-formed ``{start_ms, end_ms, ...}`` items of a characteristics list (others skipped)."""
    if not isinstance(value, list):
        return []
    out = []
    for item in value:
        if not isinstance(item, dict):
            continue
        start, end = item.get("start_ms"), item.get("end_ms")
        if not isinstance(start, (int, float)) or not isinstance(end, (int, float)):
            continue
        duration = item.get("duration_ms")
        duration = duration if isinstance(duration, (int, float)) else end - start
        out.append({**item, "start_ms": int(start), "end_ms": int(end), "duration_ms": int(duration)})
    return out


@dataclass(frozen=True)
class NonTalk:
    """Nobody talking: one silence longer than ``longer_than_ms``, or more than ``total_over_ms`` in all."""

    longer_than_ms: int | None = None
    total_over_ms: int | None = None
    window: Window | None = None

    def children(self) -> Sequence[Condition]:
        return ()

    def needs_agent(self) -> bool:
        return bool(self.window and self.window.needs_agent)

    def evaluate(self, call: Call) -> Verdict:
        bounds = _bounds(self.window, call)
        if bounds is None:
            return _FALSE
        silences = [s for s in _spans(call.characteristic("non_talk")) if _inside(bounds, s["start_ms"])]
        if self.longer_than_ms is not None:
            hits = [s for s in silences if s["duration_ms"] > self.longer_than_ms]
        else:
            total = sum(s["duration_ms"] for s in silences)
            hits = silences if self.total_over_ms is not None and total > self.total_over_ms else []
        matches = tuple(Match(None, s["start_ms"], s["end_ms"], f"silence {_seconds(s['duration_ms'])}") for s in hits)
        return Verdict(bool(hits), matches)


@dataclass(frozen=True)
class Interruptions:
    """More than ``more_than`` interruptions by ``party`` (None: by either party)."""

    more_than: int
    party: str | None = None
    window: Window | None = None

    def children(self) -> Sequence[Condition]:
        return ()

    def needs_agent(self) -> bool:
        return True  # interruptions are counted between caller and agent only

    def evaluate(self, call: Call) -> Verdict:
        bounds = _bounds(self.window, call)
        if bounds is None:
            return _FALSE
        hits = [
            s for s in _spans(call.characteristic("interruptions"))
            if (self.party is None or s.get("party") == self.party) and _inside(bounds, s["start_ms"])
        ]
        if len(hits) <= self.more_than:
            return _FALSE
        return Verdict(True, tuple(
            Match(s.get("party"), s["start_ms"], s["end_ms"],
                  f"interruption by {s.get('party')} ({_seconds(s['duration_ms'])})")
            for s in hits
        ))


@dataclass(frozen=True)
class TalkSpeed:
    """A party's talk speed outside the range for its unit (``ranges``: unit -> (lo, hi))."""

    party: str
    ranges: dict[str, tuple[float, float]]

    def children(self) -> Sequence[Condition]:
        return ()

    def needs_agent(self) -> bool:
        return self.party == "agent"

    def evaluate(self, call: Call) -> Verdict:
        speeds = call.characteristic("talk_speed")
        speed = speeds.get(self.party) if isinstance(speeds, dict) else None
        if not isinstance(speed, dict):
            return _FALSE
        unit, value = speed.get("unit"), speed.get("value")
        if unit not in self.ranges or not isinstance(value, (int, float)) or isinstance(value, bool):
            return _FALSE
        lo, hi = self.ranges[unit]
        if lo <= value <= hi:
            return _FALSE
        span = call.characteristic("conversation")
        start = span.get("start_ms") if isinstance(span, dict) else None
        end = span.get("end_ms") if isinstance(span, dict) else None
        start = start if isinstance(start, int) else 0
        end = end if isinstance(end, int) else call.analysis.duration_ms
        return Verdict(True, (Match(self.party, start, end, f"{value:.0f} {unit} (expected {lo:g}-{hi:g})"),))


# ---- call facts --------------------------------------------------------------------------

#: fact name -> the kinds of comparison it allows
FACT_OPERATORS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "locale": ("equals", "in"),
    "skill": ("equals", "in"),
    "intent": ("equals", "in"),
    "outcome": ("equals", "in"),
    "priority": ("equals", "in", "at_least", "at_most"),
    "reprompts": ("equals", "in", "at_least", "at_most"),
    "repeat_caller": ("equals",),
    "path": ("contains",),
})


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b  # True == 1 in Python, but `equals: true` means the boolean
    return a == b


@dataclass(frozen=True)
class Fact:
    """A call fact compared with a value (``op`` one of :data:`FACT_OPERATORS` for ``name``)."""

    name: str
    op: str
    value: Any

    def children(self) -> Sequence[Condition]:
        return ()

    def needs_agent(self) -> bool:
        return False

    def evaluate(self, call: Call) -> Verdict:
        actual = getattr(call.analysis.facts, self.name, None)
        number = isinstance(actual, (int, float)) and not isinstance(actual, bool)
        if self.op == "equals":
            fired = _same(actual, self.value)
        elif self.op == "in":
            fired = any(_same(actual, v) for v in self.value)
        elif self.op == "at_least":
            fired = number and actual >= self.value
        elif self.op == "at_most":
            fired = number and actual <= self.value
        else:  # contains
            fired = isinstance(actual, (tuple, list)) and self.value in actual
        if not fired:
            return _FALSE
        return Verdict(True, (Match(None, 0, call.analysis.duration_ms, f"{self.name} = {actual!r}"),))


# ---- combinations ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """What all and any share: their conditions are their children."""

    conditions: tuple[Condition, ...]

    def children(self) -> Sequence[Condition]:
        return self.conditions

    def needs_agent(self) -> bool:
        return any(c.needs_agent() for c in self.conditions)


@dataclass(frozen=True)
class AllOf(_Group):
    def evaluate(self, call: Call) -> Verdict:
        verdicts = [c.evaluate(call) for c in self.conditions]
        if not all(v.fired for v in verdicts):
            return _FALSE
        return Verdict(True, tuple(m for v in verdicts for m in v.matches))


@dataclass(frozen=True)
class AnyOf(_Group):
    def evaluate(self, call: Call) -> Verdict:
        fired = [v for v in (c.evaluate(call) for c in self.conditions) if v.fired]
        return Verdict(bool(fired), tuple(m for v in fired for m in v.matches))


@dataclass(frozen=True)
class Not:
    condition: Condition

    def children(self) -> Sequence[Condition]:
        return (self.condition,)

    def needs_agent(self) -> bool:
        return self.condition.needs_agent()

    def evaluate(self, call: Call) -> Verdict:
        return Verdict(not self.condition.evaluate(call).fired)


def walk(condition: Condition) -> Iterator[Condition]:
    """The condition and every condition inside it, depth first."""
    yield condition
    for child in condition.children():
        yield from walk(child)
