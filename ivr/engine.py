"""The flow engine: a pure state machine from call events to actions.

It imports neither Flask nor Twilio. ``FlowEngine.start`` opens a call,
``FlowEngine.handle(state, event)`` advances it; both return a :class:`Step` with the
new state (a JSON-friendly value the caller stores between webhooks), the actions to
carry out and the call events to record.

Reprompts escalate: no-input and no-match are counted separately per node; after
``max_no_input``/``max_no_match`` failures the caller is routed to a person with the
reason recorded. A caller is never left in a loop.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Collection, Protocol, Sequence

from ivr.events import (
    Action,
    CallEvent,
    Digits,
    Event,
    Gather,
    Hangup,
    Lookup,
    LookupResult,
    NoInput,
    Route,
    Say,
    Speech,
    UnclearSpeech,
)
from ivr.flow.model import Flow, Node, Option, RouteSpec
from ivr.intents.vocabulary import DEFAULT_SKILL_FOR_INTENT
from ivr.selfservice import describe_order, not_found_text

#: speech below this recogniser confidence counts as a no-match
MIN_SPEECH_CONFIDENCE = 0.35


@dataclass
class CallState:
    """Everything the engine needs to continue a call; stored between webhooks."""

    call_sid: str
    locale: str
    node: str
    #: menus visited before the current one, for "back"
    history: list[str] = field(default_factory=list)
    no_input: int = 0
    no_match: int = 0
    finished: bool = False
    #: routed | self_served | hangup (set when the IVR part ends)
    outcome: str | None = None
    #: the caller got an answer from self-service during this call
    self_served: bool = False
    #: order number waiting for a backend answer
    pending_lookup: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CallState":
        return cls(**data)


@dataclass(frozen=True)
class Step:
    state: CallState
    actions: tuple[Action, ...]
    events: tuple[CallEvent, ...]


@dataclass(frozen=True)
class Interpretation:
    """What a caller's words were taken to mean at a node."""

    option: Option | None
    #: intent when the words matched an intent rather than an option (free speech)
    intent: str | None = None
    score: float = 0.0
    #: exact | tolerant | classifier | none
    method: str = "none"
    reasons: tuple[str, ...] = ()


class SpeechInterpreter(Protocol):
    def __call__(self, text: str, options: Sequence[Option], locale: str) -> Interpretation: ...


def exact_phrase_interpreter(text: str, options: Sequence[Option], locale: str) -> Interpretation:
    """The baseline: an option matches when the utterance equals or contains one of its phrases."""
    spoken = " ".join(text.lower().split())
    best: tuple[int, Option, str] | None = None
    for option in options:
        for phrase in option.phrases.get(locale, ()):
            norm = " ".join(phrase.lower().split())
            if norm and (spoken == norm or norm in spoken) and (best is None or len(norm) > best[0]):
                best = (len(norm), option, phrase)
    if best is None:
        return Interpretation(option=None)
    method = "exact" if " ".join(best[2].lower().split()) == spoken else "contains"
    return Interpretation(option=best[1], score=1.0, method=method, reasons=(f"matched phrase {best[2]!r}",))


class _Builder:
    """Collects actions and events while one event is handled."""

    def __init__(self, state: CallState):
        self.state = state
        self.actions: list[Action] = []
        self.events: list[CallEvent] = []
        self.preface: list[Say] = []

    def event(self, kind: str, **detail: Any) -> None:
        self.events.append(CallEvent(kind=kind, node=self.state.node, detail=detail))

    def step(self) -> Step:
        return Step(state=self.state, actions=tuple(self.actions), events=tuple(self.events))


class FlowEngine:
    """Runs calls through one validated :class:`Flow`."""

    def __init__(self, flow: Flow, interpreter: SpeechInterpreter | None = None,
                 min_speech_confidence: float = MIN_SPEECH_CONFIDENCE):
        self.flow = flow
        self.interpreter: SpeechInterpreter = interpreter or exact_phrase_interpreter
        self.min_speech_confidence = min_speech_confidence

    # ---- public API ----------------------------------------------------------

    def start(self, call_sid: str, locale: str | None = None, caller: str | None = None) -> Step:
        locale = locale if locale in self.flow.locales else self.flow.default_locale
        state = CallState(call_sid=call_sid, locale=locale, node=self.flow.start)
        b = _Builder(state)
        b.event("call_started", locale=locale, caller=caller)
        self._enter(b, self.flow.start)
        return b.step()

    def phrases_at(self, state: CallState) -> tuple[str, ...]:
        """What a caller may say at the call's current node, in its locale (the recogniser's grammar)."""
        if state.finished:
            return ()
        node = self.flow.node(state.node)
        if node.type in ("self_service", "speech"):
            return ()  # digits, or free speech for the classifier: no grammar
        return tuple(p for o in self.flow.options_at(node) for p in o.phrases.get(state.locale, ()))

    def cues_at(self, state: CallState, vocabulary: Collection[str] | None = None) -> tuple[str, ...]:
        """Words beyond the phrases that the interpreter can act on at a menu (its ``cue_words``,
        when it has them), among ``vocabulary`` (the recogniser's words; None: any): the recogniser
        listens for them too, so "我的快递怎么还没到" is heard as 快递, not as nothing. Empty at
        other nodes and for an interpreter without cue words."""
        cue_words = getattr(self.interpreter, "cue_words", None)
        if state.finished or cue_words is None:
            return ()
        node = self.flow.node(state.node)
        if node.type != "menu":
            return ()
        return tuple(cue_words(self.flow.options_at(node), state.locale, vocabulary))

    def resume(self, state: CallState) -> Step:
        """Say the current node's prompt again without counting a failure (a retried webhook)."""
        state = replace(state, history=list(state.history))
        b = _Builder(state)
        if not state.finished:
            self._enter(b, state.node)
        return b.step()

    def handle(self, state: CallState, event: Event) -> Step:
        state = replace(state, history=list(state.history))
        b = _Builder(state)
        if state.finished:
            b.event("ignored", reason="call already left the IVR", event=type(event).__name__)
            return b.step()
        node = self.flow.node(state.node)
        if isinstance(event, NoInput):
            self._no_input(b, node)
        elif isinstance(event, Digits):
            self._digits(b, node, event.digits)
        elif isinstance(event, Speech):
            self._speech(b, node, event)
        elif isinstance(event, UnclearSpeech):
            b.event("speech", text="", confidence=0.0, unclear=True, seconds=round(event.seconds, 2))
            self._no_match(b, node, heard="")
        elif isinstance(event, LookupResult):
            self._lookup_result(b, node, event)
        else:  # pragma: no cover - the Event union is closed
            raise TypeError(f"unknown event {event!r}")
        return b.step()

    # ---- entering nodes ------------------------------------------------------

    def _say(self, text: dict | None, locale: str) -> list[Say]:
        if not text:
            return []
        return [Say(text=text.get(locale) or text[self.flow.default_locale], locale=locale)]

    def _menu_prompt(self, node: Node, locale: str) -> list[Say]:
        says = self._say(node.prompt, locale)
        template = self.flow.prompt("press")
        parts = []
        switches = []
        for option in self.flow.options_at(node):
            if not option.label:
                continue
            label = option.label.get(locale) or option.label[self.flow.default_locale]
            if option.action == "switch_language":
                # offered in the language it switches to, so the caller who needs it understands it
                target = self._next_locale(locale)
                switches.append(Say(text=template[target].format(label=label, key=_spoken_key(option.key, target)), locale=target))
            else:
                parts.append(template[locale].format(label=label, key=_spoken_key(option.key, locale)))
        if parts:
            says.append(Say(text=("" if locale.startswith("zh") else " ").join(parts), locale=locale))
        return says + switches

    def _next_locale(self, locale: str) -> str:
        locales = self.flow.locales
        return locales[(locales.index(locale) + 1) % len(locales)]

    def _enter(self, b: _Builder, node_id: str, *, push: bool = False) -> None:
        state = b.state
        if push and state.node != node_id:
            state.history.append(state.node)
        if node_id != state.node:
            state.no_input = state.no_match = 0
        state.node = node_id
        node = self.flow.node(node_id)
        b.event("node_entered", type=node.type)
        locale = state.locale
        if node.type == "message":
            b.preface.extend(self._say(node.prompt, locale))
            self._enter(b, node.next)
        elif node.type == "menu":
            options = self.flow.options_at(node)
            b.actions.append(
                Gather(
                    prompts=tuple(b.preface + self._menu_prompt(node, locale)),
                    mode="menu",
                    locale=locale,
                    node=node.id,
                    num_digits=1,
                    phrases=tuple(p for o in options for p in o.phrases.get(locale, ())),
                )
            )
        elif node.type == "self_service":
            b.actions.append(
                Gather(
                    prompts=tuple(b.preface + self._say(node.prompt, locale)),
                    mode="digits",
                    locale=locale,
                    node=node.id,
                    finish_on_key="#",
                    timeout=10,
                )
            )
        elif node.type == "speech":
            options = self.flow.options_at(node)
            b.actions.append(
                Gather(prompts=tuple(b.preface + self._say(node.prompt, locale)), mode="speech", locale=locale,
                       node=node.id, num_digits=1, timeout=8,
                       phrases=tuple(p for o in options for p in o.phrases.get(locale, ())))
            )
        elif node.type == "route":
            self._route(b, node.route, (f"flow node {node.id} routes to {node.route.skill}",))
        elif node.type == "hangup":
            self._hangup(b, self._say(node.prompt, locale))
        else:  # pragma: no cover - the loader rejects other types
            raise ValueError(f"unknown node type {node.type}")

    # ---- outcomes ------------------------------------------------------------

    def _route(self, b: _Builder, spec: RouteSpec, reasons: Sequence[str]) -> None:
        state = b.state
        state.finished = True
        state.outcome = "routed"
        b.event("route", skill=spec.skill, intent=spec.intent, priority=spec.priority, reasons=list(reasons))
        b.actions.append(
            Route(
                skill=spec.skill,
                intent=spec.intent,
                priority=spec.priority,
                reasons=tuple(reasons),
                locale=state.locale,
                node=state.node,
                prompts=tuple(b.preface + self._say(self.flow.prompt("transfer"), state.locale)),
            )
        )

    def _hangup(self, b: _Builder, prompts: list[Say]) -> None:
        state = b.state
        state.finished = True
        state.outcome = "self_served" if state.self_served else "hangup"
        b.event("hangup", outcome=state.outcome)
        goodbye = self._say(self.flow.prompt("goodbye"), state.locale)
        b.actions.append(Hangup(prompts=tuple(b.preface + prompts + goodbye)))

    def _fallback(self, node: Node) -> RouteSpec:
        return node.fallback or self.flow.agent

    # ---- failures ------------------------------------------------------------

    def _no_input(self, b: _Builder, node: Node) -> None:
        state = b.state
        state.no_input += 1
        b.event("no_input", count=state.no_input)
        self._reprompt_or_escalate(b, node, "no_input", state.no_input, self.flow.max_no_input)

    def _no_match(self, b: _Builder, node: Node, heard: str, extra: list[Say] | None = None,
                  spoken: bool = False) -> None:
        state = b.state
        state.no_match += 1
        b.event("no_match", count=state.no_match, heard=heard)
        b.preface.extend(extra or [])
        if spoken and node.no_match_goto and node.no_match_goto != node.id:
            # words we could not place at a menu: ask the caller to say what they need in their own words
            b.event("open_question", target=node.no_match_goto)
            self._enter(b, node.no_match_goto, push=True)
            return
        limit = node.max_no_match or self.flow.max_no_match
        self._reprompt_or_escalate(b, node, "no_match", state.no_match, limit)

    def _reprompt_or_escalate(self, b: _Builder, node: Node, kind: str, count: int, limit: int) -> None:
        b.preface.extend(self._say(self.flow.prompt(kind, count), b.state.locale))
        if count >= limit:
            label = "no input" if kind == "no_input" else "no match"
            b.event("escalated", reason=kind, count=count)
            self._route(b, self._fallback(node), (f"{label} {count} times at node {node.id}; routed to a person",))
            return
        b.event("reprompt", reason=kind, attempt=count + 1)
        self._enter(b, node.id)

    # ---- input -----------------------------------------------------------------

    def _digits(self, b: _Builder, node: Node, digits: str) -> None:
        digits = digits.strip()
        b.event("digits", digits=digits)
        if node.type == "self_service":
            self._order_number(b, node, digits.rstrip("#"))
            return
        if node.type not in ("menu", "speech") or not digits:
            self._no_input(b, node) if not digits else self._no_match(b, node, heard=digits)
            return
        option = self._option_for_key(node, digits[0])
        if option is None:
            self._no_match(b, node, heard=digits)
            return
        self._apply(b, node, option, via=f"key {option.key}")

    def _option_for_key(self, node: Node, key: str) -> Option | None:
        for option in self.flow.options_at(node) or self.flow.global_options:
            if option.key == key:
                return option
        return None

    def _speech(self, b: _Builder, node: Node, speech: Speech) -> None:
        text = speech.text.strip()
        b.event("speech", text=text, confidence=round(speech.confidence, 3))
        if not text:
            self._no_input(b, node)
            return
        if speech.confidence < self.min_speech_confidence:
            # we probably misheard: ask again here rather than open a free question
            self._no_match(b, node, heard=text)
            return
        if node.type == "self_service":
            digits = "".join(ch for ch in text if ch.isdigit())
            self._order_number(b, node, digits)
            return
        options = self.flow.options_at(node) or self.flow.global_options
        found = self.interpreter(text, options, b.state.locale)
        b.event("interpreted", method=found.method, score=round(found.score, 3), intent=found.intent,
                option=found.option.key if found.option else None, reasons=list(found.reasons))
        if found.option is not None:
            self._apply(b, node, found.option, via=f"speech {text!r} ({found.method})")
        elif found.intent and found.intent != "other":
            spec = RouteSpec(skill=DEFAULT_SKILL_FOR_INTENT[found.intent], intent=found.intent)
            self._route(b, spec, (f"speech {text!r} at {node.id} understood as {found.intent} "
                                  f"({found.method}, {found.score:.2f})",))
        else:
            self._no_match(b, node, heard=text, spoken=True)

    def _apply(self, b: _Builder, node: Node, option: Option, via: str) -> None:
        state = b.state
        label = (option.label or {}).get(state.locale, "")
        b.event("option", key=option.key, action=option.action, via=via)
        if option.action == "goto":
            self._enter(b, option.target, push=True)
        elif option.action == "route":
            reason = f"{via} at {node.id}" + (f" ({label})" if label else "")
            self._route(b, option.route, (reason,))
        elif option.action == "repeat":
            self._enter(b, node.id)
        elif option.action == "back":
            previous = state.history.pop() if state.history else self.flow.main_menu
            self._enter(b, previous)
        elif option.action == "main_menu":
            state.history.clear()
            self._enter(b, self.flow.main_menu)
        elif option.action == "agent":
            self._route(b, self.flow.agent, (f"caller asked for a person ({via} at {node.id})",))
        elif option.action == "switch_language":
            state.locale = self._next_locale(state.locale)
            b.event("language", locale=state.locale)
            self._enter(b, node.id)
        elif option.action == "hangup":
            self._hangup(b, [])
        else:  # pragma: no cover - the loader rejects other actions
            raise ValueError(f"unknown action {option.action}")

    # ---- self-service --------------------------------------------------------------

    def _order_number(self, b: _Builder, node: Node, digits: str) -> None:
        if not digits:
            self._no_input(b, node)
            return
        if not digits.isdigit() or not node.min_digits <= len(digits) <= node.max_digits:
            self._no_match(b, node, heard=digits)
            return
        b.state.pending_lookup = digits
        b.event("lookup_requested", service=node.service, query=digits)
        b.actions.append(Lookup(service=node.service, query=digits))

    def _lookup_result(self, b: _Builder, node: Node, result: LookupResult) -> None:
        state = b.state
        if state.pending_lookup != result.query or node.type != "self_service":
            b.event("ignored", reason="lookup result for another query", query=result.query)
            return
        state.pending_lookup = None
        b.event("lookup", service=result.service, query=result.query, status=result.status,
                **({"message": result.message} if result.message else {}))
        if result.status == "found":
            state.self_served = True
            b.preface.append(Say(text=describe_order(result.data, state.locale), locale=state.locale))
            self._enter(b, node.on_found)
        elif result.status == "not_found":
            self._no_match(b, node, heard=result.query,
                           extra=[Say(text=not_found_text(result.query, state.locale), locale=state.locale)])
        else:
            b.preface.extend(self._say(self.flow.prompt("lookup_failed"), state.locale))
            self._route(b, self._fallback(node), (f"{result.service} backend failed: {result.message or 'error'}",))


def _spoken_key(key: str, locale: str) -> str:
    names = {"*": ("星号键", "star"), "#": ("井号键", "hash")}
    if key in names:
        return names[key][0 if locale.startswith("zh") else 1]
    return key


Step.__doc__ = "The outcome of one engine call: new state, actions to carry out, call events to record."
