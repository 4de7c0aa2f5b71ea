"""Audio of a simulated call, all as int16 samples at 8 kHz (what a phone line carries).

- caller speech: a scenario's ``say`` turn rendered by ``synth.render_scenario`` (same voices,
  noise, packet loss and seed as ``hotline synth render``), or a WAV file;
- what the caller hears: the IVR's ``<Say>`` text synthesised locally (``synth.say``) and the
  agent's turns from the script;
- the line between words: a low noise floor (a real line is never digitally silent).

Rendering is cached by content (in memory, and on disk when a cache folder is given), so a
scenario replayed many times synthesises its audio once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from pathlib import Path

import numpy as np

from ivr.simulator.errors import ScenarioFileError

#: Hz, Twilio's media format
RATE = 8000
#: samples in one 20 ms Media Streams frame
FRAME = 160
#: sample rates a recorded WAV may have (the phone line's, or wideband that is resampled)
WAV_RATES = (8000, 16000)
#: the local voices for IVR prompts: fast engines, so prompts cost milliseconds
PROMPT_VOICES = {"zh": "espeak:cmn", "en": "espeak:en-us"}
#: RMS of the line's noise floor between words, int16 units (about -60 dBFS, a quiet mobile line)
FLOOR_RMS = 30.0


def line_floor(n: int, seed: int) -> np.ndarray:
    """``n`` samples of the line's noise floor (deterministic per seed)."""
    return np.random.default_rng(seed).normal(0, FLOOR_RMS, n).astype(np.int16)


def read_caller_wav(path: Path, where: str = "") -> np.ndarray:
    """A recorded caller turn as 8 kHz int16 (channel 0 of a dual recording: the caller)."""
    import soundfile as sf

    import asr

    prefix = f"{where}: " if where and where != str(path) else ""
    try:
        data, rate = sf.read(str(path), dtype="int16", always_2d=True)
    except (OSError, sf.LibsndfileError, RuntimeError) as exc:
        raise ScenarioFileError(f"{prefix}{path}: cannot read WAV: {exc}") from exc
    if rate not in WAV_RATES:
        raise ScenarioFileError(f"{prefix}{path}: sample rate {rate} Hz; a caller WAV must be 8000 Hz (phone line) "
                                f"or 16000 Hz (resample it, e.g. sox in.wav -r 8000 out.wav)")
    samples = data[:, 0]
    if rate != RATE:
        samples = asr.to_pcm16(asr.resample(samples.astype(np.float32) / 32768.0, rate, RATE))
    return samples.astype(np.int16)


class AudioMaker:
    """Synthesises and caches every piece of audio a simulated call needs (thread-safe)."""

    def __init__(self, cache_dir: str | Path | None = None, prompt_voices: dict[str, str] | None = None):
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.prompt_voices = prompt_voices or PROMPT_VOICES
        self._memory: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._registry = None

    def _cached(self, key: dict, make) -> np.ndarray:
        digest = hashlib.sha256(json.dumps(key, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:24]
        with self._lock:
            if digest in self._memory:
                return self._memory[digest]
        path = self.cache_dir / f"{digest}.npy" if self.cache_dir else None
        if path is not None and path.is_file():
            samples = np.load(path)
        else:
            samples = make()
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{threading.get_ident()}.tmp.npy")
                np.save(tmp, samples)
                tmp.replace(path)
        with self._lock:
            self._memory[digest] = samples
        return samples

    def registry(self):
        import synth

        with self._lock:
            if self._registry is None:
                self._registry = synth.EngineRegistry()
            return self._registry

    def speech(self, turn, seed: int, packet_loss: float = 0.0) -> np.ndarray:
        """A caller's (or agent's) synth turn through the phone line: 8 kHz int16, pauses included."""
        key = {"turn": dataclasses.asdict(turn), "seed": seed, "loss": packet_loss, "v": 1}
        return self._cached(key, lambda: self._render(turn, seed, packet_loss))

    def _render(self, turn, seed: int, packet_loss: float) -> np.ndarray:
        import tempfile

        import soundfile as sf

        import synth

        with tempfile.TemporaryDirectory() as out:
            scenario = synth.Scenario(call_id="turn", turns=(turn,), seed=seed, packet_loss=packet_loss)
            synth.render_scenario(scenario, out, registry=self.registry())
            pcm, _ = sf.read(str(Path(out) / "call_ulaw_8k.wav"), dtype="int16")
        return pcm.astype(np.int16)

    def prompt(self, text: str, locale: str) -> np.ndarray:
        """An IVR ``<Say>`` as the caller hears it (local synthesis; Twilio's Polly voices are not offline)."""
        lang = "zh" if locale.lower().startswith("zh") else "en"
        voice = self.prompt_voices[lang]
        return self._cached({"prompt": text, "lang": lang, "voice": voice}, lambda: self._say(text, lang, voice))

    def _say(self, text: str, lang: str, voice: str) -> np.ndarray:
        import asr
        import synth

        if not text.strip():
            return np.zeros(0, np.int16)
        said = synth.say(text, lang, voice=voice, registry=self.registry())
        return asr.to_pcm16(asr.resample(said.samples, said.sample_rate, RATE))

    def tones(self, digits: str) -> np.ndarray:
        """The DTMF tones of key presses (heard on the caller's channel of the recording)."""
        import asr
        import synth

        def make() -> np.ndarray:
            return asr.to_pcm16(synth.dtmf(digits, RATE))
        return self._cached({"dtmf": digits}, make)
