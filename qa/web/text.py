"""Small text shaping for pages: highlighted search snippets and the transcript line a rule
match points at. Pure."""

from __future__ import annotations

from typing import Sequence

from qa.analysis import Match, Turn


def segments(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut at ``spans`` ([start, end) offsets): ``[(piece, is_match), ...]`` for <mark>."""
    out: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted(spans):
        if start < at:
            continue
        if start > at:
            out.append((text[at:start], False))
        out.append((text[start:end], True))
        at = end
    if at < len(text):
        out.append((text[at:], False))
    return out


def turn_of(match: Match, turns: Sequence[Turn]) -> int | None:
    """Index of the turn the match lies in (same party, overlapping in time), else the nearest
    turn of that party starting before it; None when the match is about no one's words."""
    candidates = [(i, t) for i, t in enumerate(turns) if match.party in (None, t.party)]
    for i, turn in candidates:
        if turn.start_ms <= match.end_ms and match.start_ms <= turn.end_ms:
            return i
    before = [i for i, t in candidates if t.start_ms <= match.start_ms]
    return before[-1] if before else None
