"""The developer softphone (``hotline call``): a simulated call whose caller is you, at the terminal.

It is a :class:`~ivr.simulator.call.SimulatedCall` paced in real time whose turns come from the
keyboard instead of a script: keys (``1``, ``289123456789#``), typed speech (any other text,
synthesised in a caller's voice and sent on the media stream), ``/mic`` (a few seconds from the
microphone), Enter alone (stay silent until the prompt times out), ``/hangup`` or end of input.
Prompts play through the speakers when there is a sound device; without one that is said in
one line and the prompts are shown as text.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from typing import Callable, TextIO

import numpy as np

from ivr.simulator import twiml as tw
from ivr.simulator.audio import RATE
from ivr.simulator.call import SimulatedCall
from ivr.simulator.scenario import CallerTurn, CallScenario, scenario_from_data

#: voices for typed speech (fast local engines)
TYPED_VOICES = {"zh": "espeak:cmn+m7", "en": "espeak:en-us+m7"}
#: seconds recorded by ``/mic``
MIC_SECONDS = 3.0


class Speaker:
    """Plays 8 kHz int16 audio through the default output device, one piece after another."""

    def __init__(self):
        import pyaudio  # optional extra hotline[mic]

        from asr.mic import _quiet_stderr

        with _quiet_stderr():
            self._pa = pyaudio.PyAudio()
            self._pa.get_default_output_device_info()  # raises OSError without an output device
            self._stream = self._pa.open(format=pyaudio.paInt16, channels=1, rate=RATE, output=True)
        self._lock = threading.Lock()

    def play(self, samples: np.ndarray) -> None:
        def write() -> None:
            with self._lock:
                self._stream.write(samples.astype(np.int16).tobytes())
        threading.Thread(target=write, daemon=True).start()

    def close(self) -> None:
        self._stream.close()
        self._pa.terminate()


def open_speaker() -> tuple[Speaker | None, str]:
    """A speaker, or None and the one line that says why not."""
    try:
        return Speaker(), ""
    except Exception as exc:  # ImportError, OSError, PortAudio's own errors: all mean "no sound here"
        return None, f"no sound device ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}): " \
                     "prompts are shown as text; type keys, or what you would say"


def _lang(text: str) -> str:
    return "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"


def typed_turn(line: str) -> CallerTurn:
    """What one line typed at the softphone means."""
    text = line.strip()
    if text in ("/hangup", "/quit", "/q"):
        return CallerTurn("hangup", where="<keyboard>")
    if text == "":
        return CallerTurn("silence", where="<keyboard>")
    if re.fullmatch(r"[0-9*#]+", text):
        return CallerTurn("digits", digits=text, where="<keyboard>")
    lang = _lang(text)
    sc = scenario_from_data({"turns": [{"say": text, "lang": lang, "voice": TYPED_VOICES[lang],
                                        "pause_before": 0.1, "pause_after": 0.3}]}, source="<keyboard>")
    return sc.turns[0]


class Softphone(SimulatedCall):
    """A real-time simulated call driven from a terminal."""

    def __init__(self, target, audio, *, read: Callable[[], str] | None = None, out: TextIO = sys.stdout,
                 speaker: Speaker | None = None, record_mic: Callable[[float], np.ndarray] | None = None):
        super().__init__(target, CallScenario(call_id="softphone", turns=(), source="<keyboard>"), audio,
                         realtime=True)
        self.read = read or (lambda: input("keys / words / /mic / /hangup > "))
        self.out = out
        self.speaker = speaker
        self.record_mic = record_mic
        self._gather_started = time.monotonic()
        self._heard_seen = 0

    def step(self, kind: str, text: str, latency_ms: float | None = None, at: int | None = None) -> None:
        super().step(kind, text, latency_ms, at)
        if kind in ("say", "gather", "keys", "speech", "enqueue", "agent", "hangup", "timeout", "barge-in", "error"):
            print(f"  {self.result.steps[-1].at_ms / 1000:6.1f}s  {kind:<8} {text}", file=self.out, flush=True)
        if kind == "update":
            self.show_heard()

    def show_heard(self) -> None:
        """What hotline's recogniser heard, as soon as the call moves on because of it."""
        if self.target.store is None:
            return
        record = self.target.store.get_call(self.call_sid)
        heard = [e.detail for e in record.events if e.kind == "speech"]
        for said in heard[self._heard_seen:]:
            print(f"  hotline heard: {said.get('text')!r} (confidence {said.get('confidence')})", file=self.out,
                  flush=True)
        self._heard_seen = len(heard)

    def play(self, verb, at: int | None = None) -> int:
        end = super().play(verb, at)
        if self.speaker is not None and isinstance(verb, tw.Say):
            self.speaker.play(self.maker.prompt(verb.text, self.locale))
        return end

    def gather(self, verb: tw.Gather):
        self._gather_started = time.monotonic()
        return super().gather(verb)

    def next_turn(self) -> CallerTurn | None:
        try:
            line = self.read()
        except EOFError:
            return None
        if line.strip() == "/mic":
            if self.record_mic is None:
                print("  no microphone: type what you would say instead", file=self.out)
                return self.next_turn()
            path = self._mic_wav(self.record_mic(MIC_SECONDS))
            return CallerTurn("wav", wav=path, barge_in=self._elapsed(), where="<microphone>")
        turn = typed_turn(line)
        if turn.kind in ("say", "digits"):
            from dataclasses import replace

            turn = replace(turn, barge_in=self._elapsed())
        return turn

    def _elapsed(self) -> float:
        """You answered this long after the prompt began (typing over a prompt is barging in)."""
        return max(0.0, time.monotonic() - self._gather_started)

    def _mic_wav(self, samples: np.ndarray):
        import tempfile
        from pathlib import Path

        import soundfile as sf

        path = Path(tempfile.mkstemp(suffix=".wav", prefix="hotline-mic-")[1])
        sf.write(path, samples.astype(np.int16), RATE, subtype="PCM_16")
        return path


def microphone_recorder() -> Callable[[float], np.ndarray] | None:
    """Seconds of microphone at 8 kHz, or None when there is no microphone."""
    import asr

    try:
        asr.check_microphone()
    except asr.MicrophoneError:
        return None

    def record(seconds: float) -> np.ndarray:
        config = asr.MicConfig(sample_rate=RATE, frames_per_chunk=RATE // 10)
        chunks = []
        for chunk in asr.microphone_chunks(config):
            chunks.append(np.frombuffer(chunk, dtype=np.int16))
            if len(chunks) * config.frames_per_chunk >= seconds * RATE:
                break
        return np.concatenate(chunks)
    return record
