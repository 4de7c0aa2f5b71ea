"""asr: speech to text on Vosk — models, telephone audio, VAD, streaming and batch recognition.

Imports nothing from ``ivr``, ``qa`` or ``emotion``.
"""

from asr.codec import resample, ulaw_decode, ulaw_encode

__all__ = ["resample", "ulaw_decode", "ulaw_encode"]
