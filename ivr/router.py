"""Skill routing: (intent, emotion, caller profile, queue state) -> skill, priority, reasons.

The rules are data (``ivr/routing.yaml``), validated on load. Routing is pure: a
:class:`RoutingRequest` in, a :class:`RouteDecision` out, with one human-readable
reason per step, so every decision on a call can be explained from what is recorded.

Order of a decision:

1. the skill the flow names (``skill_hint``), else the intent's default skill, and the
   flow's base priority (``base_priority``), else the rules' ``base_priority``;
2. each rule in file order whose conditions hold (skill, priority, last intent);
3. priority clamped to 0..100; ``vip`` overlay at ``vip_priority`` and above;
4. a queue at or over capacity hands the task to its overflow skill (followed
   until a queue has room, never in a circle).

Errors::

    RoutingError            bad routing input (unknown intent, skill, emotion label)
     └── RoutingRulesError  the rules file is invalid; ``problems`` lists each one
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import jsonschema
import yaml

from ivr.intents.vocabulary import DEFAULT_SKILL_FOR_INTENT, INTENTS, SKILLS, VIP_SKILL
from ivr.profiles import PLUS_LEVELS, CallerProfile

__all__ = [
    "DEFAULT_RULES",
    "EMOTION_LABELS",
    "EmotionInput",
    "QueueState",
    "RouteDecision",
    "Router",
    "RoutingError",
    "RoutingRequest",
    "RoutingRules",
    "RoutingRulesError",
    "Rule",
    "load_rules",
    "parse_rules",
]

DEFAULT_RULES = Path(__file__).resolve().parent / "routing.yaml"
#: emotion labels the emotion scorer emits, calmest first
EMOTION_LABELS: tuple[str, ...] = ("calm", "tense", "agitated", "distressed")
MIN_PRIORITY, MAX_PRIORITY = 0, 100


class RoutingError(ValueError):
    """Bad input to the router."""


class RoutingRulesError(RoutingError):
    """The routing rules are invalid; ``problems`` has one message per problem, with its location."""

    def __init__(self, problems: list[str], source: str = "routing rules"):
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s):\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class EmotionInput:
    """The emotion scorer's summary of the caller so far."""

    #: one of :data:`EMOTION_LABELS`
    label: str
    #: agitation/arousal score, 0..1
    score: float

    def __post_init__(self) -> None:
        if self.label not in EMOTION_LABELS:
            raise RoutingError(f"emotion label {self.label!r} is not one of {', '.join(EMOTION_LABELS)}")
        if not 0.0 <= self.score <= 1.0:
            raise RoutingError(f"emotion score {self.score} is outside 0..1")


@dataclass(frozen=True)
class QueueState:
    """A skill queue right now."""

    #: tasks waiting in the queue (count)
    waiting: int
    #: waiting tasks the queue takes before new ones overflow (count)
    capacity: int

    @property
    def over_capacity(self) -> bool:
        return self.waiting >= self.capacity


@dataclass(frozen=True)
class RoutingRequest:
    intent: str
    #: the skill the flow's leaf names; ``None`` = the intent's default skill
    skill_hint: str | None = None
    emotion: EmotionInput | None = None
    profile: CallerProfile | None = None
    #: skill -> its queue; skills not listed are taken to have room
    queue_state: Mapping[str, QueueState] | None = None
    #: the intent the caller was on before this one, in this call
    last_intent: str | None = None
    #: the flow's own starting priority for this route (0..100); ``None`` = the rules' base_priority
    base_priority: int | None = None


@dataclass(frozen=True)
class RouteDecision:
    skill: str
    #: TaskRouter priority, 0..100, higher is served first
    priority: int
    intent: str
    #: one stable, human-readable line per step that shaped the decision
    reasons: list[str]
    #: the TaskRouter ``<Task>`` attributes (JSON-serialisable)
    attributes: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """For recording on the call."""
        return asdict(self)


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    when: Mapping[str, Any]
    then: Mapping[str, Any]


@dataclass(frozen=True)
class RoutingRules:
    rules: tuple[Rule, ...]
    base_priority: int = 50
    vip_priority: int = 80
    #: skill -> skill that takes its tasks when it is over capacity
    overflow: Mapping[str, str] = field(default_factory=dict)


_LIST_OF_STRINGS = {"type": "array", "items": {"type": "string"}, "minItems": 1}
_COUNT = {"type": "integer", "minimum": 0}
_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "rules"],
    "properties": {
        "version": {"const": 1},
        "base_priority": {"type": "integer", "minimum": MIN_PRIORITY, "maximum": MAX_PRIORITY},
        "vip_priority": {"type": "integer", "minimum": MIN_PRIORITY, "maximum": MAX_PRIORITY},
        "overflow": {"type": "object", "additionalProperties": {"type": "string"}},
        "rules": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "description", "when", "then"],
                "properties": {
                    "id": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                    "description": {"type": "string", "minLength": 1},
                    "when": {
                        "type": "object",
                        "additionalProperties": False,
                        "minProperties": 1,
                        "properties": {
                            "intent": _LIST_OF_STRINGS,
                            "skill": _LIST_OF_STRINGS,
                            "emotion": _LIST_OF_STRINGS,
                            "emotion_score_at_least": {"type": "number", "minimum": 0, "maximum": 1},
                            "plus_level": _LIST_OF_STRINGS,
                            "open_complaints_at_least": _COUNT,
                            "calls_last_7_days_at_least": _COUNT,
                            "same_issue_as_last_call": {"type": "boolean"},
                        },
                    },
                    "then": {
                        "type": "object",
                        "additionalProperties": False,
                        "minProperties": 1,
                        "properties": {
                            "skill": {"type": "string"},
                            "priority": {"type": "integer", "minimum": -100, "maximum": 100},
                            "priority_at_least": {"type": "integer", "minimum": MIN_PRIORITY, "maximum": MAX_PRIORITY},
                            "attach_last_intent": {"type": "boolean"},
                        },
                    },
                },
            },
        },
    },
}


def _where(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _vocabulary_problems(data: Mapping[str, Any]) -> list[str]:
    """What the schema cannot know: names must come from the shared vocabulary."""
    problems = []
    known = {"intent": INTENTS, "skill": SKILLS, "emotion": EMOTION_LABELS, "plus_level": PLUS_LEVELS}
    seen_ids: set[str] = set()
    for i, rule in enumerate(data["rules"]):
        if rule["id"] in seen_ids:
            problems.append(f"rules[{i}].id: duplicate rule id {rule['id']!r}")
        seen_ids.add(rule["id"])
        for key, allowed in known.items():
            for value in rule["when"].get(key, []):
                if value not in allowed:
                    problems.append(f"rules[{i}].when.{key}: {value!r} is not one of {', '.join(allowed)}")
        skill = rule["then"].get("skill")
        if skill is not None and skill not in SKILLS:
            problems.append(f"rules[{i}].then.skill: {skill!r} is not one of {', '.join(SKILLS)}")
    for source, target in data.get("overflow", {}).items():
        for where, skill in ((f"overflow.{source}", source), (f"overflow.{source}", target)):
            if skill not in SKILLS:
                problems.append(f"{where}: {skill!r} is not one of {', '.join(SKILLS)}")
    return problems


def parse_rules(data: Any, source: str = "routing rules") -> RoutingRules:
    """Validate plain data (as loaded from YAML) into :class:`RoutingRules`.

    Raises :class:`RoutingRulesError` listing every problem with its location.
    """
    validator = jsonschema.Draft202012Validator(_SCHEMA)
    problems = [f"{_where(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    if problems:
        raise RoutingRulesError(sorted(problems), source)
    problems = _vocabulary_problems(data)
    if problems:
        raise RoutingRulesError(problems, source)
    return RoutingRules(
        rules=tuple(Rule(r["id"], r["description"], r["when"], r["then"]) for r in data["rules"]),
        base_priority=data.get("base_priority", 50),
        vip_priority=data.get("vip_priority", 80),
        overflow=dict(data.get("overflow", {})),
    )


def load_rules(path: str | Path | None = None) -> RoutingRules:
    """Read and validate a rules file (default: the shipped ``ivr/routing.yaml``)."""
    path = Path(path) if path is not None else DEFAULT_RULES
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RoutingRulesError([f"cannot read: {exc.strerror or exc}"], str(path)) from exc
    except yaml.YAMLError as exc:
        raise RoutingRulesError([f"not valid YAML: {exc}"], str(path)) from exc
    return parse_rules(data, str(path))


def _holds(when: Mapping[str, Any], request: RoutingRequest, skill: str) -> bool:
    profile, emotion = request.profile, request.emotion
    checks = {
        "intent": lambda v: request.intent in v,
        "skill": lambda v: skill in v,
        "emotion": lambda v: emotion is not None and emotion.label in v,
        "emotion_score_at_least": lambda v: emotion is not None and emotion.score >= v,
        "plus_level": lambda v: profile is not None and profile.plus_level in v,
        "open_complaints_at_least": lambda v: profile is not None and profile.open_complaints >= v,
        "calls_last_7_days_at_least": lambda v: profile is not None and profile.calls_last_7_days >= v,
        "same_issue_as_last_call": lambda v: (profile is not None and profile.last_intent == request.intent) == v,
    }
    return all(checks[key](value) for key, value in when.items())


def _effects(then: Mapping[str, Any], request: RoutingRequest) -> str:
    parts = []
    if "skill" in then:
        parts.append(f"skill {then['skill']}")
    if "priority" in then:
        parts.append(f"priority {then['priority']:+d}")
    if "priority_at_least" in then:
        parts.append(f"priority at least {then['priority_at_least']}")
    if then.get("attach_last_intent"):
        parts.append(f"last intent {request.last_intent or 'none'} attached")
    return ", ".join(parts)


class Router:
    """Applies :class:`RoutingRules` to routing requests."""

    def __init__(self, rules: RoutingRules):
        self.rules = rules

    @classmethod
    def from_yaml(cls, path: str | Path | None = None) -> "Router":
        return cls(load_rules(path))

    def route(self, request: RoutingRequest) -> RouteDecision:
        """Decide skill, priority and reasons. Raises :class:`RoutingError` for unknown names."""
        if request.intent not in INTENTS:
            raise RoutingError(f"unknown intent {request.intent!r}")
        if request.skill_hint is not None and request.skill_hint not in SKILLS:
            raise RoutingError(f"unknown skill {request.skill_hint!r} (known: {', '.join(SKILLS)})")

        if request.skill_hint is not None:
            skill = request.skill_hint
            reasons = [f"flow: skill {skill} for intent {request.intent}"]
        else:
            skill = DEFAULT_SKILL_FOR_INTENT[request.intent]
            reasons = [f"default: intent {request.intent} is served by skill {skill}"]
        if request.base_priority is None:
            priority = self.rules.base_priority
        elif MIN_PRIORITY <= request.base_priority <= MAX_PRIORITY:
            priority = request.base_priority
            reasons.append(f"flow: base priority {priority}")
        else:
            raise RoutingError(f"base priority {request.base_priority} is outside {MIN_PRIORITY}..{MAX_PRIORITY}")
        fired: list[str] = []
        attach_last_intent = False

        for rule in self.rules.rules:
            if not _holds(rule.when, request, skill):
                continue
            then = rule.then
            skill = then.get("skill", skill)
            priority += then.get("priority", 0)
            priority = max(priority, then.get("priority_at_least", priority))
            attach_last_intent |= bool(then.get("attach_last_intent"))
            fired.append(rule.id)
            reasons.append(f"{rule.id}: {rule.description} ({_effects(then, request)})")

        clamped = min(MAX_PRIORITY, max(MIN_PRIORITY, priority))
        if clamped != priority:
            reasons.append(f"priority: {priority} clamped to {clamped}")
        priority = clamped
        skill = self._overflow(skill, request.queue_state or {}, reasons)
        vip = priority >= self.rules.vip_priority
        if vip:
            reasons.append(f"vip: priority {priority} reaches {self.rules.vip_priority}")

        attributes: dict[str, Any] = {
            "skill": skill,
            "intent": request.intent,
            "priority": priority,
            "vip": vip,
            "rules": fired,
            "reasons": list(reasons),
        }
        if vip:
            attributes["overlay"] = VIP_SKILL
        if request.emotion is not None:
            attributes["emotion"] = request.emotion.label
            attributes["emotion_score"] = round(request.emotion.score, 3)
        if request.profile is not None:
            attributes["plus_level"] = request.profile.plus_level
            attributes["calls_last_7_days"] = request.profile.calls_last_7_days
        if attach_last_intent:
            attributes["last_intent"] = request.last_intent
        return RouteDecision(skill, priority, request.intent, reasons, attributes)

    def _overflow(self, skill: str, queues: Mapping[str, QueueState], reasons: list[str]) -> str:
        visited = {skill}
        while skill in queues and queues[skill].over_capacity:
            fallback = self.rules.overflow.get(skill)
            state = queues[skill]
            if fallback is None or fallback in visited:
                reasons.append(f"overflow: {skill} is full ({state.waiting}/{state.capacity}) and has no other queue; staying")
                break
            reasons.append(f"overflow: {skill} is full ({state.waiting}/{state.capacity}); sent to {fallback}")
            visited.add(fallback)
            skill = fallback
        return skill
