"""The replay corpus: every scenario in recordings/ goes through the real app on loopback, as Twilio would send it.

Each call is placed by the simulator over real HTTP and the real Media Streams WebSocket against
hotline with the built-in Vosk model and SQLite; the only stand-in is Twilio's REST API. A call
passes when everything its scenario expects (queue, intent, priority, path, what was heard,
QA categories ...) is what the call record says.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import soundfile as sf

from ivr.simulator import SimulatedCall, load_call_scenario, parse_twiml, run_calls, trace
from ivr.simulator import twiml as tw

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted((ROOT / "recordings").glob("*.yaml"))


def test_the_corpus_covers_what_issue_17_lists():
    scenarios = [load_call_scenario(p) for p in CORPUS]
    assert len(scenarios) >= 24
    langs = {t.speech.lang for s in scenarios for t in s.turns if t.kind == "say"}
    assert langs == {"zh", "en"}
    keys = {s.turns[0].digits for s in scenarios if s.turns[0].kind == "digits"}
    assert set("0123456789") <= keys, "a keypad path to every top-level option"
    assert all(s.expect != type(s.expect)() for s in scenarios), "every scenario expects something"


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_replayed_call_meets_its_expectations(hotline, sim_audio, path):
    result = SimulatedCall(hotline, load_call_scenario(path), sim_audio).run()
    assert result.passed, trace(result)


def test_a_call_is_what_twilio_sends_and_receives(hotline, sim_audio):
    """Signed webhooks, the media stream, a REST update in Twilio's format, status and recording callbacks."""
    scenario = load_call_scenario(ROOT / "recordings" / "angry_caller_zh.yaml")
    result = SimulatedCall(hotline, scenario, sim_audio).run()
    assert result.passed, trace(result)
    updates = hotline.rest.updates_of(result.call_sid)
    assert len(updates) == 1 and set(updates[0].params) == {"Twiml"}
    assert any(isinstance(v, tw.Enqueue) and v.queue == "complaints" for v in parse_twiml(updates[0].params["Twiml"]))
    record = hotline.store.get_call(result.call_sid)
    assert record.status == "completed" and record.duration_s == round(result.audio_s + 0.5)
    recording = next(e.detail for e in record.events if e.kind == "recording")
    assert recording["channels"] == "2" and recording["status"] == "completed"
    wav = hotline.rest.recordings[recording["sid"]]
    stereo, rate = sf.read(io.BytesIO(wav), dtype="int16", always_2d=True)
    assert rate == 8000 and stereo.shape[1] == 2
    # the caller's channel carries the speech, the other channel the prompts the caller heard
    assert abs(stereo[:, 0]).max() > 3000 and abs(stereo[:, 1]).max() > 3000
    kinds = [s.kind for s in result.steps]
    assert kinds[:3] == ["webhook", "stream", "recording"] and "update" in kinds and result.speech_latencies_ms


def test_a_wrong_signature_is_refused(hotline, sim_audio):
    import dataclasses

    forged = dataclasses.replace(hotline, auth_token="not-the-token")
    result = SimulatedCall(forged, load_call_scenario(ROOT / "recordings" / "keypad_invoice_zh.yaml"), sim_audio).run()
    assert not result.passed and "403" in result.error


def test_calls_run_side_by_side(hotline, sim_audio):
    paths = [ROOT / "recordings" / n for n in ("barge_in_zh.yaml", "keypad_invoice_zh.yaml", "language_switch_en.yaml")]
    results = run_calls(hotline, [load_call_scenario(p) for p in paths], audio=sim_audio, jobs=3)
    assert [r.scenario.call_id for r in results] == ["barge-in-zh", "keypad-invoice-zh", "language-switch-en"]
    assert all(r.passed for r in results), "\n".join(trace(r) for r in results)
    assert len({r.call_sid for r in results}) == 3


def test_silence_before_the_agent_is_time_on_hold(hotline, sim_audio, tmp_path):
    """The agent answers at its first turn: what the caller waited is the queue result's QueueTime."""
    path = tmp_path / "hold.yaml"
    path.write_text("call_id: hold-zh\nturns:\n  - digits: \"7\"\n  - silence: 20\n"
                    "  - agent: 您好，请问有什么可以帮您？\n    lang: zh\n  - hangup: true\nexpect:\n  queue: complaints\n",
                    encoding="utf-8")
    result = SimulatedCall(hotline, load_call_scenario(path), sim_audio).run()
    assert result.passed, trace(result)
    record = hotline.store.get_call(result.call_sid)
    [queued] = [e.detail for e in record.events if e.kind == "queue_result"]
    assert queued["result"] == "bridged" and int(queued["queue_time_s"]) == 20
