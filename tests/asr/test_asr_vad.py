"""VAD: boundaries of real (synthesised) speech, nothing in silence or tones, streaming = file."""

from __future__ import annotations

import numpy as np
import pytest

import asr
from asr.vad import SegmentTracker, is_tonal


@pytest.mark.parametrize("frame_ms", [10, 20, 30])
def test_speech_boundaries_within_100ms(speech, frame_ms):
    for u in speech.values():
        segments = asr.vad_segments(u.samples, u.rate, frame_ms=frame_ms)
        assert segments, u.path
        assert abs(segments[0].start - u.speech_start) <= 0.1
        assert abs(segments[-1].end - u.speech_end) <= 0.1


def test_boundaries_at_8k_from_pcm16(dual_call):
    audio = asr.read_audio(dual_call.path)
    for ch, (start, end) in enumerate(dual_call.regions):
        segments = asr.vad_segments(audio.pcm16(ch), audio.sample_rate)
        assert abs(segments[0].start - start) <= 0.1 and abs(segments[-1].end - end) <= 0.1


def test_unusual_rate_is_resampled_for_webrtcvad(speech):
    u = speech["rain"]
    x = asr.resample(u.samples, u.rate, 22050)
    segments = asr.vad_segments(x, 22050)
    assert abs(segments[0].start - u.speech_start) <= 0.1 and abs(segments[-1].end - u.speech_end) <= 0.1


def test_silence_and_tones_give_no_speech(silence_wav, tone_wav):
    for path in (silence_wav, tone_wav):
        audio = asr.read_audio(path)
        for aggressiveness in (0, 2, 3):
            assert asr.vad_segments(audio.channel(0), audio.sample_rate, aggressiveness=aggressiveness) == []
    # DTMF digit "1" (697 + 1209 Hz): two peaks, still a tone
    t = np.arange(16000) / 16000
    dtmf = 0.25 * np.sin(2 * np.pi * 697 * t) + 0.25 * np.sin(2 * np.pi * 1209 * t)
    assert asr.vad_segments(dtmf, 16000, aggressiveness=0) == []


def test_padding_extends_and_merges(speech):
    u = speech["order"]
    plain = asr.vad_segments(u.samples, u.rate)
    padded = asr.vad_segments(u.samples, u.rate, padding_ms=200)
    assert padded[0].start == pytest.approx(max(0.0, plain[0].start - 0.2), abs=0.001)
    assert padded[-1].end == pytest.approx(plain[-1].end + 0.2, abs=0.001)
    assert len(padded) <= len(plain)


def test_streaming_vad_events_match_file_segments(speech):
    u = speech["rain"]
    vad = asr.StreamingVad(u.rate)
    events = []
    pcm = u.pcm16
    for i in range(0, pcm.size, 333):  # odd chunk size on purpose
        events += vad.push(pcm[i:i + 333])
        if events and events[0].kind == "start":
            assert vad.in_speech or any(e.kind == "end" for e in events)
    events += vad.flush()
    starts = [e.time for e in events if e.kind == "start"]
    ends = [e.time for e in events if e.kind == "end"]
    file_segments = asr.vad_segments(u.samples, u.rate, min_speech_ms=0)
    assert starts == [s.start for s in file_segments]
    assert ends == [s.end for s in file_segments]
    assert vad.last_speech_end == ends[-1]


def test_segment_tracker_onset_and_hangover():
    tracker = SegmentTracker(frame_seconds=0.01, onset_frames=3, hangover_frames=5)
    frames = [0, 1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    events = [(i, e) for i, f in enumerate(frames) for e in tracker.push(bool(f))]
    # a 1-frame blip does not start speech; 3 voiced frames do, starting at the run's first frame;
    # a 2-frame gap is bridged; 5 silent frames end it at the last voiced frame
    assert [(e.kind, e.time) for _, e in events] == [("start", 0.03), ("end", 0.10)]
    assert events[0][0] == 5 and events[1][0] == 14


def test_is_tonal():
    t = np.arange(480) / 16000
    assert is_tonal((np.sin(2 * np.pi * 1000 * t) * 10000).astype(np.int16), 0.85)
    noise = np.random.default_rng(0).standard_normal(480) * 3000
    assert not is_tonal(noise.astype(np.int16), 0.85)


def test_bad_config():
    with pytest.raises(ValueError):
        asr.VadConfig(frame_ms=25)
    with pytest.raises(ValueError):
        asr.VadConfig(aggressiveness=4)
    with pytest.raises(asr.AudioError):
        asr.vad_segments(np.zeros((2, 100)), 16000)
