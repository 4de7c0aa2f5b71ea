"""Speech recognition of one party of a recording: speech regions -> timed :class:`qa.analysis.Turn`.

Each speech region (webrtcvad, unpadded, so talk time is talk time) becomes one turn; the
region is decoded with a little padding so Vosk hears each word's onset and tail. With a
phrase list the recogniser *spots* (grammar + ``[unk]``): a region it heard as nothing known
stays a turn with empty text — it still counts as talk — and never pretends to be a transcript.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from asr import LoadedModel, StreamRecognizer, VadConfig, resample, to_pcm16, vad_segments
from qa.analysis import Turn, Word

#: regions for timing: unpadded, a pause over 0.5 s ends a turn
TURN_VAD = VadConfig(aggressiveness=2, hangover_ms=500, padding_ms=0, min_speech_ms=200)
#: seconds of audio decoded either side of a region
DECODE_PAD_S = 0.3


@dataclass(frozen=True)
class Region:
    start_s: float
    end_s: float


def speech_regions(samples: np.ndarray, rate: int, *, start_s: float = 0.0, end_s: float | None = None,
                   vad: VadConfig = TURN_VAD) -> list[Region]:
    """Speech regions of ``samples`` between ``start_s`` and ``end_s`` (seconds from the file start)."""
    lo = int(round(start_s * rate))
    hi = samples.size if end_s is None else min(samples.size, int(round(end_s * rate)))
    if hi - lo < rate // 10:
        return []
    part = to_pcm16(samples[lo:hi])
    return [Region(round(start_s + s.start, 3), round(start_s + s.end, 3)) for s in vad_segments(part, rate, vad)]


def recognize_party(model: LoadedModel, samples: np.ndarray, rate: int, party: str, regions: Sequence[Region],
                    grammar: Sequence[str] | None = None) -> list[Turn]:
    """One turn per region, with the words Vosk heard in it (times from the file start)."""
    turns: list[Turn] = []
    if not regions:
        return turns
    # resampled once for the whole channel: the stream's own resampler cannot restart per region
    pcm = to_pcm16(resample(samples, rate, model.sample_rate) if rate != model.sample_rate else samples)
    rate = model.sample_rate
    with StreamRecognizer(model, rate, grammar=list(grammar) if grammar else None, partials=False) as rec:
        for region in regions:
            a = max(0.0, region.start_s - DECODE_PAD_S)
            b = min(pcm.size / rate, region.end_s + DECODE_PAD_S)
            rec.reset(at=a)
            finals = [r for r in rec.accept(pcm[int(round(a * rate)):int(round(b * rate))]) if r.is_final]
            last = rec.finish()
            if last is not None:
                finals.append(last)
            words = tuple(Word(w.text, int(round(w.start * 1000)), int(round(w.end * 1000)), round(w.conf, 4))
                          for r in finals for w in r.words if w.text and w.text != "[unk]")
            text = " ".join(w.text for w in words)
            confidence = round(sum(w.conf for w in words) / len(words), 4) if words else 0.0
            start_ms = int(round(region.start_s * 1000))
            end_ms = int(round(region.end_s * 1000))
            if words:  # padding may let a word start a little before the region
                start_ms, end_ms = min(start_ms, words[0].start_ms), max(end_ms, words[-1].end_ms)
            turns.append(Turn(party=party, start_ms=start_ms, end_ms=end_ms, text=text, words=words,
                              confidence=confidence))
    return turns
