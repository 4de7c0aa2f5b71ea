"""Full-text search over stored turns, for Mandarin and English alike.

What is searched is a normalised form of each turn (``turns.search_text``, and
``turns.search_redacted`` for the redacted text), made by :func:`normalise`:

- each character NFKC-normalised (full-width ``１３８`` is ``138``) and case-folded (``Refund``
  finds ``refund``);
- whitespace between two CJK characters removed (Vosk writes Mandarin with spaces between
  words, ``很 高兴``, while people type ``很高兴``), other runs of whitespace made one space.

The query goes through the same function, and a hit is a substring of the normalised turn, so
no word segmentation is needed in either language:

- SQLite: the FTS5 table ``turns_fts`` (``tokenize='trigram'``) answers queries of 3+ characters
  (the query is passed as one quoted FTS5 string, so user input is never FTS syntax); a shorter
  query (the many 2-character Mandarin words: ``退货``, ``投诉``) scans with ``instr``, because a
  trigram index cannot hold them.
- PostgreSQL: ``LIKE '%query%'`` (``%``, ``_`` and ``\\`` escaped) on the case-folded column, so
  it finds what ILIKE would at less than half the cost, served by the pg_trgm GIN indexes of
  migration 0002 where the extension exists (PostgreSQL itself picks a scan for common words).

``redacted=True`` (the default, for reviewers) searches and returns the redacted text only, so a
phone number cannot find a call; a turn that was never redacted is left out of redacted search.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, text as sql_text
from sqlalchemy.orm import Session

from qa.store.calls import CallStore
from qa.store.models import Analysis, Call, RuleResultRow, TurnRow, aware, utc

#: a trigram index holds 3-character pieces: shorter queries cannot use it
TRIGRAM = 3
MAX_LIMIT = 500


@dataclass(frozen=True)
class SearchHit:
    call_sid: str
    started_at: datetime
    party: str
    #: position of the turn in its call (1-based)
    seq: int
    start_ms: int
    end_ms: int
    #: the turn's text (its redacted text when searching redacted)
    text: str
    #: [start, end) character offsets of every match in ``text``
    highlights: list[tuple[int, int]]


@dataclass(frozen=True)
class SearchPage:
    #: how many turns match in all (for paging), not just this page
    total: int
    hits: list[SearchHit]


def _cjk(ch: str) -> bool:
    code = ord(ch)
    return (0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF
            or 0x20000 <= code <= 0x3134F or 0x3000 <= code <= 0x303F)


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """:func:`normalise` and, for each character of the result, the index in ``text`` it came from."""
    out: list[str] = []
    origin: list[int] = []
    space_at: int | None = None
    for i, ch in enumerate(text):
        if ch.isspace():
            if space_at is None:
                space_at = i
            continue
        folded = unicodedata.normalize("NFKC", ch).casefold()
        if not folded:
            continue
        if space_at is not None and out and not (_cjk(out[-1]) and _cjk(folded[0])):
            out.append(" ")
            origin.append(space_at)
        space_at = None
        for c in folded:
            out.append(c)
            origin.append(i)
    return "".join(out), origin


def normalise(text: str) -> str:
    """The searchable form of a text (see the module docstring)."""
    return normalise_with_map(text)[0]


def highlights(text: str, query: str) -> list[tuple[int, int]]:
    """[start, end) offsets in ``text`` of each non-overlapping match of ``query`` (both normalised)."""
    needle = normalise(query)
    if not needle:
        return []
    haystack, origin = normalise_with_map(text)
    spans = []
    at = haystack.find(needle)
    while at >= 0:
        spans.append((origin[at], origin[at + len(needle) - 1] + 1))
        at = haystack.find(needle, at + len(needle))
    return spans


def fts_string(needle: str) -> str:
    """``needle`` as one FTS5 string literal: any operator characters are just text inside it."""
    return '"' + needle.replace('"', '""') + '"'


def like_pattern(needle: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", needle) + "%"


def search_turns(store: CallStore, text: str, *, party: str | None = None, category: str | None = None,
                 since: datetime | None = None, until: datetime | None = None, skill: str | None = None,
                 intent: str | None = None, outcome: str | None = None, emotion_label: str | None = None,
                 emotion_party: str | None = None, language: str | None = None,
                 min_duration_ms: int | None = None, max_duration_ms: int | None = None,
                 call_sids: Sequence[str] | None = None, redacted: bool = True, limit: int = 50,
                 offset: int = 0) -> SearchPage:
    """Turns containing ``text``, newest call first (then in call order), with filters:

    party (caller/agent/ivr), category (a rule that fired on the call), since/until (the call's
    start, [since, until)), skill/intent/outcome (the call record's), emotion_label (the call-level
    label of ``emotion_party``, or of either caller or agent), language (the analysis locale),
    min/max_duration_ms (the recording), call_sids (only these calls). Raises ValueError for an
    empty query or bad paging.
    """
    needle = normalise(text)
    if not needle:
        raise ValueError("search text is empty")
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise ValueError(f"limit must be 1..{MAX_LIMIT} and offset >= 0 (got limit={limit}, offset={offset})")
    column_name = "search_redacted" if redacted else "search_text"
    conditions: list[ColumnElement[bool]] = []
    with store.session() as s:
        if s.get_bind().dialect.name == "postgresql":
            # psycopg prepares a statement run often; a generic plan cannot see how rare the
            # pattern is and walks every call by date. Plan each search for its own pattern.
            s.execute(sql_text("SET LOCAL plan_cache_mode = force_custom_plan"))
        conditions.append(_text_condition(s, column_name, needle))
        conditions += _filters(party=party, category=category, since=since, until=until, skill=skill, intent=intent,
                               outcome=outcome, emotion_label=emotion_label, emotion_party=emotion_party,
                               language=language, min_duration_ms=min_duration_ms, max_duration_ms=max_duration_ms)
        if call_sids is not None:
            conditions.append(Call.sid.in_(list(call_sids)))
        joined = (select(TurnRow.id).join(Call, Call.id == TurnRow.call_id)
                  .join(Analysis, Analysis.id == TurnRow.analysis_id).where(and_(*conditions)))
        total = s.scalar(select(func.count()).select_from(joined.subquery()))
        shown = TurnRow.redacted_text if redacted else TurnRow.text
        rows = s.execute(
            select(Call.sid, Call.started_at, TurnRow.party, TurnRow.seq, TurnRow.start_ms, TurnRow.end_ms, shown)
            .join(Call, Call.id == TurnRow.call_id).join(Analysis, Analysis.id == TurnRow.analysis_id)
            .where(and_(*conditions))
            .order_by(Call.started_at.desc(), Call.id.desc(), TurnRow.seq).limit(limit).offset(offset)
        ).all()
    hits = [SearchHit(sid, aware(started), party_, seq, start_ms, end_ms, shown_text, highlights(shown_text, text))
            for sid, started, party_, seq, start_ms, end_ms, shown_text in rows]
    return SearchPage(total=total, hits=hits)


def calls_saying(s: Session, text: str, *, redacted: bool = True) -> Select:
    """``SELECT call_id`` of the calls with a turn containing ``text`` (the same matching as
    :func:`search_turns`), for call lists that filter by what was said; ``s`` is the session
    the outer query runs in. Raises ValueError for an empty query."""
    needle = normalise(text)
    if not needle:
        raise ValueError("search text is empty")
    column_name = "search_redacted" if redacted else "search_text"
    return select(TurnRow.call_id).where(_text_condition(s, column_name, needle))


def _text_condition(s, column_name: str, needle: str) -> ColumnElement[bool]:
    column = getattr(TurnRow, column_name)
    if s.bind.dialect.name == "postgresql":
        return column.like(like_pattern(needle), escape="\\")
    if len(needle) >= TRIGRAM and _has_fts(s):
        return sql_text(
            f"turns.id IN (SELECT rowid FROM turns_fts WHERE turns_fts MATCH :fts_query)"
        ).bindparams(fts_query=f"{column_name} : {fts_string(needle)}")
    return func.instr(column, needle) > 0


def _has_fts(s) -> bool:
    found = s.execute(sql_text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'turns_fts'")).first()
    return found is not None


def _filters(*, party, category, since, until, skill, intent, outcome, emotion_label, emotion_party, language,
             min_duration_ms, max_duration_ms) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if party is not None:
        found.append(TurnRow.party == party)
    if category is not None:
        found.append(exists().where(RuleResultRow.analysis_id == TurnRow.analysis_id,
                                    RuleResultRow.category == category))
    if since is not None:
        found.append(Call.started_at >= utc(since))
    if until is not None:
        found.append(Call.started_at < utc(until))
    for column, value in ((Call.skill, skill), (Call.intent, intent), (Call.outcome, outcome),
                          (Analysis.language, language)):
        if value is not None:
            found.append(column == value)
    if emotion_label is not None:
        by_party = {"caller": Analysis.caller_emotion, "agent": Analysis.agent_emotion}
        if emotion_party is None:
            found.append(or_(Analysis.caller_emotion == emotion_label, Analysis.agent_emotion == emotion_label))
        elif emotion_party in by_party:
            found.append(by_party[emotion_party] == emotion_label)
        else:
            raise ValueError(f"emotion_party must be caller or agent, not {emotion_party!r}")
    if min_duration_ms is not None:
        found.append(Analysis.duration_ms >= min_duration_ms)
    if max_duration_ms is not None:
        found.append(Analysis.duration_ms <= max_duration_ms)
    return found
