"""emotion: caller audio (+ transcript) -> arousal / agitation timeline. Imports nothing from ivr or qa.

The score is an advisory arousal signal from prosody (pitch, loudness, spectral balance, tempo) relative to
the caller's own baseline, fused with lexical cues; only safety phrases are a hard trigger.
"""

from .api import clip_features, score_file
from .errors import AudioInputError, EmotionError, TranscriptError
from .fusion import LABELS
from .lexical import LexicalHit, find_cues, find_cues_en, find_cues_zh
from .stream import StreamScorer
from .timeline import EmotionSummary, EmotionTimeline, EmotionWindow, TranscriptTurn, TurnSummary
from .window import WindowFeatures

__all__ = [
    "LABELS",
    "AudioInputError",
    "EmotionError",
    "EmotionSummary",
    "EmotionTimeline",
    "EmotionWindow",
    "LexicalHit",
    "StreamScorer",
    "TranscriptError",
    "TranscriptTurn",
    "TurnSummary",
    "WindowFeatures",
    "clip_features",
    "find_cues",
    "find_cues_en",
    "find_cues_zh",
    "score_file",
]
