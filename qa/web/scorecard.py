"""Scorecards as data: load a form (YAML, ``hotline.qa.scorecard/1``), prefill it from the auto-QA
rules' results, read a reviewer's answers and compute the score. Pure apart from reading the file.

Scoring (0-100):

- a question's value is a fraction: yes 1 / no 0; a scale answer ``(v - min) / (max - min)``; a
  choice its option's ``value``; ``na`` (where ``allow_na``) leaves the question out;
- a section's fraction is the weighted mean of its answered questions (weights within the section);
- the total is the weighted mean of the sections that have an answer (section weights), times 100,
  so a section left entirely ``na`` does not drag the score down;
- a ``critical`` question answered with value 0 fails the whole card: the total is 0 (the
  Quality-AI "auto-fail" for taboo phrases and the like).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import jsonschema
import yaml

SCHEMA_ID = "hotline.qa.scorecard/1"
SHIPPED = Path(__file__).with_name("scorecards") / "standard.yaml"
NA = "na"
TYPES = ("yes_no", "scale", "choice")

_LOCALISED = {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string"}}
_SCHEMA = {
    "type": "object",
    "required": ["schema", "id", "version", "title", "sections"],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "id": {"type": "string", "pattern": "^[a-z0-9_-]+$"},
        "version": {"type": "integer", "minimum": 1},
        "title": _LOCALISED,
        "sections": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["id", "title", "weight", "questions"], "additionalProperties": False,
            "properties": {
                "id": {"type": "string"}, "title": _LOCALISED, "weight": {"type": "number", "exclusiveMinimum": 0},
                "questions": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "required": ["id", "text", "type", "weight"], "additionalProperties": False,
                    "properties": {
                        "id": {"type": "string"}, "text": _LOCALISED, "type": {"enum": list(TYPES)},
                        "weight": {"type": "number", "exclusiveMinimum": 0}, "critical": {"type": "boolean"},
                        "allow_na": {"type": "boolean"}, "min": {"type": "integer"}, "max": {"type": "integer"},
                        "options": {"type": "array", "minItems": 2, "items": {
                            "type": "object", "required": ["id", "label", "value"], "additionalProperties": False,
                            "properties": {"id": {"type": "string"}, "label": _LOCALISED,
                                           "value": {"type": "number", "minimum": 0, "maximum": 1}}}},
                        "prefill": {"type": "object", "required": ["categories"], "additionalProperties": False,
                                    "properties": {"categories": {"type": "array", "items": {"type": "string"}},
                                                   "fired": {"type": ["string", "integer"]},
                                                   "otherwise": {"type": ["string", "integer"]}}},
                    }}},
            }}},
    },
}


class ScorecardError(ValueError):
    """A form file that is not a valid scorecard (the message names the place)."""


@dataclass(frozen=True)
class Option:
    id: str
    label: dict[str, str]
    value: float


@dataclass(frozen=True)
class Question:
    id: str
    text: dict[str, str]
    type: str
    weight: float
    critical: bool = False
    allow_na: bool = False
    min: int = 1
    max: int = 5
    options: tuple[Option, ...] = ()
    #: rule categories that prefill this question, and the answers when one fired / none did
    prefill_categories: tuple[str, ...] = ()
    prefill_fired: str | None = None
    prefill_otherwise: str | None = None

    def choices(self) -> list[str]:
        """The answers this question accepts, as form values."""
        if self.type == "yes_no":
            found = ["yes", "no"]
        elif self.type == "scale":
            found = [str(v) for v in range(self.min, self.max + 1)]
        else:
            found = [o.id for o in self.options]
        return found + ([NA] if self.allow_na else [])

    def fraction(self, answer: str) -> float | None:
        """The answer's value in [0, 1] (None for ``na``)."""
        if answer == NA:
            return None
        if self.type == "yes_no":
            return 1.0 if answer == "yes" else 0.0
        if self.type == "scale":
            return (int(answer) - self.min) / (self.max - self.min)
        return next(o.value for o in self.options if o.id == answer)


@dataclass(frozen=True)
class Section:
    id: str
    title: dict[str, str]
    weight: float
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Scorecard:
    id: str
    version: int
    title: dict[str, str]
    sections: tuple[Section, ...]

    @property
    def key(self) -> str:
        """What a submission records: ``id@version``."""
        return f"{self.id}@{self.version}"

    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]


@dataclass(frozen=True)
class Score:
    #: 0..100
    total: float
    #: section id -> 0..100 (None: nothing answered in it)
    sections: dict[str, float | None]
    #: critical questions answered 0 (the total is then 0)
    failed_critical: list[str] = field(default_factory=list)


def parse_scorecard(data: Any, where: str = "scorecard") -> Scorecard:
    """A :class:`Scorecard` from parsed YAML; raises :class:`ScorecardError` naming the bad place."""
    errors = sorted(jsonschema.Draft202012Validator(_SCHEMA).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        raise ScorecardError("; ".join(f"{where}: {'/'.join(str(p) for p in e.path) or '(top)'}: {e.message}"
                                       for e in errors))
    sections = tuple(Section(s["id"], s["title"], float(s["weight"]), tuple(_question(q) for q in s["questions"]))
                     for s in data["sections"])
    card = Scorecard(data["id"], data["version"], data["title"], sections)
    problems = []
    ids = [q.id for q in card.questions()]
    problems += [f"question id {i!r} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for q in card.questions():
        if q.type == "choice" and not q.options:
            problems.append(f"question {q.id!r}: a choice needs options")
        if q.type == "scale" and q.max <= q.min:
            problems.append(f"question {q.id!r}: max must be above min")
        for answer in (q.prefill_fired, q.prefill_otherwise):
            if answer is not None and answer not in q.choices():
                problems.append(f"question {q.id!r}: prefill answer {answer!r} is not one of {q.choices()}")
    if problems:
        raise ScorecardError("; ".join(f"{where}: {p}" for p in problems))
    return card


def _question(q: dict) -> Question:
    prefill = q.get("prefill") or {}
    as_text = (lambda v: None if v is None else str(v))
    return Question(
        id=q["id"], text=q["text"], type=q["type"], weight=float(q["weight"]), critical=q.get("critical", False),
        allow_na=q.get("allow_na", False), min=q.get("min", 1), max=q.get("max", 5),
        options=tuple(Option(o["id"], o["label"], float(o["value"])) for o in q.get("options", ())),
        prefill_categories=tuple(prefill.get("categories", ())), prefill_fired=as_text(prefill.get("fired")),
        prefill_otherwise=as_text(prefill.get("otherwise")),
    )


def load_scorecard(path: Path | str | None = None) -> Scorecard:
    """The form in ``path`` (default: the shipped ``standard.yaml``)."""
    return _load(str(path or SHIPPED))


@cache
def _load(path: str) -> Scorecard:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScorecardError(f"{path}: {exc}") from exc
    return parse_scorecard(data, where=path)


def prefill(card: Scorecard, fired_categories: Iterable[str]) -> dict[str, str]:
    """The answers the rule results give (question id -> answer); questions without a rule are absent."""
    fired = set(fired_categories)
    answers = {}
    for q in card.questions():
        if not q.prefill_categories:
            continue
        answer = q.prefill_fired if fired & set(q.prefill_categories) else q.prefill_otherwise
        if answer is not None:
            answers[q.id] = answer
    return answers


def read_answers(card: Scorecard, form: Mapping[str, str], prefilled: Mapping[str, str]
                 ) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The submitted answers (``a_<question>`` and ``note_<question>`` fields) checked against the card.

    Returns ``({question: {"value", "prefilled", "note"}}, problems)``: every question needs an
    accepted answer, and overriding a prefilled answer needs a note saying why.
    """
    answers: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for q in card.questions():
        value = (form.get(f"a_{q.id}") or "").strip()
        note = (form.get(f"note_{q.id}") or "").strip()
        if value not in q.choices():
            problems.append(q.id)
            continue
        was = prefilled.get(q.id)
        if was is not None and value != was and not note:
            problems.append(q.id)
            continue
        answers[q.id] = {"value": value, "prefilled": was, "note": note}
    return answers, problems


def compute_score(card: Scorecard, answers: Mapping[str, str]) -> Score:
    """The score of ``answers`` (question id -> answer) on ``card`` (see the module docstring);
    a question without a valid answer counts as unanswered."""
    sections: dict[str, float | None] = {}
    failed = []
    weighted = weight_sum = 0.0
    for section in card.sections:
        total = weights = 0.0
        for q in section.questions:
            if answers.get(q.id) not in q.choices():
                continue  # unanswered (or not an answer this question takes: a half-filled form's preview)
            fraction = q.fraction(answers[q.id])
            if fraction is None:
                continue
            if q.critical and fraction == 0:
                failed.append(q.id)
            total += q.weight * fraction
            weights += q.weight
        sections[section.id] = round(100 * total / weights, 2) if weights else None
        if weights:
            weighted += section.weight * total / weights
            weight_sum += section.weight
    overall = 0.0 if failed or not weight_sum else round(100 * weighted / weight_sum, 2)
    return Score(overall, sections, failed)
