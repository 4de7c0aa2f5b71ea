"""Emotion of one party: the :mod:`emotion` scorer on that party's audio, with its own baseline.

The agent is scored only from the moment the agent conversation begins: the IVR's synthesised
prompts before it are not a person, and scoring them would set the agent's baseline wrong.
Each party's turns go in as the transcript, so lexical cues (complaint words, threats, safety
phrases) are fused with prosody.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np

import emotion
from qa.analysis import EmotionPoint, PartyEmotion, Turn, TurnEmotion


def score_party(samples: np.ndarray, rate: int, party: str, turns: Sequence[Turn], *,
                start_ms: int = 0) -> tuple[PartyEmotion, list[Turn]]:
    """The party's emotion timeline (times from the file start) and its turns with their emotion."""
    offset_s = start_ms / 1000
    part = samples[int(round(offset_s * rate)):]
    if part.size < rate:  # under a second of audio: nothing to score
        return PartyEmotion(party=party, reasons=("nothing to score: no audio",)), list(turns)
    scored_turns = [t for t in turns if t.text and t.end_ms > start_ms]
    transcript = [{"start": max(0.0, t.start_ms / 1000 - offset_s), "end": max(0.0, t.end_ms / 1000 - offset_s),
                   "text": t.text} for t in scored_turns]
    timeline = emotion.score_file(part, rate, transcript=transcript or None)
    points = tuple(
        EmotionPoint(t0_ms=int(round((w.t0 + offset_s) * 1000)), t1_ms=int(round((w.t1 + offset_s) * 1000)),
                     agitation=None if w.agitation is None else round(float(w.agitation), 4),
                     label=w.label, flag=bool(w.flag))
        for w in timeline.windows
    )
    s = timeline.summary
    result = PartyEmotion(party=party, points=points, label=s.label, peak=s.peak, mean=s.mean,
                          flagged_ms=int(round(s.flagged_s * 1000)), reasons=tuple(s.reasons))
    # the scorer summarises the turns it was given, in order
    summaries = {i: ts.summary for i, ts in zip((id(t) for t in scored_turns), timeline.turns)}
    out = []
    for t in turns:
        found = summaries.get(id(t))
        if found is not None:
            out.append(replace(t, emotion=TurnEmotion(found.label, found.peak)))
        elif t.end_ms > start_ms:
            out.append(replace(t, emotion=_window_summary(points, t)))
        else:
            out.append(t)
    return result, out


def _window_summary(points: Sequence[EmotionPoint], turn: Turn) -> TurnEmotion | None:
    """A turn without text: the worst label and peak of the windows it overlaps."""
    inside = [p for p in points if p.t1_ms > turn.start_ms and p.t0_ms < turn.end_ms and p.agitation is not None]
    if not inside:
        return None
    order = {label: i for i, label in enumerate(emotion.LABELS)}
    label = max((p.label for p in inside if p.label), key=lambda x: order.get(x, 0), default="calm")
    return TurnEmotion(label, round(max(p.agitation for p in inside), 4))
