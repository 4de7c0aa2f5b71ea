"""The recording as the pipeline reads it: channels in Twilio's order, and one clear error per bad file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
import soundfile as sf

from qa.errors import RecordingError
from qa.pipeline import ChannelMap, agent_start_ms, call_facts, load_call_audio
from qa.store import CallRecord, EventRecord


def _write(path, channels: int = 2, rate: int = 8000, seconds: float = 1.0):
    t = np.arange(int(rate * seconds)) / rate
    cols = [0.3 * np.sin(2 * np.pi * (300 + 200 * c) * t) for c in range(channels)]
    sf.write(str(path), np.stack(cols, axis=1), rate, subtype="PCM_16")
    return path


def test_twilio_order_caller_first_and_configurable(tmp_path):
    path = _write(tmp_path / "dual.wav")
    audio = load_call_audio(path)
    swapped = load_call_audio(path, ChannelMap.parse("agent,caller"))
    assert np.array_equal(audio.caller, swapped.outbound) and np.array_equal(audio.outbound, swapped.caller)
    assert not np.array_equal(audio.caller, audio.outbound)
    assert (audio.rate, audio.duration_ms) == (8000, 1000)


@pytest.mark.parametrize("text", ["caller", "caller,caller", "agent,ivr", ""])
def test_channel_map_refuses_anything_but_the_two_orders(text):
    with pytest.raises(ValueError, match="caller,agent"):
        ChannelMap.parse(text)


def test_mono_recording_is_refused_with_the_fix(tmp_path):
    with pytest.raises(RecordingError, match="1 channel; a dual-channel recording"):
        load_call_audio(_write(tmp_path / "mono.wav", channels=1))


def test_wrong_sample_rate_is_refused(tmp_path):
    with pytest.raises(RecordingError, match="sample rate 4000 Hz"):
        load_call_audio(_write(tmp_path / "slow.wav", rate=4000))


def test_corrupt_truncated_and_empty_files(tmp_path):
    good = _write(tmp_path / "good.wav").read_bytes()
    (tmp_path / "garbage.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "header.wav").write_bytes(good[:44])  # a header and no samples
    for name, message in (("garbage.wav", "not a readable audio file"), ("empty.wav", "file is empty"),
                          ("header.wav", "no audio samples|empty")):
        with pytest.raises(RecordingError, match=message):
            load_call_audio(tmp_path / name)


def test_a_truncated_download_still_reads_what_arrived(tmp_path):
    good = _write(tmp_path / "good.wav", seconds=2.0).read_bytes()
    (tmp_path / "cut.wav").write_bytes(good[:44 + 4 * 8000])  # the first second of a 2 s file
    audio = load_call_audio(tmp_path / "cut.wav")
    assert 900 <= audio.duration_ms <= 1000


def _record(events, outcome="routed", started=None) -> CallRecord:
    started = started or datetime(2026, 12, 4, 12, 0, 0, tzinfo=timezone.utc)
    rows = [EventRecord(i + 1, started + timedelta(seconds=at), kind, node, detail)
            for i, (at, kind, node, detail) in enumerate(events)]
    return CallRecord(sid="CA1", caller="+8613800138000", called="950618", locale="zh-CN", started_at=started,
                      ended_at=None, status="completed", outcome=outcome, final_node="after_sales", skill="after_sales",
                      intent="return_request", priority=65, reasons=["repeat_same_issue: called about the same issue"],
                      duration_s=40, state={}, state_version=3, events=rows)


def test_agent_starts_when_the_queue_bridged():
    record = _record([(0, "call_started", "root", {}), (0, "node_entered", "root", {}),
                      (2, "digits", "root", {"digits": "3"}), (2, "node_entered", "after_sales", {}),
                      (3, "reprompt", "after_sales", {}), (6.5, "route", "after_sales", {"skill": "after_sales"}),
                      (30, "queue_result", "after_sales", {"result": "bridged", "queue_time_s": "12"})])
    assert agent_start_ms(record) == 18500
    later = record.started_at + timedelta(seconds=1.5)  # Twilio's RecordingStartTime
    assert agent_start_ms(record, later) == 17000
    facts = call_facts(record)
    assert facts.path == ("root", "after_sales") and facts.reprompts == 1 and facts.repeat_caller
    assert (facts.skill, facts.intent, facts.priority) == ("after_sales", "return_request", 65)


def test_no_agent_when_never_routed_or_the_caller_hung_up_in_the_queue():
    assert agent_start_ms(_record([(0, "call_started", "root", {})], outcome="self_served")) is None
    hung_up = _record([(5, "route", "x", {}), (20, "queue_result", "x", {"result": "hangup", "queue_time_s": "15"})])
    assert agent_start_ms(hung_up) is None
