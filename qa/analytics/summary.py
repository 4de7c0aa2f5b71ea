"""The supervisor's summary of the hotline over a period, as plain dataclasses.

``hotline analytics summary`` prints it; the QA web app's dashboard can render the same
:class:`Summary`. Days are calendar days on the hotline's clock (``qa_timezone``). Everything
is computed from the call records (calls, call events) and post-call analyses, with plain
selects that run the same on SQLite and PostgreSQL; no caller number or transcript leaves it
except what the menu heard at a failing node, with digits masked.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from qa.store.models import Analysis, Call, CallEventRow, aware, utc

#: outcomes of calls that left the menu
#: where a call abandoned before hotline answered it counts in "abandonment by node"
BEFORE_MENU = "(not answered)"
FINISHED = ("self_served", "routed", "abandoned", "hangup")
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class DayCount:
    """Calls started on ``day`` with this final intent and skill (None: the call never got one)."""

    day: date
    intent: str | None
    skill: str | None
    calls: int


@dataclass(frozen=True)
class HourCount:
    """Calls started in the hour from ``hour`` (on the hotline's clock) with this final intent and skill."""

    hour: datetime
    intent: str | None
    skill: str | None
    calls: int


@dataclass(frozen=True)
class Containment:
    """How calls that left the menu ended; ``rate`` = self-served / finished (None without calls)."""

    finished: int
    self_served: int
    routed: int
    abandoned: int
    hangup: int

    @property
    def rate(self) -> float | None:
        return self.self_served / self.finished if self.finished else None


@dataclass(frozen=True)
class NodeAbandonment:
    """Callers who hung up at ``node`` before being served or routed."""

    node: str
    calls: int


@dataclass(frozen=True)
class NodeFailures:
    """Where callers fail: no-input and no-match events at ``node`` and what was heard most (digits masked)."""

    node: str
    no_input: int
    no_match: int
    heard: tuple[tuple[str, int], ...] = ()

    @property
    def total(self) -> int:
        return self.no_input + self.no_match


@dataclass(frozen=True)
class EmotionShare:
    """Share of analysed calls of ``skill`` whose caller ended at ``label`` (calm, tense, agitated, distressed)."""

    skill: str
    label: str
    calls: int
    share: float


@dataclass(frozen=True)
class QueueStats:
    """Calls routed to ``skill``, their mean priority and mean wait (Twilio's QueueTime; None when unknown)."""

    skill: str
    calls: int
    avg_priority: float | None
    avg_wait_s: float | None


@dataclass(frozen=True)
class Summary:
    since: datetime
    until: datetime
    timezone: str
    calls: int
    per_day: tuple[DayCount, ...] = ()
    containment: Containment = field(default_factory=lambda: Containment(0, 0, 0, 0, 0))
    abandonment: tuple[NodeAbandonment, ...] = ()
    failures: tuple[NodeFailures, ...] = ()
    emotions: tuple[EmotionShare, ...] = ()
    queues: tuple[QueueStats, ...] = ()
    per_hour: tuple[HourCount, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["since"], data["until"] = self.since.isoformat(), self.until.isoformat()
        data["per_day"] = [dict(asdict(d), day=d.day.isoformat()) for d in self.per_day]
        data["per_hour"] = [dict(asdict(h), hour=h.hour.isoformat()) for h in self.per_hour]
        data["containment"]["rate"] = self.containment.rate
        for item, row in zip(self.failures, data["failures"]):
            row["total"] = item.total
            row["heard"] = [{"text": text, "count": n} for text, n in item.heard]
        return data


def _mask(heard: str) -> str:
    return _DIGITS.sub("#", heard)


def _bucket_order(item):
    """(bucket, intent, skill) -> calls, in time order, the biggest first within a bucket."""
    (bucket, intent, skill), calls = item
    return bucket, -calls, intent or "", skill or ""


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def summarize(store, since: datetime, until: datetime, *, timezone: str = "Asia/Shanghai",
              top_nodes: int = 10, top_heard: int = 3) -> Summary:
    """The summary of calls started in [since, until)."""
    zone = ZoneInfo(timezone)
    window = (Call.started_at >= utc(since), Call.started_at < utc(until))
    with store.session() as s:
        calls = s.execute(select(Call.id, Call.started_at, Call.intent, Call.skill, Call.outcome, Call.final_node,
                                 Call.priority).where(*window)).all()
        events = s.execute(select(CallEventRow.call_id, CallEventRow.kind, CallEventRow.node, CallEventRow.detail)
                           .join(Call, Call.id == CallEventRow.call_id)
                           .where(*window, CallEventRow.kind.in_(("no_input", "no_match", "queue_result")))).all()
        emotions = s.execute(select(Call.skill, Analysis.caller_emotion).join(Analysis, Analysis.call_id == Call.id)
                             .where(*window, Analysis.caller_emotion.is_not(None))).all()

    local = [(aware(c.started_at).astimezone(zone), c) for c in calls]
    per_day = Counter((at.date(), c.intent, c.skill) for at, c in local)
    per_hour = Counter((at.replace(minute=0, second=0, microsecond=0), c.intent, c.skill) for at, c in local)
    outcomes = Counter(c.outcome for c in calls)
    # a call recorded only from its status callback never reached a node: its first webhook failed
    abandoned = Counter(c.final_node or BEFORE_MENU for c in calls if c.outcome == "abandoned")

    failures: dict[str, Counter] = defaultdict(Counter)
    heard: dict[str, Counter] = defaultdict(Counter)
    waits: dict[int, float] = {}
    for call_id, kind, node, detail in events:
        if kind == "queue_result":
            try:
                waits[call_id] = float((detail or {}).get("queue_time_s") or "")
            except ValueError:
                pass
            continue
        failures[node][kind] += 1
        if kind == "no_match" and (detail or {}).get("heard"):
            heard[node][_mask(str(detail["heard"]))] += 1
    failing = sorted((NodeFailures(node, n["no_input"], n["no_match"], tuple(heard[node].most_common(top_heard)))
                      for node, n in failures.items()), key=lambda f: (-f.total, f.node))[:top_nodes]

    by_skill: dict[str, Counter] = defaultdict(Counter)
    for skill, label in emotions:
        by_skill[skill or "none"][label] += 1
    shares = [EmotionShare(skill, label, n, round(n / sum(labels.values()), 4))
              for skill, labels in sorted(by_skill.items()) for label, n in sorted(labels.items())]

    routed: dict[str, list] = defaultdict(list)
    for c in calls:
        if c.outcome == "routed" and c.skill:
            routed[c.skill].append(c)
    queues = [QueueStats(skill, len(rows), _mean([r.priority for r in rows if r.priority is not None]),
                         _mean([waits[r.id] for r in rows if r.id in waits]))
              for skill, rows in sorted(routed.items())]

    return Summary(
        since=since, until=until, timezone=timezone, calls=len(calls),
        per_day=tuple(DayCount(day, intent, skill, n) for (day, intent, skill), n in
                      sorted(per_day.items(), key=_bucket_order)),
        containment=Containment(sum(outcomes[o] for o in FINISHED), outcomes["self_served"], outcomes["routed"],
                                outcomes["abandoned"], outcomes["hangup"]),
        abandonment=tuple(NodeAbandonment(node, n) for node, n in
                          sorted(abandoned.items(), key=lambda kv: (-kv[1], kv[0]))),
        failures=tuple(failing), emotions=tuple(shares), queues=tuple(queues),
        per_hour=tuple(HourCount(hour, intent, skill, n) for (hour, intent, skill), n in
                       sorted(per_hour.items(), key=_bucket_order)))
