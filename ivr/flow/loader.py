"""Load a flow: YAML text -> structural checks (JSON Schema) -> semantic checks -> :class:`Flow`.

Every problem is collected, with the node/option path and the YAML line it comes from,
so ``hotline flows check`` can report all of them at once. Loading never half-succeeds:
either a valid :class:`Flow` comes back or :class:`FlowError` lists what is wrong.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml

from ivr.flow.model import Flow, Node, Option, RouteSpec
from ivr.intents.vocabulary import INTENTS, SKILLS

SUPPORTED_SCHEMA_VERSIONS = (1,)
REQUIRED_PROMPTS = ("no_input", "no_match", "transfer", "goodbye", "press")
TERMINAL_ACTIONS = {"agent", "hangup"}
Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a flow, and where."""

    #: dotted path inside the document ("nodes.main.options[2].goto"); "" for the whole file
    location: str
    message: str
    line: int | None = None

    def format(self, source: str = "") -> str:
        where = f"{source}:{self.line}" if self.line else source
        parts = [p for p in (where, self.location) if p]
        return f"{': '.join(parts)}: {self.message}" if parts else self.message


class FlowError(ValueError):
    """A flow file is invalid; ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        lines = "\n".join("  " + p.format(source) for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in flow:\n{lines}")


def _schema() -> dict:
    return json.loads(resources.files("ivr.flow").joinpath("schema_v1.json").read_text("utf-8"))


def _format_path(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Lines:
    """Maps document paths to YAML line numbers (1-based), from PyYAML's composed node tree."""

    def __init__(self, root: yaml.Node | None):
        self._lines: dict[Path_, int] = {}
        self.duplicate_keys: list[Problem] = []
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, path: Path_) -> None:
        self._lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = key_node.value
                line = key_node.start_mark.line + 1
                if key in seen:
                    self.duplicate_keys.append(
                        Problem(_format_path(path + (key,)), f"duplicate key {key!r} (first on line {seen[key]})", line)
                    )
                seen.setdefault(key, line)
                self._walk(value_node, path + (key,))
                self._lines[path + (key,)] = line
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, path + (index,))

    def line(self, path: Path_) -> int | None:
        path = tuple(path)
        while path not in self._lines and path:
            path = path[:-1]
        return self._lines.get(path)


def load_flow(path: str | Path) -> Flow:
    """Read and validate a flow file; raise :class:`FlowError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise FlowError(str(path), [Problem("", "file does not exist")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowError(str(path), [Problem("", f"cannot read file: {exc}")]) from None
    return parse_flow(text, source=str(path))


def parse_flow(text: str, source: str = "<flow>") -> Flow:
    """Validate flow YAML text and build a :class:`Flow`."""
    data, lines, problem = read_yaml(text)
    if problem is not None:
        raise FlowError(source, [problem])
    return from_dict(data, source=source, lines=lines)


def read_yaml(text: str) -> tuple[Any, "_Lines", Problem | None]:
    """YAML text as data plus the line of every node; a syntax error is one located Problem.

    Shared by every data file validated with located problems (flows, QA rules).
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        message = getattr(exc, "problem", None) or str(exc)
        return None, _Lines(None), Problem("", f"not valid YAML: {message}", line)
    return data, _Lines(root), None


def from_dict(data: Any, source: str = "<flow>", lines: _Lines | None = None) -> Flow:
    """Validate a flow already parsed into Python values and build a :class:`Flow`."""
    lines = lines or _Lines(None)
    problems = list(lines.duplicate_keys)

    def report(path: Path_, message: str) -> None:
        problems.append(Problem(_format_path(path), message, lines.line(path)))

    if not isinstance(data, dict):
        report((), "a flow must be a mapping with schema_version, locales, nodes ...")
        raise FlowError(source, problems)
    version = data.get("schema_version")
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        report(("schema_version",), f"unsupported schema_version {version!r} (supported: {SUPPORTED_SCHEMA_VERSIONS})")
        raise FlowError(source, problems)

    validator = jsonschema.Draft202012Validator(_schema())
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        report(tuple(error.absolute_path), _schema_message(error))
    if problems:
        raise FlowError(source, problems)

    _check_semantics(data, report)
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.location))
        raise FlowError(source, problems)
    return _build(data, lines)


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message.split("(")[-1])
        return f"unknown field(s): {', '.join(extra)}" if extra else error.message
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    return error.message


def _option_action(option: dict) -> list[str]:
    return [name for name in ("goto", "route", "action") if name in option]


def _check_semantics(data: dict, report) -> None:
    locales = data["locales"]
    nodes: dict[str, dict] = data["nodes"]
    reprompts = data.get("reprompts", {})
    prompts = data.get("prompts", {})
    global_options = data.get("global_options", [])

    def check_text(path: Path_, text: dict | None, required: bool = True) -> None:
        if text is None:
            if required:
                report(path, "missing text")
            return
        for locale in locales:
            if locale not in text:
                report(path, f"missing {locale} text")
        for locale in text:
            if locale not in locales:
                report(path + (locale,), f"text for undeclared locale {locale} (declared: {', '.join(locales)})")

    def check_route(path: Path_, route: dict) -> None:
        if route["skill"] not in SKILLS:
            report(path + ("skill",), f"unknown skill {route['skill']!r} (known: {', '.join(SKILLS)})")
        if route["intent"] not in INTENTS:
            report(path + ("intent",), f"unknown intent {route['intent']!r}")

    def check_target(path: Path_, target: str) -> None:
        if target not in nodes:
            report(path, f"unknown target node {target!r}")

    check_target(("start",), data["start"])
    check_target(("main_menu",), data["main_menu"])
    if data["main_menu"] in nodes and nodes[data["main_menu"]]["type"] != "menu":
        report(("main_menu",), f"main_menu {data['main_menu']!r} is not a menu node")
    check_route(("agent",), data["agent"])
    check_text(("name",), data.get("name"), required=False)

    needed = list(REQUIRED_PROMPTS)
    if any(n.get("type") == "self_service" for n in nodes.values()):
        needed.append("lookup_failed")
    for name in needed:
        if name not in prompts:
            report(("prompts",), f"missing shared prompt {name!r}")
    for name, texts in prompts.items():
        for index, text in enumerate(texts):
            check_text(("prompts", name, index), text)
            if name == "press":
                for locale, value in text.items():
                    if "{key}" not in value or "{label}" not in value:
                        report(("prompts", name, index, locale), "must contain {key} and {label}")
    for name, limit in (("no_input", reprompts.get("max_no_input", 3)), ("no_match", reprompts.get("max_no_match", 3))):
        if name in prompts and len(prompts[name]) < limit:
            report(("prompts", name), f"needs {limit} escalating prompts (one per attempt), has {len(prompts[name])}")

    def check_options(path: Path_, options: list[dict], inherited: list[dict]) -> None:
        keys: dict[str, Path_] = {}
        for index, option in enumerate(inherited):
            keys.setdefault(option["key"], ("global_options", index))
        phrases: dict[tuple[str, str], Path_] = {}
        for index, option in enumerate(inherited):
            for locale, items in option.get("phrases", {}).items():
                for phrase in items:
                    phrases.setdefault((locale, _normalise(phrase)), ("global_options", index))
        for index, option in enumerate(options):
            here = path + (index,)
            key = option["key"]
            if key in keys:
                report(here + ("key",), f"key {key!r} is already used by {_format_path(keys[key])}")
            keys.setdefault(key, here)
            actions = _option_action(option)
            if not actions:
                report(here, "option has no action (give one of goto, route, action)")
            elif len(actions) > 1:
                report(here, f"option has more than one action ({', '.join(actions)})")
            if "goto" in option:
                check_target(here + ("goto",), option["goto"])
            if "route" in option:
                check_route(here + ("route",), option["route"])
            if "intent" in option and option["intent"] not in INTENTS:
                report(here + ("intent",), f"unknown intent {option['intent']!r}")
            if option.get("action") == "switch_language" and len(locales) < 2:
                report(here + ("action",), "switch_language needs at least two locales")
            check_text(here + ("label",), option.get("label"), required=False)
            option_phrases = option.get("phrases", {})
            if option_phrases:
                for locale in locales:
                    if not option_phrases.get(locale):
                        report(here + ("phrases",), f"missing {locale} phrases")
            for locale, items in option_phrases.items():
                if locale not in locales:
                    report(here + ("phrases", locale), f"phrases for undeclared locale {locale}")
                for phrase_index, phrase in enumerate(items):
                    norm = (locale, _normalise(phrase))
                    other = phrases.get(norm)
                    if other is not None and other != here:
                        report(here + ("phrases", locale, phrase_index), f"phrase {phrase!r} is also on {_format_path(other)}")
                    phrases.setdefault(norm, here)

    check_options(("global_options",), global_options, [])

    for node_id, node in nodes.items():
        path = ("nodes", node_id)
        kind = node["type"]
        check_text(path + ("prompt",), node.get("prompt"), required=kind in ("message", "menu", "self_service", "speech"))
        if "next" in node:
            check_target(path + ("next",), node["next"])
        for field in ("on_found", "no_match_goto"):
            if field in node:
                check_target(path + (field,), node[field])
        if node.get("no_match_goto") in nodes and nodes[node["no_match_goto"]]["type"] != "speech":
            report(path + ("no_match_goto",), "no_match_goto must name a speech node")
        for field in ("route", "fallback"):
            if field in node:
                check_route(path + (field,), node[field])
        if kind == "message" and "next" not in node:
            report(path, "message node has no exit (add next)")
        if kind == "menu":
            if not node.get("options"):
                report(path, "menu node has no options (no exit)")
            check_options(path + ("options",), node.get("options", []), global_options)
        elif node.get("options"):
            if kind == "speech":
                check_options(path + ("options",), node["options"], global_options)
            else:
                report(path + ("options",), f"{kind} nodes take no options")
        if kind == "self_service":
            if "service" not in node:
                report(path, "self_service node needs a service")
            if "on_found" not in node:
                report(path, "self_service node has no exit for a found result (add on_found)")
            digits = node.get("digits", {})
            if digits.get("min", 1) > digits.get("max", 20):
                report(path + ("digits",), "digits.min is larger than digits.max")
        if kind == "route" and "route" not in node:
            report(path, "route node needs a route")

    _check_graph(data, report)


def _edges(data: dict, node_id: str) -> tuple[set[str], bool]:
    """Targets reachable in one step from ``node_id`` and whether the node can end the IVR part of the call."""
    node = data["nodes"][node_id]
    targets: set[str] = set()
    terminal = node["type"] in ("route", "hangup", "self_service", "speech")
    for field in ("next", "on_found", "no_match_goto"):
        if field in node:
            targets.add(node[field])
    options = list(node.get("options", []))
    if node["type"] in ("menu", "speech"):
        options += data.get("global_options", [])
    for option in options:
        if "goto" in option:
            targets.add(option["goto"])
        if "route" in option or option.get("action") in TERMINAL_ACTIONS:
            terminal = True
        if option.get("action") == "main_menu":
            targets.add(data["main_menu"])
    return {t for t in targets if t in data["nodes"]}, terminal


def _check_graph(data: dict, report) -> None:
    nodes = data["nodes"]
    if data["start"] not in nodes:
        return
    graph = {node_id: _edges(data, node_id) for node_id in nodes}
    reachable = {data["start"]}
    queue = deque([data["start"]])
    while queue:
        for target in graph[queue.popleft()][0]:
            if target not in reachable:
                reachable.add(target)
                queue.append(target)
    for node_id in nodes:
        if node_id not in reachable:
            report(("nodes", node_id), f"node {node_id!r} is unreachable from start {data['start']!r}")
    # a node is stuck when no path from it ever reaches a person, a queue or a hang-up
    can_exit = {n for n, (_, terminal) in graph.items() if terminal}
    changed = True
    while changed:
        changed = False
        for node_id, (targets, _) in graph.items():
            if node_id not in can_exit and targets & can_exit:
                can_exit.add(node_id)
                changed = True
    for node_id in nodes:
        if node_id not in can_exit:
            report(("nodes", node_id), "no exit: no path from this node reaches a queue, a person or a hang-up")


def _normalise(phrase: str) -> str:
    return " ".join(phrase.lower().split())


def _local(text: dict | None) -> dict | None:
    return dict(text) if text is not None else None


def _route(spec: dict | None) -> RouteSpec | None:
    if spec is None:
        return None
    return RouteSpec(skill=spec["skill"], intent=spec["intent"], priority=spec.get("priority", 50))


def _option(spec: dict) -> Option:
    if "goto" in spec:
        action, target = "goto", spec["goto"]
    elif "route" in spec:
        action, target = "route", None
    else:
        action, target = spec["action"], None
    route = _route(spec.get("route"))
    return Option(
        key=spec["key"],
        label=_local(spec.get("label")),
        phrases={locale: tuple(items) for locale, items in spec.get("phrases", {}).items()},
        action=action,
        target=target,
        route=route,
        intent=spec.get("intent") or (route.intent if route else None),
    )


def _build(data: dict, lines: _Lines) -> Flow:
    nodes = {}
    for node_id, spec in data["nodes"].items():
        digits = spec.get("digits", {})
        nodes[node_id] = Node(
            id=node_id,
            type=spec["type"],
            prompt=_local(spec.get("prompt")),
            options=tuple(_option(o) for o in spec.get("options", [])),
            next=spec.get("next"),
            route=_route(spec.get("route")),
            service=spec.get("service"),
            min_digits=digits.get("min", 1),
            max_digits=digits.get("max", 20),
            on_found=spec.get("on_found"),
            fallback=_route(spec.get("fallback")),
            no_match_goto=spec.get("no_match_goto"),
            max_no_match=spec.get("max_no_match"),
            line=lines.line(("nodes", node_id)),
        )
    reprompts = data.get("reprompts", {})
    return Flow(
        id=data["id"],
        schema_version=data["schema_version"],
        locales=tuple(data["locales"]),
        start=data["start"],
        main_menu=data["main_menu"],
        agent=_route(data["agent"]),
        nodes=nodes,
        global_options=tuple(_option(o) for o in data.get("global_options", [])),
        prompts={name: tuple(dict(t) for t in texts) for name, texts in data.get("prompts", {}).items()},
        max_no_input=reprompts.get("max_no_input", 3),
        max_no_match=reprompts.get("max_no_match", 3),
        name=_local(data.get("name")),
    )
