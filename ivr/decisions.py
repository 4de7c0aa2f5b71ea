"""Routing decisions on live calls: the router's rules applied to each route the flow produces.

The flow says where a caller asked to go (skill hint + intent); this hook asks
:class:`ivr.router.Router` for the final skill and priority using the caller's profile,
their emotion so far and the queues' state, and keeps every reason on the route (so on the
call record and in the TaskRouter task).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timezone
from typing import Callable, Mapping

from ivr.calls import CallContext
from ivr.events import Route
from ivr.profiles import CallerProfiles, ProfileError
from ivr.router import EmotionInput, QueueState, Router, RoutingError, RoutingRequest

log = logging.getLogger(__name__)

#: current queue occupancy by skill (e.g. from TaskRouter statistics); None when unknown
QueueStats = Callable[[], Mapping[str, QueueState] | None]


class RoutingHook:
    """A :data:`ivr.calls.RouteHook` backed by the router, caller profiles and queue statistics."""

    def __init__(self, router: Router, profiles: CallerProfiles | None = None, queues: QueueStats | None = None):
        self.router = router
        self.profiles = profiles
        self.queues = queues

    def _profile(self, caller: str):
        if self.profiles is None or not caller:
            return None
        try:
            return self.profiles.get(caller)
        except ProfileError as exc:
            log.warning("caller profile unavailable: %s", exc)  # no number in logs: the call SID is bound
            return None

    def __call__(self, route: Route, ctx: CallContext) -> Route:
        profile = self._profile(ctx.caller)
        emotion = None
        if ctx.emotion:
            try:
                emotion = EmotionInput(label=ctx.emotion["label"], score=float(ctx.emotion["score"]))
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("call %s: ignoring malformed emotion %r: %s", ctx.call_sid, ctx.emotion, exc)
        request = RoutingRequest(
            intent=route.intent,
            skill_hint=route.skill,
            emotion=emotion,
            profile=profile,
            queue_state=self.queues() if self.queues else None,
            last_intent=ctx.last_intent or (profile.last_intent if profile else None),
        )
        try:
            decision = self.router.route(request)
        except RoutingError as exc:  # never drop a caller over a rules problem: keep the flow's route
            log.error("call %s: routing failed (%s); using the flow's route", ctx.call_sid, exc)
            return replace(route, reasons=route.reasons + (f"router failed: {exc}; flow route kept",))
        if self.profiles is not None and ctx.caller:
            try:
                self.profiles.record_call(ctx.caller, decision.intent, datetime.now(timezone.utc))
            except ProfileError as exc:
                log.warning("call %s: could not record the call in profiles: %s", ctx.call_sid, exc)
        attributes = {k: v for k, v in decision.attributes.items() if k not in ("skill", "intent", "priority", "reasons")}
        return replace(route, skill=decision.skill, priority=decision.priority,
                       reasons=route.reasons + tuple(decision.reasons), attributes=attributes)
