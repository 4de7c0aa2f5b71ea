"""Microphone input through PyAudio (optional extra ``hotline[mic]``)."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Iterator

from asr.errors import MicrophoneError


@dataclass(frozen=True)
class MicConfig:
    """Capture settings."""

    #: Hz
    sample_rate: int = 16000
    #: samples per read (100 ms at 16 kHz)
    frames_per_chunk: int = 1600
    #: PyAudio device index; None = the default input device
    device: int | None = None


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence C-level stderr: PortAudio's ALSA/JACK probing prints dozens of lines on
    machines without sound cards, which would bury the one error message we give."""
    try:
        saved = os.dup(2)
    except OSError:  # no usable fd 2 (embedded interpreters): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _portaudio():
    """(pyaudio module, started PyAudio instance); the caller must ``terminate()`` it."""
    try:
        import pyaudio
    except ImportError as exc:
        raise MicrophoneError(
            "PyAudio is not installed (pip install 'hotline[mic]'; needs the PortAudio library)"
        ) from exc
    try:
        with _quiet_stderr():
            return pyaudio, pyaudio.PyAudio()
    except Exception as exc:  # PortAudio init failures surface as OSError or plain Exception
        raise MicrophoneError(f"PortAudio could not start: {exc}") from exc


def check_microphone(config: MicConfig = MicConfig()) -> str:
    """Name of the input device that would be used; raises :class:`MicrophoneError` if none."""
    _, pa = _portaudio()
    try:
        if config.device is None:
            info = pa.get_default_input_device_info()
        else:
            info = pa.get_device_info_by_index(config.device)
        if int(info.get("maxInputChannels", 0)) < 1:
            raise MicrophoneError(f"device {info.get('name')!r} has no input channels")
        return str(info.get("name", "?"))
    except (OSError, IOError, ValueError) as exc:
        raise MicrophoneError(f"no usable microphone: {exc}") from exc
    finally:
        with _quiet_stderr():
            pa.terminate()


def microphone_chunks(config: MicConfig = MicConfig()) -> Iterator[bytes]:
    """Yield PCM16 mono chunks from the microphone until the consumer stops.

    Raises :class:`MicrophoneError` when PyAudio/PortAudio or an input device is missing.
    """
    pyaudio, pa = _portaudio()
    try:
        try:
            if config.device is None:
                pa.get_default_input_device_info()
            with _quiet_stderr():
                stream = pa.open(format=pyaudio.paInt16, channels=1, rate=config.sample_rate, input=True,
                                 input_device_index=config.device, frames_per_buffer=config.frames_per_chunk)
        except (OSError, IOError, ValueError) as exc:
            raise MicrophoneError(f"no usable microphone: {exc}") from exc
        try:
            while True:
                yield stream.read(config.frames_per_chunk, exception_on_overflow=False)
        finally:
            stream.stop_stream()
            stream.close()
    finally:
        pa.terminate()
