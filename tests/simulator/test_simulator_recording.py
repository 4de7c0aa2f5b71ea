"""Both sides of a call on one clock, and the dual recording made of them."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf

from ivr.simulator import CallAudio
from ivr.simulator.recording import wav_bytes


def test_caller_on_channel_0_what_they_heard_on_channel_1_cut_at_an_interruption():
    audio = CallAudio()
    prompt_end = audio.hear(np.full(800, 1000, np.int16))   # a 100 ms prompt from 0
    assert prompt_end == 800
    audio.send(np.full(400, 7, np.int16))                     # the caller presses a key 50 ms in ...
    audio.interrupt()                                          # ... which stops the prompt there
    audio.send(np.full(400, 9, np.int16))
    audio.hear(np.full(200, 2000, np.int16), at=1000)          # the agent, later
    stereo = audio.recording()
    assert stereo.shape == (1200, 2) and audio.now_ms == 100
    assert (stereo[:400, 0] == 7).all() and (stereo[400:800, 0] == 9).all() and (stereo[800:, 0] == 0).all()
    assert (stereo[:400, 1] == 1000).all() and (stereo[400:1000, 1] == 0).all() and (stereo[1000:, 1] == 2000).all()
    assert audio.recording(start=1000).shape == (200, 2)


def test_the_recording_is_an_8khz_pcm16_stereo_wav():
    audio = CallAudio()
    audio.send(np.arange(160, dtype=np.int16))
    data, rate = sf.read(io.BytesIO(wav_bytes(audio.recording())), dtype="int16", always_2d=True)
    assert rate == 8000 and data.shape == (160, 2) and (data[:, 0] == np.arange(160)).all()
