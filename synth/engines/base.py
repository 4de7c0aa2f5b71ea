"""The engine interface, and helpers for engines that run a command-line program."""

from __future__ import annotations

import subprocess
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

import numpy as np

from synth.errors import EngineFailed, EngineUnavailable, SynthParameterError
from synth.values import Controls, RawAudio, Voice
from synth.wavio import read_wav


class Engine(ABC):
    """One speech engine. Instances are cheap; heavy assets are loaded on first use."""

    name: ClassVar[str]
    #: True when the output depends on the seed.
    stochastic: ClassVar[bool] = False

    @abstractmethod
    def voices(self) -> list[Voice]:
        """Every voice this engine knows, each marked available or not (with the reason)."""

    @abstractmethod
    def synthesize(self, text: str, lang: str, voice: str, controls: Controls, seed: int) -> RawAudio:
        """Speak ``text``; realise what controls it can natively and say which in ``RawAudio.native``."""

    def version(self) -> str:
        return "unknown"

    def check_voice(self, voice: str, lang: str) -> None:
        """Raise unless ``voice`` exists for ``lang`` and is installed."""
        for v in self.voices():
            if v.name == voice and v.lang == lang:
                if not v.available:
                    raise EngineUnavailable(f"voice {v.id} is not available: {v.reason}")
                return
        names = ", ".join(v.name for v in self.voices() if v.lang == lang) or "none"
        raise SynthParameterError(f"{self.name} has no {lang} voice {voice!r} (known: {names})")


def run_to_wav(cmd: list[str], *, stdin: str | None = None, out_name: str = "out.wav",
               files: dict[str, str] | None = None) -> tuple[np.ndarray, int]:
    """Run a synthesiser that writes a WAV; ``{out}`` and ``{name}`` in ``cmd`` become paths in a temp dir."""
    with tempfile.TemporaryDirectory(prefix="hotline-synth-") as tmp:
        paths = {"out": str(Path(tmp) / out_name)}
        for name, content in (files or {}).items():
            p = Path(tmp) / name
            p.write_text(content, encoding="utf-8")
            paths[name] = str(p)
        argv = [arg.format(**paths) for arg in cmd]
        try:
            proc = subprocess.run(argv, input=stdin.encode() if stdin is not None else None,
                                  capture_output=True, check=False, timeout=120)
        except FileNotFoundError as exc:
            raise EngineUnavailable(f"{cmd[0]} is not installed") from exc
        except subprocess.TimeoutExpired as exc:
            raise EngineFailed(f"{cmd[0]} took longer than 120 s") from exc
        out = Path(paths["out"])
        if proc.returncode != 0 or not out.exists() or out.stat().st_size <= 44:
            err = proc.stderr.decode(errors="replace").strip()[-500:]
            raise EngineFailed(f"{cmd[0]} failed (exit {proc.returncode}): {err or 'no audio written'}")
        return read_wav(out)


def command_version(cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, check=False, timeout=10)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return "unknown"
    lines = [line.strip() for line in (proc.stdout or proc.stderr).decode(errors="replace").splitlines() if line.strip()]
    # prefer the line that names the version (flite prints its copyright first)
    return next((line for line in lines if "version" in line.lower()), lines[0] if lines else "unknown")
