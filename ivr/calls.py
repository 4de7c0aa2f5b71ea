"""The call service: the engine, the call store and the self-service backends put together.

Webhooks (and the call simulator) call this; it knows nothing about HTTP. Each method
loads the call's state, lets the engine advance it, resolves self-service lookups with
a deadline, applies the routing hook and stores state + events in one transaction.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Callable

from ivr.engine import CallState, FlowEngine, Step
from ivr.events import Action, CallEvent, Event, Lookup, LookupResult, Route
from ivr.orders import OrderBackend, OrderBackendError, lookup_with_timeout
from qa.store import CallNotFound, CallStore, StateConflict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallContext:
    """What a routing hook may know about the call besides the route itself."""

    call_sid: str
    caller: str
    state: CallState
    events: tuple[CallEvent, ...]
    #: latest emotion summary of the caller ({"label", "score", ...}), if scored
    emotion: dict | None = None
    #: the last intent understood earlier in this call, if any
    last_intent: str | None = None


#: adjusts a route (priority, skill, reasons, attributes) before it is rendered and recorded
RouteHook = Callable[[Route, CallContext], Route]

#: told about every stored step: its events and final actions (e.g. ivr.metrics.Metrics.observe_step)
StepObserver = Callable[[list[CallEvent], tuple[Action, ...]], None]


@dataclass(frozen=True)
class Turn:
    """What one webhook produced: actions to render, and the call's state afterwards."""

    actions: tuple[Action, ...]
    state: CallState
    caller: str = ""
    #: a retried webhook of a call already under way (nothing new happened)
    resumed: bool = False


def _rows(events) -> list[tuple[str, str, dict]]:
    return [(e.kind, e.node, dict(e.detail)) for e in events]


class CallService:
    def __init__(self, engine: FlowEngine, store: CallStore, orders: OrderBackend | None,
                 lookup_timeout: float = 3.0, route_hook: RouteHook | None = None,
                 observer: StepObserver | None = None):
        self.engine = engine
        self.observer = observer
        self.store = store
        self.orders = orders
        self.lookup_timeout = lookup_timeout
        self.route_hook = route_hook
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="order-lookup")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ---- steps ---------------------------------------------------------------------

    def _lookup(self, action: Lookup) -> LookupResult:
        if action.service != "order_status" or self.orders is None:
            return LookupResult(action.service, action.query, "error", message=f"no backend for {action.service}")
        try:
            order = lookup_with_timeout(self.orders, action.query, self.lookup_timeout, self._pool)
        except OrderBackendError as exc:
            log.warning("order lookup for %s failed: %s", action.query, exc)
            return LookupResult(action.service, action.query, "error", message=str(exc))
        if order is None:
            return LookupResult(action.service, action.query, "not_found")
        return LookupResult(action.service, action.query, "found", data=order)

    def _advance(self, state: CallState, first: Step, caller: str) -> tuple[Step, list[CallEvent]]:
        """Resolve lookups until the step needs the caller again; apply the route hook."""
        step, events = first, list(first.events)
        while step.actions and isinstance(step.actions[-1], Lookup):
            step = self.engine.handle(step.state, self._lookup(step.actions[-1]))
            events.extend(step.events)
        actions = list(step.actions)
        if self.route_hook and any(isinstance(a, Route) for a in actions):
            context = self._context(step.state, caller, events)
            for index, action in enumerate(actions):
                if isinstance(action, Route):
                    routed = self.route_hook(action, context)
                    actions[index] = routed
                    if routed != action:
                        events.append(CallEvent("route_decision", routed.node, {
                            "skill": routed.skill, "intent": routed.intent, "priority": routed.priority,
                            "reasons": list(routed.reasons), "attributes": dict(routed.attributes)}))
        return replace(step, actions=tuple(actions)), events

    def _context(self, state: CallState, caller: str, events: list[CallEvent]) -> CallContext:
        """What the routing hook may know: this step's events plus what the call recorded before."""
        try:
            earlier = self.store.get_call(state.call_sid).events
        except CallNotFound:
            earlier = []
        history = [(e.kind, e.detail) for e in earlier] + [(e.kind, e.detail) for e in events]
        emotion = next((d for k, d in reversed(history) if k == "emotion"), None)
        last_intent = next((d["intent"] for k, d in reversed(history)
                            if k == "interpreted" and d.get("intent") not in (None, "other")), None)
        return CallContext(state.call_sid, caller, state, tuple(events), emotion=emotion, last_intent=last_intent)

    @staticmethod
    def _route_of(actions) -> dict | None:
        for action in actions:
            if isinstance(action, Route):
                return {"skill": action.skill, "intent": action.intent, "priority": action.priority,
                        "reasons": list(action.reasons)}
        return None

    def incoming(self, call_sid: str, caller: str = "", called: str = "", locale: str | None = None) -> Turn:
        """A new call (or Twilio retrying the voice webhook of one we already have)."""
        step, events = self._advance(None, self.engine.start(call_sid, locale=locale, caller=caller), caller)
        # the record, its first state and events in one transaction: one commit per new call
        record, created = self.store.start_call(call_sid, caller=caller, called=called, locale=step.state.locale,
                                                state=step.state.to_dict(), events=_rows(events),
                                                outcome=step.state.outcome, route=self._route_of(step.actions))
        if not created:
            log.info("voice webhook retried for %s; repeating the current prompt", call_sid)
            state = CallState.from_dict(record.state)
            return Turn(self.engine.resume(state).actions, state, record.caller, resumed=True)
        self._observe(events, step.actions)
        return Turn(step.actions, step.state, caller)

    def handle(self, call_sid: str, event: Event, retries: int = 2) -> Turn:
        """Feed one caller event (digits, speech, no input) to the call's engine state."""
        for attempt in range(retries + 1):
            record = self.store.get_call(call_sid, with_events=False)
            state = CallState.from_dict(record.state)
            step, events = self._advance(state, self.engine.handle(state, event), record.caller)
            try:
                self.store.save_step(call_sid, state=step.state.to_dict(), expected_version=record.state_version,
                                     events=_rows(events), outcome=step.state.outcome,
                                     route=self._route_of(step.actions))
            except StateConflict:
                if attempt == retries:
                    raise
                log.info("state conflict on %s; retrying", call_sid)
                continue
            self._observe(events, step.actions)
            return Turn(step.actions, step.state, record.caller)
        raise AssertionError("unreachable")

    def _observe(self, events: list[CallEvent], actions: tuple[Action, ...]) -> None:
        if self.observer is not None:
            self.observer(events, actions)

    def ended(self, call_sid: str, status: str, duration_s: int | None = None, caller: str = "", called: str = ""):
        """Twilio's final status. A call with no record (its first webhook died with a worker, or the
        store was down then) is recorded now, as abandoned before the menu: every call counts."""
        try:
            return self.store.finish_call(call_sid, status=status, duration_s=duration_s)
        except CallNotFound:
            log.warning("call %s ended (%s) with no record: its first webhook never stored it; recording it now",
                        call_sid, status)
        locale = self.engine.flow.default_locale
        self.store.start_call(call_sid, caller=caller, called=called, locale=locale, state={"locale": locale},
                              events=[("unanswered", "", {"reason": "no webhook of this call was stored"})])
        return self.store.finish_call(call_sid, status=status, duration_s=duration_s)
