"""Reading audio: formats, channels, raw mu-law, and clear errors for bad files."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

import asr


def test_dual_channel_split(dual_call):
    audio = asr.read_audio(dual_call.path)
    assert audio.channels == 2 and audio.sample_rate == 8000
    caller, agent = audio.channel(0), audio.channel(1)
    (c0, c1), (a0, a1) = dual_call.regions
    rate = audio.sample_rate

    def rms(x, a, b):
        return float(np.sqrt(np.mean(x[int(a * rate):int(b * rate)] ** 2)))

    # the caller talks first, the agent second: each channel is loud only in its own region
    assert rms(caller, c0, c1) > 20 * rms(caller, a0, a1)
    assert rms(agent, a0, a1) > 20 * rms(agent, c0, c1)
    assert audio.pcm16(1, 16000).dtype == np.int16
    assert abs(audio.pcm16(1, 16000).size - 2 * audio.num_samples) <= 2
    with pytest.raises(asr.AudioError, match="channel 2 does not exist"):
        audio.channel(2)


@pytest.mark.parametrize("fmt,subtype", [("FLAC", "PCM_16"), ("OGG", "VORBIS"), ("WAV", "ULAW")])
def test_other_formats_read(tmp_path, speech, fmt, subtype):
    u = speech["rain"]
    path = tmp_path / f"x.{fmt.lower()}"
    sf.write(path, u.samples, u.rate, format=fmt, subtype=subtype)
    audio = asr.read_audio(path)
    assert audio.sample_rate == u.rate and audio.channels == 1
    assert abs(audio.num_samples - u.samples.size) < 1000
    n = min(audio.num_samples, u.samples.size)
    corr = np.corrcoef(audio.channel(0)[:n], u.samples[:n])[0, 1]
    assert corr > 0.9


def test_raw_ulaw_file_is_decoded_as_8k_mono(tmp_path):
    t = np.arange(8000) / 8000
    pcm = (0.3 * np.sin(2 * np.pi * 300 * t) * 32767).astype(np.int16)
    path = tmp_path / "media.ulaw"
    path.write_bytes(asr.ulaw_encode(pcm))
    audio = asr.read_audio(path)
    assert audio.sample_rate == 8000 and audio.num_samples == 8000
    assert np.max(np.abs(audio.pcm16(0).astype(int) - pcm)) < 300


def test_empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(asr.AudioError, match="empty"):
        asr.read_audio(path)


def test_non_audio_file(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("this is not audio\n")
    with pytest.raises(asr.AudioError, match="not a readable audio file") as info:
        asr.read_audio(path)
    assert info.value.__cause__ is not None  # translated at the boundary, cause kept


def test_corrupt_wav(tmp_path, speech):
    data = speech["rain"].path.read_bytes()
    path = tmp_path / "corrupt.wav"
    path.write_bytes(data[:12] + b"\xff" * 64)  # RIFF header, then garbage chunks
    with pytest.raises(asr.AudioError):
        asr.read_audio(path)


def test_header_only_wav_has_no_samples(tmp_path):
    path = tmp_path / "header.wav"
    sf.write(path, np.zeros(0, np.float32), 8000)
    with pytest.raises(asr.AudioError, match="no audio samples"):
        asr.read_audio(path)


def test_missing_file(tmp_path):
    with pytest.raises(asr.AudioError, match="no such file"):
        asr.read_audio(tmp_path / "nope.wav")


def test_to_pcm16_shapes_and_types():
    assert asr.to_pcm16(b"\x01\x00\xff\xff").tolist() == [1, -1]
    assert asr.to_pcm16(np.array([0.5, -1.0], np.float32)).tolist() == [16384, -32768]
    with pytest.raises(asr.AudioError):
        asr.to_pcm16(b"\x01")
    with pytest.raises(asr.AudioError):
        asr.to_pcm16(np.zeros((2, 10), np.int16))
    with pytest.raises(asr.AudioError):
        asr.to_pcm16(np.zeros(10, np.int32))
