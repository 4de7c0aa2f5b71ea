"""Load a rules file: YAML text -> structural checks (JSON Schema) -> semantic checks -> :class:`RuleSet`.

Validated the way flows are (:mod:`ivr.flow.loader`): every problem is collected with the
YAML line and the path inside the document it comes from, so ``hotline qa rules check`` can
report all of them at once, each as ``file:line: path: message``. Loading never
half-succeeds: either a :class:`RuleSet` comes back or :class:`RulesError` lists what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import jsonschema

# one YAML line map and message style for flows and rules files
from ivr.flow.loader import Problem, _format_path, _Lines, _schema_message, read_yaml
from ivr.intents import DataError
from ivr.intents.vocabulary import INTENTS, SKILLS
from qa.rules import conditions as c
from qa.rules.phrases import LANGS, PhraseList
from qa.rules.ruleset import Category, FollowUpRule, RuleSet

#: the ``schema`` value of a rules file this loader reads
SCHEMA_ID = "hotline.qa.rules/1"
_PathT = tuple[Any, ...]
_Report = Callable[[_PathT, str], None]
_WINDOW_FORMS = ("first_s", "last_s", "from_s/to_s")
_FACT_OPS = ("equals", "in", "at_least", "at_most", "contains")


class RulesError(ValueError):
    """A rules file is invalid; ``problems`` lists every problem, each as ``file:line: path: message``."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.details = problems
        self.problems = [p.format(source) for p in problems]
        lines = "\n".join("  " + p for p in self.problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in rules:\n{lines}")


def shipped_rules_path() -> Path:
    """The rules file that ships with hotline (``qa/rules.yaml``)."""
    return Path(str(resources.files("qa").joinpath("rules.yaml")))


def _schema() -> dict:
    return json.loads(resources.files("qa.rules").joinpath("schema_v1.json").read_text("utf-8"))


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Read and validate a rules file (None: the shipped one); raise :class:`RulesError` listing every problem."""
    path = shipped_rules_path() if path is None else Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise RulesError(str(path), [Problem("", "file does not exist")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(str(path), [Problem("", f"cannot read file: {exc}")]) from None
    return parse_rules(text, source=str(path))


def check_rules_file(path: str | Path) -> list[str]:
    """Every problem of a rules file, formatted ``file:line: path: message``; empty when it is fine."""
    try:
        load_rules(path)
    except RulesError as exc:
        return exc.problems
    return []


def parse_rules(text: str, source: str = "<rules>") -> RuleSet:
    """Validate rules YAML text and build a :class:`RuleSet` whose version hashes ``text``."""
    data, lines, problem = read_yaml(text)
    if problem is not None:
        raise RulesError(source, [problem])
    problems = list(lines.duplicate_keys)

    def report(path: _PathT, message: str) -> None:
        problems.append(Problem(_format_path(path), message, lines.line(path)))

    if not isinstance(data, dict):
        report((), f"a rules file must be a mapping with schema: {SCHEMA_ID}, name, version, categories")
        raise RulesError(source, problems)
    if data.get("schema") != SCHEMA_ID:
        report(("schema",), f"unsupported schema {data.get('schema')!r} (supported: {SCHEMA_ID})")
        raise RulesError(source, problems)

    validator = jsonschema.Draft202012Validator(_schema())
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        report(tuple(error.absolute_path), _message(error))
    if problems:
        raise RulesError(source, _ordered(problems))

    builder = _Builder(data, report, lines)
    categories = builder.categories()
    if problems:
        raise RulesError(source, _ordered(problems))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return RuleSet(data["name"], str(data["version"]), digest, categories, source,
                   greeting_category=data.get("greeting_category"))


def _ordered(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.location))


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "maxProperties" and isinstance(error.instance, dict):
        kinds = ", ".join(error.instance)
        return (f"a condition is exactly one of all, any, not, said, not_said, emotion, non_talk, interruptions, "
                f"talk_speed, fact (found {kinds}): wrap several in all/any")
    if error.validator == "minProperties" and error.instance == {}:
        return "must not be empty"
    if error.validator == "const":
        return f"must be {error.validator_value!r}"
    path = list(error.absolute_path)
    if error.validator == "type" and path and path[-1] in ("phrases", "except"):
        return f"must name a phrase list or give lists per language ({{zh: [...], en: [...]}}), not {error.instance!r}"
    return _schema_message(error)


class _Builder:
    """Semantic checks and construction, in one walk (the schema has already passed)."""

    def __init__(self, data: dict, report: _Report, lines: _Lines):
        self.data = data
        self.report = report
        self.lines = lines
        self.named: dict[str, dict] = data.get("phrases", {})
        self.used: set[str] = set()

    def categories(self) -> tuple[Category, ...]:
        out: list[Category] = []
        seen: dict[str, int] = {}
        for index, spec in enumerate(self.data["categories"]):
            path: _PathT = ("categories", index)
            if spec["id"] in seen:
                first = seen[spec["id"]]
                self.report(path + ("id",), f"duplicate category id {spec['id']!r} (first is categories[{first}])")
            seen.setdefault(spec["id"], index)
            category = self._category(path, spec)
            if category is not None:
                out.append(category)
        greeting = self.data.get("greeting_category")
        if greeting is not None and greeting not in seen:
            self.report(("greeting_category",), f"unknown category {greeting!r} (have: {', '.join(seen)})")
        elif greeting is not None and not any(
            cat.id == greeting and any(True for _ in cat.phrase_lists(with_exceptions=False)) for cat in out
        ):
            self.report(("greeting_category",), f"category {greeting!r} listens for no phrases")
        for name in self.named:
            if name not in self.used:
                self.report(("phrases", name), f"phrase list {name!r} is not used by any rule")
        return tuple(out)

    def _category(self, path: _PathT, spec: dict) -> Category | None:
        when = self.condition(path + ("when",), spec["when"])
        followup = self._followup(path + ("followup",), spec["followup"]) if "followup" in spec else None
        if when is None:
            return None
        requires = spec.get("requires_agent", when.needs_agent())
        if not requires and when.needs_agent():
            self.report(path + ("requires_agent",),
                        "the condition reads the agent conversation: requires_agent cannot be false")
            return None
        if "followup" in spec and followup is None:
            return None
        return Category(
            id=spec["id"], title=spec["title"], dimension=spec["dimension"], severity=spec["severity"],
            points=float(spec["points"]), when=when, requires_agent=bool(requires), followup=followup,
            description=spec.get("description", ""), line=self.lines.line(path),
        )

    def _followup(self, path: _PathT, spec: dict) -> FollowUpRule | None:
        kind = spec["kind"]
        ok = True
        if kind == "promise":
            if "default_due_s" not in spec:
                self.report(path, "a promise follow-up needs default_due_s (used when the words name no time)")
                ok = False
            for name in ("due_s", "urgent"):
                if name in spec:
                    self.report(path + (name,),
                                f"{name} is for complaint_sla follow-ups (a promise uses default_due_s)")
                    ok = False
        else:
            if "due_s" not in spec:
                self.report(path, "a complaint_sla follow-up needs due_s (the ordinary SLA)")
                ok = False
            if "default_due_s" in spec:
                self.report(path + ("default_due_s",),
                            "default_due_s is for promise follow-ups (a complaint_sla uses due_s)")
                ok = False
        urgent = spec.get("urgent")
        if urgent and "due_s" in spec and urgent["due_s"] >= spec["due_s"]:
            self.report(path + ("urgent", "due_s"), f"an urgent SLA ({urgent['due_s']} s) must be shorter than "
                        f"the ordinary one ({spec['due_s']} s)")
            ok = False
        urgent_when = self.condition(path + ("urgent", "when"), urgent["when"]) if urgent else None
        if not ok or (urgent and urgent_when is None):
            return None
        due = spec["default_due_s"] if kind == "promise" else spec["due_s"]
        return FollowUpRule(kind, due, urgent["due_s"] if urgent else None, urgent_when)

    # ---- conditions --------------------------------------------------------------------

    def condition(self, path: _PathT, spec: dict) -> c.Condition | None:
        """The condition at ``path``, or None after reporting why it cannot be built."""
        (kind, body), = spec.items()
        here = path + (kind,)
        if kind in ("all", "any"):
            built = [self.condition(here + (i,), item) for i, item in enumerate(body)]
            if any(b is None for b in built):
                return None
            return c.AllOf(tuple(built)) if kind == "all" else c.AnyOf(tuple(built))
        if kind == "not":
            inner = self.condition(here, body)
            return c.Not(inner) if inner is not None else None
        return getattr(self, f"_{kind}")(here, body)

    def _window(self, path: _PathT, spec: dict | None) -> tuple[bool, c.Window | None]:
        if spec is None:
            return True, None
        forms = [f for f in _WINDOW_FORMS if any(k in spec for k in f.split("/"))]
        if len(forms) != 1:
            what = f"found {' and '.join(forms)}" if forms else "found none"
            self.report(path, f"a window is one of first_s, last_s or from_s/to_s ({what})")
            return False, None
        if "from_s" in spec and "to_s" in spec and spec["to_s"] <= spec["from_s"]:
            self.report(path + ("to_s",), f"to_s ({spec['to_s']}) must be after from_s ({spec['from_s']})")
            return False, None
        return True, c.Window(spec.get("first_s"), spec.get("last_s"), spec.get("from_s"), spec.get("to_s"),
                              spec.get("of", "agent"))

    def _phrase_list(self, path: _PathT, spec: str | dict, tolerant: bool) -> PhraseList | None:
        if isinstance(spec, str):
            if spec not in self.named:
                known = ", ".join(self.named) or "none"
                self.report(path, f"unknown phrase list {spec!r} (known: {known})")
                return None
            self.used.add(spec)
            lists, where = self.named[spec], ("phrases", spec)
        else:
            lists, where = spec, path
        ok = True
        for lang in LANGS:
            for index, phrase in enumerate(lists.get(lang, ())):
                try:
                    PhraseList({lang: [phrase]}, tolerant)
                except DataError:
                    self.report(where + (lang, index), f"phrase {phrase!r} has no words")
                    ok = False
        return PhraseList(lists, tolerant) if ok else None

    def _said(self, path: _PathT, spec: dict, negated: bool = False) -> c.Condition | None:
        tolerant = spec.get("match", "exact") == "tolerant"
        phrases = self._phrase_list(path + ("phrases",), spec["phrases"], tolerant)
        # an exception is a longer, innocent phrase: it must be heard as exactly as the phrase itself
        excluded = self._phrase_list(path + ("except",), spec["except"], tolerant) if "except" in spec else None
        ok, window = self._window(path + ("within",), spec.get("within"))
        if phrases is None or ("except" in spec and excluded is None) or not ok:
            return None
        return c.Said(spec["party"], phrases, excluded, window, negated)

    def _not_said(self, path: _PathT, spec: dict) -> c.Condition | None:
        return self._said(path, spec, negated=True)

    def _emotion(self, path: _PathT, spec: dict) -> c.Condition | None:
        if "at_least" not in spec and "labels" not in spec:
            self.report(path, "an emotion condition needs at_least (agitation 0..1) or labels")
            return None
        ok, window = self._window(path + ("within",), spec.get("within"))
        if not ok:
            return None
        return c.Emotion(spec["party"], round(spec["for_s"] * 1000), spec.get("at_least"),
                         frozenset(spec.get("labels", ())), spec.get("measure", "continuous"), window)

    def _non_talk(self, path: _PathT, spec: dict) -> c.Condition | None:
        given = [k for k in ("longer_than_s", "total_over_s") if k in spec]
        if len(given) != 1:
            self.report(path, "a non_talk condition needs exactly one of longer_than_s, total_over_s"
                        + (f" (found {' and '.join(given)})" if given else ""))
            return None
        ok, window = self._window(path + ("within",), spec.get("within"))
        if not ok:
            return None
        ms = {k: round(v * 1000) for k, v in spec.items() if k in given}
        return c.NonTalk(ms.get("longer_than_s"), ms.get("total_over_s"), window)

    def _interruptions(self, path: _PathT, spec: dict) -> c.Condition | None:
        ok, window = self._window(path + ("within",), spec.get("within"))
        return c.Interruptions(spec["more_than"], spec.get("party"), window) if ok else None

    def _talk_speed(self, path: _PathT, spec: dict) -> c.Condition | None:
        ranges = {unit: tuple(spec[unit]) for unit in ("cpm", "wpm") if unit in spec}
        if not ranges:
            self.report(path, "a talk_speed condition needs a range: cpm (Mandarin, characters/min) "
                        "and/or wpm (English, words/min)")
            return None
        ok = True
        for unit, (lo, hi) in ranges.items():
            if lo >= hi:
                self.report(path + (unit,), f"range [{lo}, {hi}] is empty: give [lowest, highest]")
                ok = False
        return c.TalkSpeed(spec["party"], ranges) if ok else None

    def _fact(self, path: _PathT, spec: dict) -> c.Condition | None:
        name = spec["name"]
        ops = [op for op in _FACT_OPS if op in spec]
        allowed = c.FACT_OPERATORS[name]
        if len(ops) != 1:
            self.report(path, f"a fact condition compares once: give one of {', '.join(allowed)}"
                        + (f" (found {', '.join(ops)})" if ops else ""))
            return None
        op = ops[0]
        if op not in allowed:
            self.report(path + (op,), f"fact {name!r} cannot be compared with {op} (use {', '.join(allowed)})")
            return None
        value = spec[op]
        values = value if op == "in" else [value]
        known = {"skill": SKILLS, "intent": INTENTS}.get(name)
        for index, v in enumerate(values):
            where = path + ((op, index) if op == "in" else (op,))
            if known is not None and v not in known:
                self.report(where, f"unknown {name} {v!r} (known: {', '.join(known)})")
                return None
            if name == "locale" and not (isinstance(v, str) and re.fullmatch(r"[a-z]{2}-[A-Z]{2}", v)):
                self.report(where, f"a locale looks like zh-CN or en-US, not {v!r}")
                return None
            integer = isinstance(v, int) and not isinstance(v, bool)
            if name in ("priority", "reprompts") and op in ("equals", "in") and not integer:
                self.report(where, f"{name} is a number, not {v!r}")
                return None
            if name == "repeat_caller" and not isinstance(v, bool):
                self.report(where, f"repeat_caller is true or false, not {v!r}")
                return None
        return c.Fact(name, op, tuple(value) if op == "in" else value)
