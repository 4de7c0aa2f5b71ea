"""Did the call do what the scenario expects? Pure: facts in, mismatches out.

:class:`CallFacts` is what a finished call produced, gathered from the wire (the last
``<Enqueue>`` and its Task) and, when the simulator can read it, the call record. Each
:class:`Mismatch` carries expected and actual, so a changed grammar that sends a call
elsewhere reads as a diff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ivr.simulator.scenario import Expectations


@dataclass(frozen=True)
class Heard:
    """One utterance the recogniser heard."""

    text: str
    confidence: float


@dataclass
class CallFacts:
    call_sid: str
    #: queue (skill) the call was last enqueued to, from the TwiML or the record
    queue: str | None = None
    intent: str | None = None
    priority: int | None = None
    #: routed | self_served | abandoned | hangup | in_ivr
    outcome: str | None = None
    #: nodes entered, in order
    path: list[str] = field(default_factory=list)
    heard: list[Heard] = field(default_factory=list)
    #: the caller's latest live emotion label
    emotion: str | None = None
    #: QA categories that fired (None: the call was not analysed)
    qa_categories: list[str] | None = None
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"call_sid": self.call_sid, "queue": self.queue, "intent": self.intent, "priority": self.priority,
                "outcome": self.outcome, "path": list(self.path),
                "heard": [{"text": h.text, "confidence": h.confidence} for h in self.heard],
                "emotion": self.emotion, "qa_categories": self.qa_categories, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Mismatch:
    what: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.what}: expected {self.expected!r}, got {self.actual!r}"


def _in_order(wanted: tuple[str, ...], seen: list[str], match) -> bool:
    """Each wanted item matches a later seen item than the one before (others may come between)."""
    position = 0
    for item in wanted:
        while position < len(seen) and not match(item, seen[position]):
            position += 1
        if position == len(seen):
            return False
        position += 1
    return True


def check(expect: Expectations, facts: CallFacts) -> list[Mismatch]:
    """Every expectation the facts break (empty: the call passed)."""
    out: list[Mismatch] = []
    if expect.queue is not None and facts.queue != expect.queue:
        out.append(Mismatch("queue", expect.queue, facts.queue))
    if expect.intent is not None and facts.intent != expect.intent:
        out.append(Mismatch("intent", expect.intent, facts.intent))
    if expect.priority_at_least is not None and (facts.priority is None or facts.priority < expect.priority_at_least):
        out.append(Mismatch("priority", f">= {expect.priority_at_least}", facts.priority))
    if expect.outcome is not None and facts.outcome != expect.outcome:
        out.append(Mismatch("outcome", expect.outcome, facts.outcome))
    if expect.self_served is not None and (facts.outcome == "self_served") != expect.self_served:
        out.append(Mismatch("self_served", expect.self_served, facts.outcome == "self_served"))
    if expect.path and not _in_order(expect.path, facts.path, lambda a, b: a == b):
        out.append(Mismatch("path", list(expect.path), facts.path))
    heard = [h.text for h in facts.heard]
    if expect.heard and not _in_order(expect.heard, heard, lambda a, b: a.replace(" ", "") in b.replace(" ", "")):
        out.append(Mismatch("heard", list(expect.heard), heard))
    if expect.emotion and facts.emotion not in expect.emotion:
        out.append(Mismatch("emotion", list(expect.emotion), facts.emotion))
    if expect.needs_qa:
        fired = facts.qa_categories
        missing = [c for c in expect.qa_present if fired is None or c not in fired]
        unwanted = [c for c in expect.qa_absent if fired is not None and c in fired]
        if fired is None:
            out.append(Mismatch("qa_categories", "an analysed call", "no QA analysis"))
        if missing and fired is not None:
            out.append(Mismatch("qa_categories present", missing, fired))
        if unwanted:
            out.append(Mismatch("qa_categories absent", unwanted, fired))
    return out


def facts_from_record(call_sid: str, record, queue_from_wire: str | None) -> CallFacts:
    """Facts from a ``qa.store.CallRecord`` (events give path, speech and emotion)."""
    facts = CallFacts(call_sid, queue=queue_from_wire)
    if record is None:
        return facts
    facts.queue = record.skill or queue_from_wire
    facts.intent = record.intent
    facts.priority = record.priority
    facts.outcome = record.outcome
    facts.reasons = list(record.reasons)
    for event in record.events:
        if event.kind == "node_entered" and event.node:
            facts.path.append(event.node)
        elif event.kind == "speech":
            facts.heard.append(Heard(str(event.detail.get("text", "")), float(event.detail.get("confidence", 0.0))))
        elif event.kind == "emotion":
            facts.emotion = event.detail.get("label")
    return facts
