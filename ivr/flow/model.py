"""The flow as typed values: what ``flows/*.yaml`` means once it has been validated.

A flow is a graph of nodes. Prompts are localised (``{"zh-CN": "...", "en-US": "..."}``).
Menu options carry a DTMF key, spoken phrases per locale and exactly one action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

#: locale -> text
LocalText = Mapping[str, str]


@dataclass(frozen=True)
class RouteSpec:
    """Send the caller to a skill queue."""

    skill: str
    intent: str
    #: base priority before the router adjusts it (TaskRouter: higher is served first)
    priority: int = 50


@dataclass(frozen=True)
class Option:
    """One choice at a menu node: a key, what a caller might say, and one action."""

    key: str
    #: what the menu reads out for this option ("订单与配送" -> "订单与配送请按1"); None = not announced
    label: LocalText | None
    #: locale -> phrases a caller might say for this option
    phrases: Mapping[str, tuple[str, ...]]
    #: one of: goto, route, repeat, back, main_menu, agent, switch_language, hangup
    action: str
    target: str | None = None
    route: RouteSpec | None = None
    #: intent this option stands for, when it has one (analytics, speech navigation)
    intent: str | None = None


@dataclass(frozen=True)
class Node:
    """A point in the call: a message, a menu, a digit-entry self-service or free speech."""

    id: str
    #: message | menu | self_service | speech | route | hangup
    type: str
    prompt: LocalText | None = None
    options: tuple[Option, ...] = ()
    next: str | None = None
    route: RouteSpec | None = None
    #: self_service: which backend service ("order_status")
    service: str | None = None
    min_digits: int = 1
    max_digits: int = 20
    on_found: str | None = None
    #: where a person is reached from this node after failed attempts (default: the flow's agent route)
    fallback: RouteSpec | None = None
    #: menus: where a caller goes after speech that matched nothing (the free-speech node)
    no_match_goto: str | None = None
    #: overrides the flow's max_no_match at this node
    max_no_match: int | None = None
    #: YAML line of the node, for messages
    line: int | None = None

    def option_for_key(self, key: str) -> Option | None:
        for option in self.options:
            if option.key == key:
                return option
        return None


@dataclass(frozen=True)
class Flow:
    """A validated flow."""

    id: str
    schema_version: int
    locales: tuple[str, ...]
    start: str
    main_menu: str
    agent: RouteSpec
    nodes: Mapping[str, Node]
    #: options every menu has (``*`` repeat, ``#`` back, ``0`` a person)
    global_options: tuple[Option, ...]
    #: shared prompts: no_input[1..3], no_match[1..3], goodbye, transfer, ...
    prompts: Mapping[str, tuple[LocalText, ...]] = field(default_factory=dict)
    max_no_input: int = 3
    max_no_match: int = 3
    name: LocalText | None = None

    @property
    def default_locale(self) -> str:
        return self.locales[0]

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def options_at(self, node: Node) -> tuple[Option, ...]:
        """The node's own options followed by the global ones (menus and free-speech nodes)."""
        if node.type not in ("menu", "speech"):
            return ()
        return node.options + self.global_options

    def intents_under(self, node_id: str) -> frozenset[str]:
        """Every intent a caller can end up with from ``node_id`` (menus below it included)."""
        seen: set[str] = set()
        intents: set[str] = set()
        stack = [node_id]
        while stack:
            node = self.nodes.get(stack.pop())
            if node is None or node.id in seen:
                continue
            seen.add(node.id)
            for spec in (node.route, node.fallback):
                if spec:
                    intents.add(spec.intent)
            for option in node.options:
                if option.intent:
                    intents.add(option.intent)
                if option.target:
                    stack.append(option.target)
            stack.extend(t for t in (node.next, node.on_found) if t)
        return frozenset(intents)

    def prompt(self, name: str, attempt: int = 1) -> LocalText:
        """Shared prompt ``name``; escalating lists give their ``attempt``-th entry (1-based)."""
        texts = self.prompts[name]
        return texts[min(attempt, len(texts)) - 1]
