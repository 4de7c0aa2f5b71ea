"""Calm and calm -> agitated test calls on every installed engine, for validating the emotion scorer.

A call is a run of neutral customer-service sentences in one voice; in an "escalating" call the last
sentences are rendered with agitation controls (faster, higher, wider range, louder, more effort) drawn
per call from a range, so a scorer is never validated against one fixed setting. Each call goes through
the telephone channel with optional line noise. Same arguments -> same samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from synth.errors import SynthError
from synth.noise import add_noise
from synth.registry import EngineRegistry
from synth.speak import say
from synth.telephone import telephone_channel
from synth.values import SAMPLE_RATE, Controls

#: neutral sentences of a caller; a call uses them in a seeded order
SENTENCES = {
    "zh": (
        "你好，我想问一下我上周买的手机。",
        "物流信息显示已经签收了，可是我没有收到。",
        "我问过邻居和物业，他们都说没有看到。",
        "请你帮我查一下到底是怎么回事。",
        "我的订单号是二三四五六七八。",
        "我想要换货或者退款，哪个快就要哪个。",
        "上次打电话你们说三天之内给我回复。",
        "到现在也没有人联系我，我等了一个星期了。",
        "你们的快递员电话也打不通。",
        "我今天必须知道什么时候能解决。",
    ),
    "en": (
        "Hello, I am calling about the phone I ordered last week.",
        "The tracking page says it was delivered, but nothing is here.",
        "I asked my neighbours and the front desk, and nobody has seen it.",
        "Could you please look into it and tell me what happened?",
        "My order number is two three four five six seven eight.",
        "I would like a replacement or a refund, whichever is faster.",
        "Last time I called you said someone would get back to me in three days.",
        "Nobody has contacted me since then, and I have waited a whole week.",
        "The courier's phone number does not answer either.",
        "I need to know today when this will be sorted out.",
    ),
}

#: agitation control ranges (low, high), drawn uniformly per call: a calm voice turned agitated
AGITATION_RANGE = {
    "speed": (1.08, 1.3),
    "pitch_semitones": (1.5, 4.0),
    "pitch_range": (1.25, 1.9),
    "volume_db": (3.0, 9.0),
    "energy": (1.15, 1.5),
}
#: per-sentence jitter of calm speech (uniform +/-), so a calm baseline is not unnaturally flat
CALM_JITTER = {"speed": 0.04, "pitch_semitones": 0.5, "volume_db": 1.0}


@dataclass(frozen=True)
class Span:
    start: float
    """seconds from the call start"""
    end: float
    style: str
    """'calm' or 'agitated'"""


@dataclass(frozen=True)
class TestCall:
    """One rendered call (telephone channel, 8 kHz int16) and where each sentence is."""

    name: str
    lang: str
    voice: str
    pcm_8k: np.ndarray = field(repr=False)
    spans: tuple[Span, ...]
    agitation: Controls | None
    """the controls of the agitated sentences (None for a calm call)"""
    sample_rate: int = 8000

    @property
    def agitated_from(self) -> float | None:
        """Start of the first agitated sentence, seconds."""
        starts = [s.start for s in self.spans if s.style == "agitated"]
        return min(starts) if starts else None

    @property
    def duration(self) -> float:
        return len(self.pcm_8k) / self.sample_rate


def draw_agitation(rng: np.random.Generator) -> Controls:
    """Agitation controls drawn from AGITATION_RANGE."""
    return Controls(**{k: round(float(rng.uniform(lo, hi)), 3) for k, (lo, hi) in AGITATION_RANGE.items()})


def render_call(lang: str, voice: str, *, calm: int = 4, agitated: int = 0, seed: int = 0, gap_s: float = 0.5,
                noise_snr_db: float | None = None, agitation: Controls | None = None, liveliness: float = 1.0,
                registry: EngineRegistry | None = None) -> TestCall:
    """``calm`` neutral sentences then ``agitated`` agitated ones, in ``voice``, through the telephone channel.

    ``agitation`` fixes the agitated controls (else they are drawn from the seed). ``noise_snr_db`` adds pink
    line noise under the whole call. ``liveliness`` scales the calm sentences' jitter (3 = a lively but calm
    talker: +/-12 % tempo, +/-1.5 st, +/-3 dB from sentence to sentence). Raises ``SynthError`` subclasses.
    """
    if lang not in SENTENCES:
        raise SynthError(f"no sentences for language {lang!r}")
    rng = np.random.default_rng(seed)
    registry = registry or EngineRegistry()
    order = rng.permutation(len(SENTENCES[lang]))
    if agitated and agitation is None:
        agitation = draw_agitation(rng)
    gap = np.zeros(int(gap_s * SAMPLE_RATE), dtype=np.float32)
    pieces, spans, t = [gap], [], gap_s
    for i in range(calm + agitated):
        text = SENTENCES[lang][order[i % len(order)]]
        if i < calm:
            c = Controls(**{k: (1.0 if k == "speed" else 0.0) + float(rng.uniform(-1, 1)) * v * liveliness
                            for k, v in CALM_JITTER.items()})
            style = "calm"
        else:
            c, style = agitation, "agitated"
        u = say(text, lang, voice, speed=c.speed, pitch_semitones=c.pitch_semitones, pitch_range=c.pitch_range,
                volume_db=c.volume_db, energy=c.energy, seed=seed * 100 + i, registry=registry)
        spans.append(Span(round(t, 3), round(t + u.duration, 3), style))
        pieces += [u.samples, gap]
        t += u.duration + gap_s
    y = np.concatenate(pieces)
    if noise_snr_db is not None:
        y = add_noise(y, SAMPLE_RATE, "pink", noise_snr_db, seed=seed)
    y = np.clip(y, -1.0, 1.0)
    line = telephone_channel(y, SAMPLE_RATE, seed=seed)
    kind = "escalating" if agitated else "calm"
    return TestCall(name=f"{lang}-{voice}-{kind}-{seed}", lang=lang, voice=voice, pcm_8k=line.pcm_8k,
                    spans=tuple(spans), agitation=agitation if agitated else None)
