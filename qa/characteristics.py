"""Conversation characteristics of one analysed call: talk time, silences, interruptions, speed.

Pure (no I/O): :func:`compute_characteristics` reads a :class:`~qa.analysis.CallAnalysis` and
returns the plain dict the pipeline stores as ``analysis.characteristics`` and the export
(:mod:`qa.export`) renders in Contact Lens terms. All times are integer milliseconds from the
start of the recording.

The dict::

    {
      "total_ms": int,                                   # recording length
      "conversation": {"start_ms": int | None, "end_ms": int},   # the agent conversation (None: no agent)
      "talk_ms": {"caller": int, "agent": int, "ivr": int},
      "non_talk": [{"start_ms", "end_ms", "duration_ms"}],
      "non_talk_ms": int,
      "interruptions": [{"party", "start_ms", "end_ms", "duration_ms"}],
      "talk_speed": {"caller": {"unit": "cpm" | "wpm", "value": float | None}, "agent": {...}},
      "time_to_greeting_ms": int | None,
      "emotion_by_quarter": {"caller": [4 x float | None], "agent": [4 x float | None]},
    }

The *window* is the agent conversation (``agent_start_ms`` to the end of the recording), or
the whole recording when no agent answered; silences and emotion quarters are measured in it.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from qa.analysis import PARTIES, CallAnalysis

#: the two parties of a conversation (interruptions, talk speed, emotion quarters)
CONVERSATION_PARTIES = ("caller", "agent")
QUARTERS = 4

# CJK unified ideographs (+ extension A, compatibility): what "a character" of Mandarin is
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# an English word: letters or digits, with an inner apostrophe ("don't", "I'll" are one word)
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*")

Span = tuple[int, int]


def compute_characteristics(
    analysis: CallAnalysis,
    *,
    non_talk_min_ms: int = 3000,
    overlap_min_ms: int = 300,
    is_greeting: Callable[[str], bool] | None = None,
) -> dict:
    """The conversation characteristics of ``analysis`` (see the module docstring for the dict).

    Parameters
    ----------
    analysis : CallAnalysis
        Turns per party with times in ms; ``agent_start_ms`` marks where the outbound channel
        stops being the IVR and becomes the agent.
    non_talk_min_ms : int >= 0
        A gap where nobody talks counts as non-talk time when it lasts at least this long
        (inside the agent conversation, or the whole call when there is no agent).
    overlap_min_ms : int >= 0
        A turn that starts while the other party is talking is an interruption when the two
        overlap by at least this long (shorter overlaps are back-channel: "嗯", "right").
    is_greeting : callable(str) -> bool, optional
        Says whether an agent turn's text is a greeting (the rules' greeting phrases). Without
        it ``time_to_greeting_ms`` is None.

    Returns
    -------
    dict
        Plain JSON-ready values (ints, floats rounded, None).
    """
    if non_talk_min_ms < 0 or overlap_min_ms < 0:
        raise ValueError(f"non_talk_min_ms={non_talk_min_ms} and overlap_min_ms={overlap_min_ms} must be >= 0")
    total = max(0, int(analysis.duration_ms))
    start, end = conversation_window(analysis)
    spans = {p: merge_spans((t.start_ms, t.end_ms) for t in analysis.party_turns(p)) for p in PARTIES}
    # in a conversation only caller and agent count as talking; before one, the IVR's prompts do
    talkers = CONVERSATION_PARTIES if analysis.agent_start_ms is not None else PARTIES
    gaps = _gaps(merge_spans(s for p in talkers for s in spans[p]), start, end, non_talk_min_ms)
    return {
        "total_ms": total,
        "conversation": {"start_ms": start if analysis.agent_start_ms is not None else None, "end_ms": end},
        "talk_ms": {p: _length(spans[p]) for p in PARTIES},
        "non_talk": [{"start_ms": a, "end_ms": b, "duration_ms": b - a} for a, b in gaps],
        "non_talk_ms": sum(b - a for a, b in gaps),
        "interruptions": _interruptions(spans, overlap_min_ms),
        "talk_speed": {p: talk_speed(analysis, p) for p in CONVERSATION_PARTIES},
        "time_to_greeting_ms": _time_to_greeting(analysis, is_greeting),
        "emotion_by_quarter": {p: _emotion_by_quarter(analysis, p, start, end) for p in CONVERSATION_PARTIES},
    }


def conversation_window(analysis: CallAnalysis) -> Span:
    """``(start_ms, end_ms)`` of the agent conversation, or of the whole recording without an agent."""
    total = max(0, int(analysis.duration_ms))
    if analysis.agent_start_ms is None:
        return 0, total
    return min(max(0, int(analysis.agent_start_ms)), total), total


def quarter_bounds(start_ms: int, end_ms: int) -> list[Span]:
    """The four ``(begin, end)`` quarters of ``[start_ms, end_ms)`` (integer ms, contiguous)."""
    length = max(0, end_ms - start_ms)
    edges = [start_ms + length * i // QUARTERS for i in range(QUARTERS + 1)]
    return [(edges[i], edges[i + 1]) for i in range(QUARTERS)]


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted, non-overlapping spans covering the same time (touching spans join; empty ones drop)."""
    merged: list[list[int]] = []
    for a, b in sorted((int(a), int(b)) for a, b in spans if b > a):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def _length(spans: list[Span]) -> int:
    return sum(b - a for a, b in spans)


def _gaps(talk: list[Span], start: int, end: int, min_ms: int) -> list[Span]:
    """Stretches of ``[start, end)`` not covered by ``talk`` lasting at least ``min_ms``."""
    gaps, cursor = [], start
    for a, b in talk:
        if b <= start:
            continue
        if a >= end:
            break
        if a > cursor:
            gaps.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < end:
        gaps.append((cursor, end))
    # a zero-length window has no silence, whatever the threshold
    return [(a, b) for a, b in gaps if b > a and b - a >= min_ms]


def _interruptions(spans: dict[str, list[Span]], overlap_min_ms: int) -> list[dict]:
    """Caller/agent talk runs that start inside the other party's run and overlap it enough.

    Runs are each party's merged turns, so one party's overlapping turns (a recogniser split)
    never interrupt each other or count twice. Starting at the same instant is not interrupting.
    """
    found = []
    for party, other in (("caller", "agent"), ("agent", "caller")):
        for a, b in spans[party]:
            for c, d in spans[other]:
                if c < a < d:
                    overlap = min(b, d) - a
                    if overlap >= overlap_min_ms:
                        found.append({"party": party, "start_ms": a, "end_ms": a + overlap, "duration_ms": overlap})
                    break
    return sorted(found, key=lambda i: (i["start_ms"], i["party"]))


def _language(text: str) -> str | None:
    """``"zh"`` when a text has more Han characters than English words, ``"en"`` when fewer."""
    han, words = len(_HAN.findall(text)), len(_WORD.findall(_HAN.sub(" ", text)))
    if han == words:
        return None
    return "zh" if han > words else "en"


def talk_speed(analysis: CallAnalysis, party: str) -> dict:
    """``{"unit": "cpm"|"wpm", "value": float|None}`` for one party (``"reason"`` in spotting mode).

    Each turn with text is Mandarin or English (more Han characters or more words); the unit is
    that of most of the party's turns (a tie, or no text, falls back to the call's locale).
    The value counts Han characters (cpm) or words (wpm) in the turns of that language, per
    minute of their merged talk time: turns with no text (speech the recogniser could not make
    out) are left out, so they don't make a fast talker look slow.
    """
    default = "zh" if analysis.facts.locale.lower().startswith("zh") else "en"
    texts = [(t, _language(t.text) or default) for t in analysis.party_turns(party) if t.text.strip()]
    zh = sum(1 for _, lang in texts if lang == "zh")
    en = len(texts) - zh
    lang = default if zh == en else ("zh" if zh > en else "en")
    unit = "cpm" if lang == "zh" else "wpm"
    if analysis.mode == "spotting":
        # the text is only the phrases the command model spotted: a count of them is no speed
        return {"unit": unit, "value": None, "reason": "spotting"}
    chosen = [t for t, turn_lang in texts if turn_lang == lang]
    minutes = _length(merge_spans((t.start_ms, t.end_ms) for t in chosen)) / 60000
    if not chosen or minutes <= 0:
        return {"unit": unit, "value": None}
    if lang == "zh":
        count = sum(len(_HAN.findall(t.text)) for t in chosen)
    else:
        count = sum(len(_WORD.findall(t.text)) for t in chosen)
    return {"unit": unit, "value": round(count / minutes, 1)}


def _time_to_greeting(analysis: CallAnalysis, is_greeting: Callable[[str], bool] | None) -> int | None:
    if analysis.agent_start_ms is None or is_greeting is None:
        return None
    for turn in sorted(analysis.party_turns("agent"), key=lambda t: t.start_ms):
        if is_greeting(turn.text):
            return max(0, turn.start_ms - analysis.agent_start_ms)
    return None


def _emotion_by_quarter(analysis: CallAnalysis, party: str, start: int, end: int) -> list[float | None]:
    """Mean agitation of the party's scored emotion windows in each quarter of the window.

    A window belongs to the quarter holding its midpoint (windows are short next to a quarter,
    so splitting them would change little and weigh nothing more faithfully).
    """
    emotion = analysis.emotion.get(party)
    sums = [[] for _ in range(QUARTERS)]
    if emotion is not None and end > start:
        bounds = quarter_bounds(start, end)
        for point in emotion.points:
            if point.agitation is None:
                continue
            mid = (point.t0_ms + point.t1_ms) / 2
            for index, (a, b) in enumerate(bounds):
                # the last quarter includes the end of the recording
                if a <= mid < b or (index == QUARTERS - 1 and mid == b):
                    sums[index].append(float(point.agitation))
                    break
    return [round(sum(v) / len(v), 3) if v else None for v in sums]

