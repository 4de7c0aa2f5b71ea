"""The QA export: one call's analysis as a versioned, Contact-Lens-like JSON document, and CSV lists.

:func:`export_call` renders a call record (what the IVR knew), its :class:`~qa.analysis.CallAnalysis`
(what the recording said) and its :class:`~qa.analysis.RulesOutcome` (what the QA rules made of it)
as one JSON-ready dict of schema :data:`EXPORT_SCHEMA` (``hotline.qa.export/1``). Field names
follow Amazon Connect Contact Lens post-call output (``Transcript``, ``Categories``,
``ConversationCharacteristics``, ``BeginOffsetMillis`` ...) so tools written for it read ours with
little change. Every field is described in ``qa/EXPORT.md``; :func:`export_schema` is the JSON
Schema (``qa/export_schema_v1.json``) an export validates against.

Redaction (``redacted=True``, the default): transcript text and words, IVR speech and digits,
points of interest, follow-up texts and the caller's number pass through :mod:`qa.redaction`,
so a redacted export holds no personal data the redaction module can find, even for a turn the
pipeline never redacted.

:func:`calls_csv` writes lists (call lists, search results) for spreadsheets, with
formula-injection protection.

Pure: no I/O apart from reading the shipped schema file.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Iterable, Sequence

from qa.analysis import CallAnalysis, RulesOutcome, Turn
from qa.characteristics import compute_characteristics, quarter_bounds
from qa.redaction import redact_text, redacted_words

#: schema id of an export (bump the number on an incompatible change; adding fields is compatible)
EXPORT_SCHEMA = "hotline.qa.export/1"
SCHEMA_FILE = Path(__file__).with_name("export_schema_v1.json")

#: hotline party -> Contact Lens participant role (also used as the ParticipantId)
ROLES = {"caller": "CUSTOMER", "agent": "AGENT", "ivr": "IVR"}

# IVR events that make up the path, with the detail fields each one exports (store key -> export key).
# Others (call_started, emotion, recording, call_ended ...) are no step of the caller's path.
_ROUTE_FIELDS = {"skill": "Skill", "intent": "Intent", "priority": "Priority", "reasons": "Reasons"}
_IVR_EVENTS: dict[str, tuple[str, dict[str, str]]] = {
    "node_entered": ("NODE", {"type": "Type"}),
    "digits": ("DIGITS", {"digits": "Digits"}),
    "speech": ("SPEECH", {"text": "Text", "confidence": "Confidence"}),
    "interpreted": ("INTERPRETED", {"intent": "Intent", "method": "Method", "score": "Score", "option": "Option"}),
    "option": ("OPTION", {"key": "Key", "action": "Action", "via": "Via"}),
    "no_input": ("NO_INPUT", {"count": "Count"}),
    "no_match": ("NO_MATCH", {"count": "Count", "heard": "Heard"}),
    "reprompt": ("REPROMPT", {"reason": "Reason", "attempt": "Attempt"}),
    "escalated": ("ESCALATED", {"reason": "Reason", "count": "Count"}),
    "language": ("LANGUAGE", {"locale": "Locale"}),
    "lookup": ("LOOKUP", {"service": "Service", "status": "Status"}),
    "route": ("ROUTE", _ROUTE_FIELDS),
    "route_decision": ("ROUTE", _ROUTE_FIELDS),
    "hangup": ("HANGUP", {"outcome": "Outcome"}),
}
# what the caller said or keyed in: personal data may be in it
_FREE_TEXT = {"Text", "Heard", "Digits"}


def export_call(
    call: dict,
    analysis: CallAnalysis,
    outcome: RulesOutcome | None,
    followups: Sequence[dict] = (),
    *,
    redacted: bool = True,
) -> dict:
    """One call as a ``hotline.qa.export/1`` document (a JSON-ready dict; see ``qa/EXPORT.md``).

    Parameters
    ----------
    call : dict
        ``qa.store.CallRecord.to_dict()``: the IVR's record, with its events (the IVR path).
    analysis : CallAnalysis
        The recording's analysis. Its ``characteristics`` are exported as they are; when empty
        they are computed here (with no greeting predicate: ``TimeToGreetingMillis`` is null).
    outcome : RulesOutcome or None
        The rules' categories and score (None: rules not run; ``Categories`` is empty).
    followups : sequence of dict
        The call's follow-ups as the store keeps them (``dataclasses.asdict`` of a ``qa.store``
        ``FollowUpRecord``: keys ``kind``, ``text``, ``due_at`` (datetime or ISO string),
        ``status``). When empty, those in ``outcome`` are exported, due ``due_in_s`` after the
        call started, with status ``open``.
    redacted : bool
        Mask personal data (see the module docstring). False exports the words as heard.
    """
    characteristics = analysis.characteristics or compute_characteristics(analysis)
    turns = sorted(analysis.turns, key=lambda t: (t.start_ms, t.end_ms))
    parties = {"caller"} | {t.party for t in turns} | ({"agent"} if analysis.agent_start_ms is not None else set())
    return {
        "Schema": EXPORT_SCHEMA,
        "CallSid": analysis.call_sid or call.get("sid"),
        "RecordingSid": analysis.recording_sid,
        "Channel": "VOICE",
        "LanguageCode": call.get("locale") or analysis.facts.locale,
        "AnalysisMode": analysis.mode,
        "Model": analysis.model,
        "RulesVersion": outcome.rules_version if outcome else None,
        "Redacted": redacted,
        "CustomerMetadata": _metadata(call, analysis, redacted),
        "Participants": [{"ParticipantId": ROLES[p], "ParticipantRole": ROLES[p]} for p in ROLES if p in parties],
        "Transcript": [_transcript_item(analysis.call_sid, i, t, redacted) for i, t in enumerate(turns, 1)],
        "Categories": _categories(outcome, redacted),
        "ConversationCharacteristics": _characteristics(characteristics, analysis),
        "FollowUps": _followups(call, outcome, followups, redacted),
        "Score": outcome.score if outcome else None,
    }


@cache
def _schema_text() -> str:
    return SCHEMA_FILE.read_text(encoding="utf-8")


def export_schema() -> dict:
    """The JSON Schema (draft 2020-12) of a ``hotline.qa.export/1`` document (a fresh copy)."""
    return json.loads(_schema_text())


# ---- parts ----------------------------------------------------------------------------


def _masked(text: str | None, redacted: bool) -> str | None:
    return redact_text(text).text if redacted and text else text


def _metadata(call: dict, analysis: CallAnalysis, redacted: bool) -> dict:
    facts = analysis.facts
    return {
        "Caller": _masked(call.get("caller"), redacted),
        "Called": call.get("called"),
        "StartedAt": call.get("started_at"),
        "EndedAt": call.get("ended_at"),
        "Status": call.get("status"),
        "Outcome": call.get("outcome") or facts.outcome,
        "FinalNode": call.get("final_node"),
        "Skill": call.get("skill") or facts.skill,
        "Intent": call.get("intent") or facts.intent,
        "Priority": call.get("priority") if call.get("priority") is not None else facts.priority,
        "RouteReasons": list(call.get("reasons") or []),
        "DurationSeconds": call.get("duration_s"),
        "Reprompts": facts.reprompts,
        "RepeatCaller": facts.repeat_caller,
        "IvrPath": ivr_path(call.get("events") or [], redacted=redacted),
    }


def ivr_path(events: Iterable[dict], *, redacted: bool = True) -> list[dict]:
    """The caller's way through the IVR: ``[{Node, Kind, Detail, At}]`` from the call's events."""
    path = []
    for event in events:
        known = _IVR_EVENTS.get(event.get("kind", ""))
        if known is None:
            continue
        kind, fields = known
        detail = event.get("detail") or {}
        out: dict[str, Any] = {}
        for key, name in fields.items():
            if key not in detail:
                continue
            value = detail[key]
            if name in _FREE_TEXT and isinstance(value, str):
                value = _masked(value, redacted)
            out[name] = list(value) if isinstance(value, (list, tuple)) else value
        path.append({"Node": event.get("node") or None, "Kind": kind, "Detail": out, "At": event.get("at")})
    return path


def _transcript_item(call_sid: str, index: int, turn: Turn, redacted: bool) -> dict:
    if redacted:
        content = turn.redacted_text if turn.redacted_text is not None else redact_text(turn.text).text
        words = redacted_words(turn)
    else:
        content, words = turn.text, turn.words
    return {
        "Id": f"{call_sid}-{index}",
        "ParticipantId": ROLES[turn.party],
        "BeginOffsetMillis": turn.start_ms,
        "EndOffsetMillis": turn.end_ms,
        "Content": content,
        "Confidence": round(turn.confidence, 3),
        "Intent": {"Name": turn.intent, "Confidence": turn.intent_confidence} if turn.intent else None,
        "Emotion": {"Label": turn.emotion.label, "Peak": turn.emotion.peak} if turn.emotion else None,
        "Words": [{"Content": w.text, "BeginOffsetMillis": w.start_ms, "EndOffsetMillis": w.end_ms,
                   "Confidence": round(w.conf, 3)} for w in words],
        "Redaction": content != turn.text,
    }


def _categories(outcome: RulesOutcome | None, redacted: bool) -> dict:
    matched: list[str] = []
    details: dict[str, dict] = {}
    for c in outcome.categories if outcome else ():
        if c.category not in details:
            matched.append(c.category)
            details[c.category] = {"PointsOfInterest": [], "Severity": c.severity, "Points": 0.0,
                                   "Dimension": c.dimension, "Title": c.title}
        entry = details[c.category]
        # one category reported twice (it should not be) keeps every match and the points of both
        entry["Points"] += c.points
        entry["PointsOfInterest"] += [
            {"BeginOffsetMillis": m.start_ms, "EndOffsetMillis": m.end_ms,
             "ParticipantId": ROLES.get(m.party) if m.party else None, "Text": _masked(m.text, redacted)}
            for m in c.matches
        ]
    return {"MatchedCategories": matched, "MatchedDetails": details}


def _span(begin: int, end: int) -> dict:
    return {"BeginOffsetMillis": begin, "EndOffsetMillis": end, "DurationMillis": end - begin}


def _characteristics(ch: dict, analysis: CallAnalysis) -> dict:
    conversation = ch.get("conversation") or {}
    talk = ch.get("talk_ms") or {}
    interruptions = ch.get("interruptions") or []
    begin = conversation.get("start_ms")
    end = conversation.get("end_ms", ch.get("total_ms", analysis.duration_ms))
    quarters = quarter_bounds(begin if begin is not None else 0, end)
    speed = {}
    for party, value in (ch.get("talk_speed") or {}).items():
        key = "AverageCharactersPerMinute" if value.get("unit") == "cpm" else "AverageWordsPerMinute"
        speed[ROLES[party]] = {key: value.get("value")} | ({"Reason": value["reason"]} if "reason" in value else {})
    return {
        "TotalConversationDurationMillis": ch.get("total_ms", analysis.duration_ms),
        "AgentConversation": {"BeginOffsetMillis": begin, "EndOffsetMillis": end},
        "TalkTime": {
            # a sum: two parties talking at once count once each, as their own talk time
            "TotalTimeMillis": sum(talk.values()),
            "DetailsByParticipant": {ROLES[p]: {"TotalTimeMillis": ms} for p, ms in talk.items()},
        },
        "NonTalkTime": {
            "TotalTimeMillis": ch.get("non_talk_ms", 0),
            "Instances": [_span(g["start_ms"], g["end_ms"]) for g in ch.get("non_talk", [])],
        },
        "Interruptions": {
            "TotalCount": len(interruptions),
            "TotalTimeMillis": sum(i["duration_ms"] for i in interruptions),
            "InterruptionsByInterrupter": {
                ROLES[p]: [_span(i["start_ms"], i["end_ms"]) for i in interruptions if i["party"] == p]
                for p in ("agent", "caller")
            },
        },
        "TalkSpeed": {"DetailsByParticipant": speed},
        "TimeToGreetingMillis": ch.get("time_to_greeting_ms"),
        "Emotion": {
            "OverallByParticipant": {
                ROLES[p]: {"Label": e.label, "Peak": e.peak, "Mean": e.mean, "FlaggedMillis": e.flagged_ms}
                for p, e in analysis.emotion.items() if p in ROLES
            },
            "EmotionByPeriod": {"QUARTER": {
                ROLES[p]: [{"BeginOffsetMillis": a, "EndOffsetMillis": b, "Score": score}
                           for (a, b), score in zip(quarters, scores)]
                for p, scores in (ch.get("emotion_by_quarter") or {}).items()
            }},
        },
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def _followups(call: dict, outcome: RulesOutcome | None, followups: Sequence[dict], redacted: bool) -> list[dict]:
    if followups:
        return [{"Kind": f.get("kind"), "Text": _masked(f.get("text"), redacted), "DueAt": _iso(f.get("due_at")),
                 "Status": f.get("status", "open")} for f in followups]
    started = call.get("started_at")
    start = datetime.fromisoformat(started) if isinstance(started, str) else started
    return [{"Kind": f.kind, "Text": _masked(f.text, redacted),
             "DueAt": (start + timedelta(seconds=f.due_in_s)).isoformat() if start else None, "Status": "open"}
            for f in (outcome.followups if outcome else ())]


# ---- CSV ------------------------------------------------------------------------------

# a spreadsheet runs a cell starting with one of these as a formula (tab and CR too: OWASP)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        # numbers are written as numbers: "-3" is not a formula, and a quote would make it text
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
        text = "; ".join(str(v) for v in value)
    elif isinstance(value, (dict, list, tuple)):
        text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def calls_csv(rows: Iterable[dict], columns: Sequence[str] | None = None) -> str:
    """Rows (call records, search results) as CSV text: a header line, then one line per row.

    Parameters
    ----------
    rows : iterable of dict
        One dict per line; a missing key is an empty cell.
    columns : sequence of str, optional
        The columns, in order. Default: every key of the rows, in the order first seen.

    Returns
    -------
    str
        RFC 4180 CSV (``\\r\\n`` line ends) to be written as UTF-8 (prefix a BOM for Excel).
        None is an empty cell, lists of plain values are joined with ``"; "``, other nested
        values are JSON, and a text cell starting with ``= + - @`` (or tab / CR) gets a leading
        ``'`` so a spreadsheet does not run it as a formula.
    """
    rows = list(rows)
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_cell(c) for c in columns])
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue()
