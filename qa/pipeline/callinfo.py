"""What the call record tells the analysis: call facts, and where the agent conversation begins.

Pure functions over :class:`qa.store.CallRecord`. The outbound channel holds the IVR's prompts until
the caller is bridged to an agent; the record knows when the call was routed (``route`` event) and,
from Twilio's ``<Enqueue action>`` callback, how long the caller waited (``queue_result`` event with
``queue_time_s``), so the agent starts at ``route time + queue time`` on the recording's clock.
"""

from __future__ import annotations

from datetime import datetime, timezone

from qa.analysis import CallFacts
from qa.store import CallRecord

#: event kinds that move the caller on to an agent
ROUTE_KINDS = ("route", "route_decision")


def call_facts(record: CallRecord) -> CallFacts:
    """Facts the QA rules may test: locale, route, reprompts, repeat caller, menu path."""
    events = record.events
    path: list[str] = []
    for e in events:
        if e.kind == "node_entered" and (not path or path[-1] != e.node):
            path.append(e.node)
    reasons = " ".join(record.reasons or [])
    return CallFacts(
        locale=record.locale, skill=record.skill, intent=record.intent, outcome=record.outcome,
        priority=record.priority, reprompts=sum(1 for e in events if e.kind == "reprompt"),
        repeat_caller="repeat_same_issue" in reasons, path=tuple(path),
    )


def agent_start_ms(record: CallRecord, recording_start: datetime | None = None) -> int | None:
    """Milliseconds into the recording when the agent conversation began; None if it never did.

    ``recording_start`` is Twilio's ``RecordingStartTime``; without it the recording is taken to
    start with the call (``<Start><Recording>`` is the first TwiML hotline answers with).
    """
    routed = [e for e in record.events if e.kind in ROUTE_KINDS]
    if not routed:
        return None
    queue = [e for e in record.events if e.kind == "queue_result"]
    if queue and queue[-1].detail.get("result") not in ("bridged", "redirected", None):
        return None  # left the queue without reaching anybody (hangup, queue-full ...)
    start = _utc(recording_start or record.started_at)
    routed_at = _utc(routed[0].at)
    wait_s = 0.0
    if queue:
        try:
            wait_s = float(queue[-1].detail.get("queue_time_s") or 0)
        except (TypeError, ValueError):
            wait_s = 0.0
    offset_ms = int(round(((routed_at - start).total_seconds() + wait_s) * 1000))
    return max(0, offset_ms)


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
