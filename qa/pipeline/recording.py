"""A call recording as the pipeline needs it: caller and outbound channels, checked.

Twilio records the parent call's *inbound* track (what the caller says) on the first channel and
the *outbound* track (what the caller hears: prompts, then the agent) on the second, for
``<Start><Recording channels="dual">``. Operators with another recorder name the order with the
``qa_channels`` setting ("caller,agent" or "agent,caller").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from asr import AudioError, read_audio
from qa.errors import RecordingError

#: rates a telephone recording may have (Twilio: 8 kHz); anything else is not a call recording
MIN_RATE, MAX_RATE = 8000, 48000
ROLES = ("caller", "agent")


@dataclass(frozen=True)
class ChannelMap:
    """Which channel of the file holds the caller and which the outbound (IVR + agent) audio."""

    caller: int = 0
    outbound: int = 1

    @classmethod
    def parse(cls, text: str) -> "ChannelMap":
        """``"caller,agent"`` (Twilio's order) or ``"agent,caller"``; ValueError otherwise."""
        names = [n.strip().lower() for n in text.split(",")]
        if sorted(names) != sorted(ROLES):
            raise ValueError(f"qa_channels must name the channels in order, 'caller,agent' or 'agent,caller', "
                             f"got {text!r}")
        return cls(caller=names.index("caller"), outbound=names.index("agent"))


@dataclass(frozen=True)
class CallAudio:
    """The two sides of one call, mono float32 in [-1, 1] at ``rate`` Hz."""

    path: str
    rate: int
    caller: np.ndarray
    outbound: np.ndarray

    @property
    def duration_ms(self) -> int:
        return int(round(1000 * self.caller.size / self.rate))


def load_call_audio(path: str | Path, channels: ChannelMap = ChannelMap()) -> CallAudio:
    """Read a dual-channel call recording; :class:`RecordingError` says plainly what is wrong."""
    try:
        audio = read_audio(path)
    except AudioError as exc:
        raise RecordingError(f"unusable recording: {exc}") from exc
    if audio.channels < 2:
        raise RecordingError(
            f"{path}: recording has {audio.channels} channel; a dual-channel recording (caller and agent apart) "
            "was expected — record with <Start><Recording channels=\"dual\"> (hotline's default)"
        )
    if not MIN_RATE <= audio.sample_rate <= MAX_RATE:
        raise RecordingError(f"{path}: sample rate {audio.sample_rate} Hz is not a telephone recording's "
                             f"(expected {MIN_RATE}..{MAX_RATE} Hz, Twilio records 8000 Hz)")
    wanted = max(channels.caller, channels.outbound)
    if wanted >= audio.channels:
        raise RecordingError(f"{path}: qa_channels names channel {wanted + 1}, the file has {audio.channels}")
    if audio.num_samples < audio.sample_rate // 10:
        raise RecordingError(f"{path}: recording is empty ({audio.num_samples} samples)")
    caller = np.ascontiguousarray(audio.channel(channels.caller), dtype=np.float32)
    outbound = np.ascontiguousarray(audio.channel(channels.outbound), dtype=np.float32)
    if not (np.isfinite(caller).all() and np.isfinite(outbound).all()):
        raise RecordingError(f"{path}: recording holds non-finite samples")
    return CallAudio(str(path), audio.sample_rate, caller, outbound)
