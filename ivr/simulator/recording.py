"""The call's two sides on one clock, and the dual-channel recording Twilio would make of them. Pure.

Twilio's ``<Start><Recording channels="dual">`` puts the caller (inbound) on channel 0 and what
the caller hears (the IVR's prompts, then the agent) on channel 1; hotline's QA pipeline reads
it that way (``qa_channels = caller,agent``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np

from ivr.simulator.audio import RATE


@dataclass
class CallAudio:
    """Both sides of a call as it runs; time is the number of caller samples sent so far."""

    #: what the caller sent, in order (speech, tones, the line between)
    inbound: list[np.ndarray] = field(default_factory=list)
    #: (start sample, samples) of what the caller heard
    outbound: list[tuple[int, np.ndarray]] = field(default_factory=list)
    now: int = 0

    @property
    def now_ms(self) -> int:
        return self.now * 1000 // RATE

    def send(self, samples: np.ndarray) -> None:
        self.inbound.append(samples)
        self.now += len(samples)

    def hear(self, samples: np.ndarray, at: int | None = None) -> int:
        """Play ``samples`` to the caller from ``at`` (default now); returns the sample where it ends."""
        start = self.now if at is None else at
        self.outbound.append((start, samples))
        return start + len(samples)

    def interrupt(self, at: int | None = None) -> None:
        """Cut whatever the caller is hearing at ``at`` (default now): a key press or a call update."""
        cut = self.now if at is None else at
        self.outbound = [(s, a[:max(0, cut - s)]) for s, a in self.outbound if s < cut]

    def recording(self, start: int = 0) -> np.ndarray:
        """(n, 2) int16: channel 0 the caller, channel 1 what the caller heard, from ``start``."""
        caller = np.concatenate(self.inbound) if self.inbound else np.zeros(0, np.int16)
        end = max([len(caller)] + [s + len(a) for s, a in self.outbound])
        out = np.zeros((end, 2), np.int32)
        out[:len(caller), 0] = caller
        for s, a in self.outbound:
            out[s:s + len(a), 1] += a
        return np.clip(out[start:], -32768, 32767).astype(np.int16)


def wav_bytes(stereo: np.ndarray) -> bytes:
    """A PCM16 WAV at 8 kHz, as Twilio serves ``RecordingUrl.wav``."""
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, stereo, RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()
