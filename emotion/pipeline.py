"""One call's scoring pipeline: 16 kHz samples and transcript turns in, timeline windows out.

Both :func:`emotion.score_file` and :class:`emotion.StreamScorer` drive this class, so a file and a live
stream of the same audio are scored by the same code.
"""

from __future__ import annotations


import numpy as np

from .audio import ANALYSIS_RATE
from .fusion import LexicalState, fuse, window_label
from .grid import FRAME_RATE, n_frames
from .lexical import LexicalHit, find_cues
from .scorer import ArousalScorer
from .timeline import EmotionTimeline, EmotionWindow, TranscriptTurn, TurnSummary, summarize
from .tracks import FrameAnalyzer, FrameTracks
from .window import HOP_S, WINDOW_S, window_features

_WIN = int(WINDOW_S * FRAME_RATE)
_STEP = int(HOP_S * FRAME_RATE)
#: a final partial window is only emitted when at least this many new frames follow the last one
_MIN_TAIL = _STEP // 2


class CallPipeline:
    """Scores one call incrementally (not thread-safe: one per call)."""

    def __init__(self) -> None:
        self._analyzer = FrameAnalyzer()
        self._blocks: list[FrameTracks] = []
        self._scorer = ArousalScorer()
        self.lexical = LexicalState()
        self.windows: list[EmotionWindow] = []
        self.turns: list[TranscriptTurn] = []
        self._next_end = _STEP
        self._finished = False

    def push(self, samples16k: np.ndarray) -> list[EmotionWindow]:
        """Add 16 kHz float samples; return the windows completed by them."""
        if self._finished:
            raise RuntimeError("the call has already been finished")
        self._blocks += self._analyzer.push(samples16k)
        return self._emit(final=False)

    def finish(self) -> list[EmotionWindow]:
        """The call has ended: analyse what is left and emit the last windows."""
        if self._finished:
            return []
        self._blocks += self._analyzer.finish()
        self._finished = True
        return self._emit(final=True)

    def add_turn(self, turn: TranscriptTurn) -> list[LexicalHit]:
        """Add a transcribed turn; return its lexical hits (timed inside the turn)."""
        self.turns.append(turn)
        hits = find_cues(turn.text, turn.lang, turn.start, turn.end)
        self.lexical.add(hits)
        return hits

    def blank(self, start: float, end: float) -> None:
        """Treat start..end seconds as keypad tones (an IVR DTMF event); affects audio not yet analysed."""
        if not (0 <= start <= end):
            raise ValueError(f"blank interval must satisfy 0 <= start <= end, got {start}..{end}")
        self._analyzer.blanks.append((float(start), float(end)))

    def add_text(self, text: str, lang: str | None = None) -> list[LexicalHit]:
        """Untimed transcript text (applies from the start of the call)."""
        hits = find_cues(text, lang)
        self.lexical.add(hits)
        return hits

    def _emit(self, final: bool) -> list[EmotionWindow]:
        done = self._analyzer.frames_done
        out = []
        while self._next_end <= done:
            out.append(self._window(max(self._next_end - _WIN, 0), self._next_end))
            self._next_end += _STEP
        last_end = self._next_end - _STEP
        if final and done > 0 and (done - last_end >= _MIN_TAIL or not self.windows and not out):
            out.append(self._window(max(done - _WIN, 0), done))
        self.windows += out
        return out

    def _window(self, a: int, b: int) -> EmotionWindow:
        parts = [t for t in self._blocks if t.first + len(t) > a and t.first < b]
        tracks = FrameTracks.concat(parts).slice(a, b)
        # keep only the blocks later windows can still need
        self._blocks = [t for t in self._blocks if t.first + len(t) > b - _WIN + _STEP]
        t0, t1 = a / FRAME_RATE, b / FRAME_RATE
        wf = window_features(tracks, t0, t1)
        new_speech = float(tracks.slice(max(b - _STEP, a), b).speech.sum()) / FRAME_RATE
        ws = self._scorer.update(wf, new_speech)
        lex = self.lexical
        neg, positive, safety = lex.negativity(t1), lex.positive(t1), bool(lex.safety(t1))
        agitation = fuse(ws.score, neg, positive, lex.has_transcript)
        return EmotionWindow(
            t0=t0,
            t1=t1,
            score=ws.score,
            smooth=ws.smooth if ws.score is not None else None,
            agitation=agitation,
            flag=ws.flag or safety,
            label=window_label(ws.flag, agitation, neg, safety, positive),
            confidence=ws.confidence,
            reason=wf.reason,
            cues=ws.z,
            families=ws.families,
            instability=ws.instability,
            level_step_db=ws.level_step_db,
            features=wf.to_dict(),
            lexical=[h.to_dict() for h in lex.hits if h.time is not None and t0 <= h.time < t1],
        )

    def timeline(self) -> EmotionTimeline:
        duration = self._analyzer.samples_seen / ANALYSIS_RATE
        hits = list(self.lexical.hits)
        turns = [TurnSummary(t, summarize(self.windows, hits, t.start, t.end)) for t in self.turns]
        return EmotionTimeline(
            duration_s=round(duration, 3),
            windows=list(self.windows),
            summary=summarize(self.windows, hits, 0.0, max(duration, n_frames(0) / FRAME_RATE)),
            turns=turns,
            hits=hits,
        )
