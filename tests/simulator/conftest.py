"""Fixtures for the call simulator: one embedded hotline per test module, audio synthesised once per session."""

from __future__ import annotations

import pytest

from ivr.simulator import AudioMaker, embedded_hotline


@pytest.fixture(scope="session")
def sim_audio(tmp_path_factory) -> AudioMaker:
    """Each scenario's caller speech and each prompt is synthesised once for the whole session."""
    return AudioMaker(tmp_path_factory.mktemp("simulator-audio"))


@pytest.fixture(scope="module")
def hotline(tmp_path_factory):
    """The real app on 127.0.0.1 (HTTP + WebSocket, built-in Vosk model, SQLite), Twilio's REST API beside it."""
    with embedded_hotline(tmp_path_factory.mktemp("simulator-instance")) as target:
        yield target
