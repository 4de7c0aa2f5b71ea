"""Hourly counts of the spike series, read from the QA store (SQLite or PostgreSQL).

Only the hours being compared are read (the hour tested and the same hour in each baseline
week), with plain column selects bucketed here, so the same queries run on both databases
and cost the same whatever the history's length. Each series counts *calls* (a caller who
says "坏了" three times in one call is one call), which is what the Poisson test assumes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import and_, or_, select

from qa.analytics.regions import region_of
from qa.analytics.spikes import SeriesKey
from qa.store.models import Analysis, Call, RuleResultRow, TurnRow, aware, utc

HOUR = timedelta(hours=1)

#: a term: a run of letters (any script), at least 2 characters, no digits (numbers are personal data)
_TERM = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
#: English filler words that are never a signal
STOP_TERMS = frozenset("""
the and you for that this with have what can not but are was yes okay hello please thank thanks
just want would like about your from there they them then will get got its it's i'm need
""".split())

Counts = dict[SeriesKey, dict[datetime, int]]


def hour_start(moment: datetime) -> datetime:
    """The start of ``moment``'s hour, in UTC."""
    return utc(moment).replace(minute=0, second=0, microsecond=0)


def caller_terms(text: str) -> set[str]:
    """The distinct terms in one caller turn (lower-cased words; Vosk separates Chinese words with spaces)."""
    return {t for t in (m.group(0).lower() for m in _TERM.finditer(text)) if t not in STOP_TERMS}


def hour_ranges(hours: Iterable[datetime]) -> list[tuple[datetime, datetime]]:
    """Hour starts as [start, end) ranges, consecutive hours merged (a scan of a day and its baseline
    weeks is a few ranges, not hundreds)."""
    ranges: list[tuple[datetime, datetime]] = []
    for h in sorted({utc(h) for h in hours}):
        if ranges and ranges[-1][1] == h:
            ranges[-1] = (ranges[-1][0], h + HOUR)
        else:
            ranges.append((h, h + HOUR))
    return ranges


def _in_hours(column, hours: Iterable[datetime]):
    return or_(*(and_(column >= start, column < end) for start, end in hour_ranges(hours)))


def hourly_counts(store, hours: Iterable[datetime], *, by_region: bool = False,
                  kinds: Iterable[str] = ("intent", "category", "term")) -> Counts:
    """Calls per series and hour for the given hour starts (UTC); every series with a call in any of them.

    ``by_region`` adds a series per caller province (``phonenumbers`` geocoder) next to the national one.
    """
    hours = sorted({hour_start(h) for h in hours})
    kinds = set(kinds)
    counts: Counts = defaultdict(lambda: defaultdict(int))
    with store.session() as s:
        calls = {row.id: (hour_start(aware(row.started_at)), row.intent, row.caller)
                 for row in s.execute(select(Call.id, Call.started_at, Call.intent, Call.caller)
                                      .where(_in_hours(Call.started_at, hours)))}
        seen: dict[int, set[tuple[str, str]]] = defaultdict(set)
        if "intent" in kinds:
            for call_id, (_, intent, _) in calls.items():
                if intent:
                    seen[call_id].add(("intent", intent))
        if calls and "category" in kinds:
            query = (select(RuleResultRow.call_id, RuleResultRow.category).join(Call, Call.id == RuleResultRow.call_id)
                     .where(_in_hours(Call.started_at, hours)))
            for call_id, category in s.execute(query):
                seen[call_id].add(("category", category))
        if calls and "term" in kinds:
            # calls -> analyses -> turns: the indexed path (turns are indexed by analysis)
            query = (select(TurnRow.call_id, TurnRow.redacted_text, TurnRow.text)
                     .join(Analysis, Analysis.id == TurnRow.analysis_id).join(Call, Call.id == Analysis.call_id)
                     .where(TurnRow.party == "caller", _in_hours(Call.started_at, hours)))
            for call_id, redacted, text in s.execute(query):
                # the redacted text: numbers a caller spelled out never become a series name
                seen[call_id].update(("term", t) for t in caller_terms(redacted if redacted is not None else text))
    for call_id, names in seen.items():
        hour, _, caller = calls[call_id]
        region = region_of(caller) if by_region else None
        for kind, name in names:
            counts[SeriesKey(kind, name)][hour] += 1
            if region is not None:
                counts[SeriesKey(kind, name, region)][hour] += 1
    return {key: dict(by_hour) for key, by_hour in counts.items()}
