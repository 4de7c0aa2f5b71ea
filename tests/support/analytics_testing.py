"""Seeded call histories for the analytics tests, written as real rows of a real store.

A :class:`SeedCall` is one call as the store keeps it after the IVR and the post-call QA
(call record, menu events, an analysis with caller turns and QA categories). ``history``
draws weeks of calls with Poisson counts per hour, the same rhythm every week.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np
from sqlalchemy import insert

from qa.store.models import Analysis, Call, CallEventRow, RuleResultRow, TurnRow

#: landline area codes by province (phonenumbers' geocoder places them)
AREA = {"Beijing": "10", "Shanghai": "21", "Guangdong": "20", "Jiangsu": "25", "Sichuan": "28"}


def number_in(province: str, rng: np.random.Generator) -> str:
    return f"+86{AREA[province]}{rng.integers(62000000, 89999999)}"


@dataclass
class SeedCall:
    started_at: datetime
    caller: str = "+861062000000"
    intent: str | None = None
    skill: str | None = None
    outcome: str = "routed"
    final_node: str | None = "main"
    priority: int | None = None
    #: (kind, node, detail) menu events
    events: list[tuple[str, str, dict]] = field(default_factory=list)
    #: with an analysis: caller turn texts, QA categories fired, the caller's emotion
    caller_turns: list[str] | None = None
    categories: list[str] = field(default_factory=list)
    emotion: str | None = None


def seed(store, calls: list[SeedCall]) -> None:
    """Insert the calls (with their events and analyses) in a few bulk statements."""
    with store.session() as s:
        ids = s.scalars(insert(Call).returning(Call.id, sort_by_parameter_order=True), [
            {"sid": f"CA{i:032x}", "caller": c.caller, "called": "+86950618", "locale": "zh-CN",
             "started_at": c.started_at, "status": "completed", "outcome": c.outcome, "final_node": c.final_node,
             "skill": c.skill, "intent": c.intent, "priority": c.priority, "reasons": [], "state": {},
             "state_version": 1} for i, c in enumerate(calls)]).all()
        events = [{"call_id": cid, "seq": n, "at": c.started_at, "kind": kind, "node": node, "detail": detail}
                  for cid, c in zip(ids, calls) for n, (kind, node, detail) in enumerate(c.events)]
        if events:
            s.execute(insert(CallEventRow), events)
        analysed = [(cid, c) for cid, c in zip(ids, calls) if c.caller_turns is not None]
        if not analysed:
            return
        analysis_ids = s.scalars(insert(Analysis).returning(Analysis.id, sort_by_parameter_order=True), [
            {"call_id": cid, "recording_sid": f"RE{cid:032x}", "mode": "transcript", "model": "seed",
             "language": "zh", "duration_ms": 60000, "caller_emotion": c.emotion, "data": {}, "outcome": {},
             "rules_version": "seed@1", "score": 100.0, "created_at": c.started_at, "updated_at": c.started_at}
            for cid, c in analysed]).all()
        turns = [{"analysis_id": aid, "call_id": cid, "seq": n, "party": "caller", "start_ms": n * 5000,
                  "end_ms": n * 5000 + 3000, "text": text, "redacted_text": text, "search_text": text, "words": []}
                 for aid, (cid, c) in zip(analysis_ids, analysed) for n, text in enumerate(c.caller_turns)]
        if turns:
            s.execute(insert(TurnRow), turns)
        results = [{"analysis_id": aid, "call_id": cid, "rules_version": "seed@1", "category": category,
                    "severity": "medium", "points": -5.0, "dimension": "risk", "title": category, "matches": []}
                   for aid, (cid, c) in zip(analysis_ids, analysed) for category in c.categories]
        if results:
            s.execute(insert(RuleResultRow), results)


#: what the flat history's callers want: intent -> (skill, calls per hour at the daily peak, what they say)
INTENTS = {
    "order_status": ("orders", 2.0, ["我的 订单 到 哪 了", "查询 订单"]),
    "delivery_delay": ("logistics", 1.0, ["快递 还 没 到", "物流 太 慢"]),
    "return_request": ("after_sales", 1.2, ["我 要 退货", "商品 坏 了"]),
    "complaint": ("complaints", 0.5, ["我 要 投诉", "服务 太 差"]),
}
PROVINCES = list(AREA)


def hourly_rate(hour_local: int) -> float:
    """Share of the peak rate at a local hour: quiet nights, a busy day."""
    return 0.1 if hour_local < 8 or hour_local >= 22 else 1.0


def history(rng: np.random.Generator, start: datetime, end: datetime, *, utc_offset_h: int = 8) -> list[SeedCall]:
    """Calls for every hour in [start, end): Poisson counts per intent at the same rates every week."""
    calls = []
    hour = start
    while hour < end:
        local = (hour.hour + utc_offset_h) % 24
        for intent, (skill, peak, texts) in INTENTS.items():
            for _ in range(rng.poisson(peak * hourly_rate(local))):
                calls.append(SeedCall(
                    started_at=hour + timedelta(seconds=int(rng.integers(0, 3600))),
                    caller=number_in(PROVINCES[rng.integers(len(PROVINCES))], rng), intent=intent, skill=skill,
                    caller_turns=[texts[rng.integers(len(texts))]],
                    categories=["complaint_raised"] if intent == "complaint" else []))
        hour += timedelta(hours=1)
    return calls


#: Monday 30 Nov 2026, 10:00 in Shanghai
AT = datetime(2026, 11, 30, 2, 25, tzinfo=timezone.utc)
HOUR = AT.replace(minute=0)
START = HOUR - timedelta(weeks=5)


def storm(rng) -> list[SeedCall]:
    """A storm in Guangdong: 20 more delayed-delivery calls in one hour, callers saying 暴雨."""
    return [SeedCall(started_at=HOUR + timedelta(minutes=2 * n), caller=number_in("Guangdong", rng),
                     intent="delivery_delay", skill="logistics", caller_turns=["暴雨 快递 还 没 到"],
                     categories=["delivery_complaint"]) for n in range(20)]
