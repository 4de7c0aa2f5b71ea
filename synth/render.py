"""Render a scenario to audio files and a JSON manifest (the I/O side of ``synth.scenario``).

Layout of ``out_dir``: ``turn_NN_<kind>.wav`` (slices of the call), ``call.wav`` (wideband 16 kHz),
``call_telephone.wav`` (16 kHz PCM after the telephone channel), ``call_ulaw_8k.wav`` (the 8 kHz
G.711 stream, WAVE format 7) and ``manifest.json``. Everything is computed in memory first, so a
failing turn writes nothing. Same scenario and seed -> byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from synth.dsp import PEAK_CEILING_DB, active_level_db, peak_db, rms_db
from synth.dtmf import dtmf
from synth.errors import ScenarioError, SynthError
from synth.noise import NOISE_KINDS, make_noise
from synth.registry import EngineRegistry
from synth.scenario import Scenario, Turn, load_scenario, with_seed
from synth.speak import say
from synth.telephone import telephone_channel
from synth.values import SAMPLE_RATE
from synth.wavio import mulaw_wav_bytes, write_pcm16

_RAMP_S = 0.02  # noise gain changes between turns are faded over 20 ms


@dataclass(frozen=True)
class TurnRecord:
    """Ground truth for one rendered turn (times in seconds from the start of the call)."""

    index: int
    kind: str
    file: str
    start_s: float
    end_s: float
    content_start_s: float
    """Start of the speech or tones within the call."""
    content_end_s: float
    seed: int
    text: str = ""
    spoken_text: str = ""
    lang: str = ""
    engine: str = ""
    voice: str = ""
    engine_version: str = ""
    digits: str = ""
    controls: dict[str, float] = field(default_factory=dict)
    """Effective control values (after any preset)."""
    preset: str | None = None
    realisation: dict[str, str] = field(default_factory=dict)
    active_level_db: float | None = None
    """Active level of the clean speech, dBFS."""
    peak_db: float | None = None
    limited_db: float = 0.0
    noise_kind: str | None = None
    snr_db_requested: float | None = None
    snr_db_measured: float | None = None
    sha256: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Manifest:
    call_id: str
    seed: int
    sample_rate: int
    duration_s: float
    packet_loss: float
    packets_lost: int
    call_active_level_db: float
    call_peak_db: float
    call_gain_db: float
    """Gain applied to the whole mix to keep its peak at -1 dBFS (0 unless noise pushed it over), dB.
    Turn levels in the manifest include it."""
    files: dict[str, str]
    """File name -> SHA-256 of its bytes."""
    turns: list[TurnRecord]

    def to_dict(self) -> dict[str, Any]:
        return _rounded(asdict(self))


def _rounded(value: Any) -> Any:
    # fixed precision keeps the JSON stable and readable
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def turn_seed(call_seed: int, index: int) -> int:
    """Seed of one turn, derived from the call seed and the turn's position."""
    return int(np.random.SeedSequence([call_seed, index]).generate_state(1)[0])


@dataclass
class _Piece:
    turn: Turn
    audio: np.ndarray
    content: tuple[int, int]  # sample span of speech/tones inside ``audio``
    seed: int
    info: dict[str, Any]


def _render_turn(turn: Turn, seed: int, registry: EngineRegistry) -> _Piece:
    sr = SAMPLE_RATE
    if turn.kind == "silence":
        return _Piece(turn, np.zeros(int(round(turn.seconds * sr)), np.float32), (0, 0), seed, {})
    if turn.kind == "dtmf":
        core = dtmf(turn.digits, sr)
        info = {"digits": turn.digits}
    else:
        c = turn.controls
        utt = say(turn.text, turn.lang, turn.voice, speed=c.speed, pitch_semitones=c.pitch_semitones,
                  pitch_range=c.pitch_range, volume_db=c.volume_db, energy=c.energy, preset=turn.preset,
                  seed=seed, registry=registry)
        core = utt.samples
        info = {"text": utt.text, "spoken_text": utt.spoken_text, "lang": utt.lang, "engine": utt.engine,
                "voice": utt.voice, "engine_version": utt.engine_version, "preset": turn.preset,
                "controls": asdict(utt.controls), "realisation": dict(utt.realisation),
                "active_level_db": utt.active_level_db, "peak_db": utt.peak_db, "limited_db": utt.limited_db,
                "warnings": list(utt.warnings)}
    before, after = (np.zeros(int(round(p * sr)), np.float32) for p in (turn.pause_before, turn.pause_after))
    audio = np.concatenate([before, core, after])
    return _Piece(turn, audio, (len(before), len(before) + len(core)), seed, info)


def _noise_track(pieces: list[_Piece], offsets: list[int], total: int, call_seed: int) -> tuple[np.ndarray, list[float | None]]:
    """One continuous track per noise kind, its gain switched per speech turn with short ramps."""
    sr = SAMPLE_RATE
    out = np.zeros(total)
    measured: list[float | None] = [None] * len(pieces)
    ramp = int(_RAMP_S * sr)
    for k, kind in enumerate(NOISE_KINDS):
        users = [i for i, p in enumerate(pieces) if p.turn.noise and p.turn.noise.kind == kind]
        if not users:
            continue
        track = make_noise(kind, total, sr, np.random.default_rng(np.random.SeedSequence([call_seed, 1000 + k])))
        gain = np.zeros(total)
        for i in users:
            p = pieces[i]
            level = p.info["active_level_db"]
            g = 10.0 ** ((level - p.turn.noise.snr_db) / 20.0)
            a, b = offsets[i], offsets[i] + len(p.audio)
            env = np.full(b - a, g)
            n = min(ramp, (b - a) // 2)
            if n:
                env[:n] *= np.linspace(0, 1, n, endpoint=False)
                env[-n:] *= np.linspace(1, 0, n, endpoint=False)
            gain[a:b] = env
        noise = track * gain
        for i in users:
            p = pieces[i]
            s0, s1 = offsets[i] + p.content[0], offsets[i] + p.content[1]
            measured[i] = p.info["active_level_db"] - rms_db(noise[s0:s1])
        out += noise
    return out, measured


def render_scenario(scenario: str | Path | dict[str, Any] | Scenario, out_dir: str | Path, seed: int | None = None,
                    *, registry: EngineRegistry | None = None) -> Manifest:
    """Render every turn, mix the call, pass it through the telephone channel, write files + manifest."""
    sc = with_seed(scenario if isinstance(scenario, Scenario) else load_scenario(scenario), seed)
    registry = registry or EngineRegistry()
    pieces: list[_Piece] = []
    for i, turn in enumerate(sc.turns, 1):
        try:
            pieces.append(_render_turn(turn, turn_seed(sc.seed, i), registry))
        except ScenarioError:
            raise
        except SynthError as exc:
            raise ScenarioError(f"{sc.source}: turn {i}: {exc}") from exc
    offsets = list(np.cumsum([0] + [len(p.audio) for p in pieces[:-1]]))
    speech = np.concatenate([p.audio for p in pieces]).astype(np.float64)
    noise, measured = _noise_track(pieces, offsets, len(speech), sc.seed)
    mix = speech + noise
    # loud noise on loud speech can pass full scale: turn the whole call down (levels stay relative)
    gain_db = min(0.0, PEAK_CEILING_DB - peak_db(mix))
    call = (mix * 10.0 ** (gain_db / 20.0)).astype(np.float32)
    for p in pieces:
        for key in ("active_level_db", "peak_db"):
            if key in p.info:
                p.info[key] += gain_db
    phone = telephone_channel(call, SAMPLE_RATE, packet_loss=sc.packet_loss, seed=sc.seed)

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"cannot create output directory {out}: {exc.strerror or exc}") from exc
    files: dict[str, str] = {}
    records: list[TurnRecord] = []
    sr = SAMPLE_RATE
    for i, (p, off) in enumerate(zip(pieces, offsets), 1):
        name = f"turn_{i:02d}_{p.turn.kind}.wav"
        files[name] = _write_pcm(out / name, call[off:off + len(p.audio)])
        noise_spec = p.turn.noise if p.turn.kind == "say" else None
        records.append(TurnRecord(
            index=i, kind=p.turn.kind, file=name, start_s=off / sr, end_s=(off + len(p.audio)) / sr,
            content_start_s=(off + p.content[0]) / sr, content_end_s=(off + p.content[1]) / sr, seed=p.seed,
            noise_kind=noise_spec.kind if noise_spec else None,
            snr_db_requested=noise_spec.snr_db if noise_spec else None, snr_db_measured=measured[i - 1],
            sha256=files[name], **p.info))
    files["call.wav"] = _write_pcm(out / "call.wav", call)
    files["call_telephone.wav"] = _write_pcm(out / "call_telephone.wav", phone.pcm_16k)
    ulaw_bytes = mulaw_wav_bytes(phone.ulaw_8k)
    (out / "call_ulaw_8k.wav").write_bytes(ulaw_bytes)
    files["call_ulaw_8k.wav"] = hashlib.sha256(ulaw_bytes).hexdigest()
    manifest = Manifest(call_id=sc.call_id, seed=sc.seed, sample_rate=sr, duration_s=len(call) / sr,
                        packet_loss=sc.packet_loss, packets_lost=phone.packets_lost,
                        call_active_level_db=active_level_db(call, sr), call_peak_db=peak_db(call), call_gain_db=gain_db,
                        files=files, turns=records)
    (out / "manifest.json").write_text(json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")
    return manifest


def _write_pcm(path: Path, samples: np.ndarray) -> str:
    write_pcm16(path, samples, SAMPLE_RATE)
    return hashlib.sha256(path.read_bytes()).hexdigest()
