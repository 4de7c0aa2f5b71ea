"""End to end: signed webhooks, a dual-channel recording served by the Twilio stand-in, the job on the
built-in model (spotting), and what lands in the store — turns, emotion, categories, follow-ups, redaction."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from fake_twilio import FakeTwilioRest, ServerThread
from ivr.app import create_app
from ivr.cli import main as cli
from qa.jobs import JobRunner
from qa.store import AnalysisStore, JobQueue, search_turns
from qa_calls import EN_BAD, ZH_GOOD, mono_copy, render_call
from qa_testing import ACCOUNT_SID, AUTH_TOKEN, post_recording, qa_settings, routed_call, services
from twilio_testing import TwilioClient

@pytest.fixture(scope="module")
def calls(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calls")
    return {"zh_good": (folder / "zh_good.wav", render_call(ZH_GOOD, folder / "zh_good.wav")),
            "en_bad": (folder / "en_bad.wav", render_call(EN_BAD, folder / "en_bad.wav"))}


@pytest.fixture
def hotline(tmp_path):
    fake = FakeTwilioRest(ACCOUNT_SID, AUTH_TOKEN)
    with ServerThread(fake.wsgi) as server:
        settings = qa_settings(tmp_path)
        app = create_app(settings)
        h = app.extensions["hotline"]
        yield {"app": app, "twilio": TwilioClient(app.test_client()), "fake": fake, "url": server.url,
               "settings": settings, "store": h.store,
               "runner": JobRunner.from_settings(settings, services(settings, h.store))}
        h.service.close()


def _analysed(h, sid):
    stored = AnalysisStore(h["store"]).get(sid)
    assert stored is not None, JobQueue(h["store"]).list()
    return stored


def test_a_routed_mandarin_call_ends_as_a_stored_analysed_redacted_transcript(hotline, calls):
    h = hotline
    wav, placed = calls["zh_good"]
    # main menu 2 (after sales) -> 1 (returns): routed; bridged to an agent after 8.5 s in the queue
    routed_call(h["twilio"], "CAzh0001", ["2", "1"], queue_time_s=8)
    response = post_recording(h["twilio"], h["fake"], h["url"], "CAzh0001", "REzh0001", wav)
    assert response.status_code == 204
    job = JobQueue(h["store"]).get_by_key("analyze_recording:REzh0001")
    assert job.status == "pending"

    done = h["runner"].drain()
    assert [j.status for j in done] == ["done"], done
    stored = _analysed(h, "CAzh0001")
    a, outcome = stored.analysis, stored.outcome
    assert a.mode == "spotting" and a.model == "hotline-950618"
    assert 7800 <= a.agent_start_ms <= 9000

    # both parties' turns where they spoke; the IVR prompt is the IVR's, not the agent's
    by_party = {p: a.party_turns(p) for p in ("caller", "agent", "ivr")}
    assert [t.text for t in by_party["caller"]][:1] == ["我要退货"]
    assert by_party["caller"][0].intent == "return_request"
    assert len(by_party["agent"]) == 3 and len(by_party["ivr"]) == 1
    for turn, line in zip(by_party["agent"], [p for p in placed if p.line.party == "agent"]):
        assert abs(turn.start_ms / 1000 - line.start) < 0.4 and abs(turn.end_ms / 1000 - line.end) < 0.6
    agent_text = " ".join(t.text for t in by_party["agent"])
    assert "您好" in agent_text or "很高兴为您服务" in agent_text
    assert "二十四小时内给您回复" in agent_text

    # emotion for both parties, each on its own timeline
    assert set(a.emotion) == {"caller", "agent"}
    assert all(p.t0_ms >= a.agent_start_ms for p in a.emotion["agent"].points)
    assert a.emotion["caller"].points and a.emotion["caller"].label in ("calm", "tense", "agitated", "distressed")

    # categories with matched details; a promise became a follow-up due 24 h after it was said
    fired = {c.category: c for c in outcome.categories}
    assert "promise_made" in fired and "missing_greeting" not in fired and "service_taboo" not in fired
    promise = fired["promise_made"].matches[0]
    assert promise.party == "agent" and abs(promise.start_ms / 1000 - 15.5) < 0.5
    followups = AnalysisStore(h["store"]).followups(call_sid="CAzh0001")
    promises = [f for f in followups if f.kind == "promise"]
    record = h["store"].get_call("CAzh0001")
    started = record.started_at
    assert len(promises) == 1
    due = promises[0].due_at.replace(tzinfo=None) - started.replace(tzinfo=None)
    assert timedelta(hours=24) <= due <= timedelta(hours=24, seconds=30)
    assert a.characteristics["talk_ms"]["agent"] > 3000 and a.characteristics["time_to_greeting_ms"] is not None

    # the originals and a redacted copy are kept; search finds the call by what the caller said
    assert stored.audio["original"].endswith("REzh0001.wav") and stored.audio["redacted"].endswith(".redacted.wav")
    redacted, rate = sf.read(stored.audio["redacted"], always_2d=True)
    assert rate == 8000 and redacted.shape[1] == 2
    page = search_turns(h["store"], "退货", party="caller")
    assert [hit.call_sid for hit in page.hits] == ["CAzh0001"]


def test_an_english_agent_who_skips_greeting_and_closing_and_says_a_taboo_is_flagged(hotline, calls):
    h = hotline
    wav, placed = calls["en_bad"]
    routed_call(h["twilio"], "CAen0001", ["2", "1"], queue_time_s=8)
    record = h["store"].get_call("CAen0001")
    assert record.outcome == "routed"
    # the caller chose English in the IVR: make the call's locale en-US as the language event would
    h["store"].save_step("CAen0001", state={**record.state, "locale": "en-US"}, expected_version=record.state_version,
                         events=[])
    post_recording(h["twilio"], h["fake"], h["url"], "CAen0001", "REen0001", wav)
    assert [j.status for j in h["runner"].drain()] == ["done"]
    stored = _analysed(h, "CAen0001")
    fired = {c.category: c for c in stored.outcome.categories}
    assert {"missing_greeting", "missing_closing", "service_taboo"} <= set(fired)
    taboo = fired["service_taboo"].matches[0]
    assert taboo.party == "agent" and abs(taboo.start_ms / 1000 - 14.5) < 0.6
    assert stored.outcome.score < 0


def test_the_same_recording_twice_is_one_job_and_one_analysis(hotline, calls):
    h = hotline
    wav, _ = calls["zh_good"]
    routed_call(h["twilio"], "CAzh0002", ["2", "1"], queue_time_s=8)
    for _ in range(2):
        assert post_recording(h["twilio"], h["fake"], h["url"], "CAzh0002", "REzh0002", wav).status_code == 204
    assert [j.key for j in JobQueue(h["store"]).list()] == ["analyze_recording:REzh0002"]
    h["runner"].drain()
    first = _analysed(h, "CAzh0002")
    # run it again by force (an operator's re-analysis): still one analysis, one set of follow-ups
    JobQueue(h["store"]).enqueue("analyze_recording", "analyze_recording:REzh0002",
                                 JobQueue(h["store"]).get_by_key("analyze_recording:REzh0002").payload, force=True)
    assert [j.status for j in h["runner"].drain()] == ["done"]
    again = _analysed(h, "CAzh0002")
    assert len(again.analysis.turns) == len(first.analysis.turns)
    assert len(AnalysisStore(h["store"]).followups(call_sid="CAzh0002", status=None)) == \
        len(first.outcome.followups)
    assert len(h["fake"].media_requests) == 1  # the original was downloaded once


@pytest.mark.parametrize("case", ["unknown_call", "mono", "wrong_token", "server_down"])
def test_bad_recordings_fail_their_job_with_one_clear_reason(hotline, calls, tmp_path, case):
    h = hotline
    wav, _ = calls["zh_good"]
    sid = "CAbad" + case
    if case != "unknown_call":
        routed_call(h["twilio"], sid, ["2", "1"], queue_time_s=8)
    if case == "mono":
        wav = mono_copy(wav, tmp_path / "mono.wav")
    if case == "wrong_token":
        h["runner"].services.fetch = h["runner"].services.fetch.__class__(ACCOUNT_SID, "not-the-token", backoff=0.01)
    if case == "server_down":
        h["fake"].fail_next = [500] * 20
    response = post_recording(h["twilio"], h["fake"], h["url"], sid, "RE" + case, wav)
    assert response.status_code == 204  # the webhook never fails for what the job will find
    runs = h["runner"].drain()
    job = runs[-1]
    expected = {"unknown_call": ("no record of", 1), "mono": ("1 channel", 1), "wrong_token": ("HTTP 401", 1),
                "server_down": ("HTTP 500", 3)}[case]
    assert job.status == "failed" and expected[0] in job.last_error
    assert job.attempts == expected[1] == len(runs)
    if case != "unknown_call":
        assert h["store"].get_call(sid).outcome == "routed"  # the call record is untouched
        assert AnalysisStore(h["store"]).get(sid) is None


def test_rerun_with_a_changed_rule_changes_stored_results_without_the_audio(hotline, calls, tmp_path):
    h = hotline
    wav, _ = calls["zh_good"]
    routed_call(h["twilio"], "CAzh0003", ["2", "1"], queue_time_s=8)
    post_recording(h["twilio"], h["fake"], h["url"], "CAzh0003", "REzh0003", wav)
    h["runner"].drain()
    stored = _analysed(h, "CAzh0003")
    assert "caller_mentions_return" not in {c.category for c in stored.outcome.categories}
    for path in (stored.audio["original"], stored.audio["redacted"]):
        __import__("os").remove(path)  # rerun must not need the audio at all

    from qa.rules import shipped_rules_path

    text = shipped_rules_path().read_text(encoding="utf-8")
    extra = """
  - id: caller_mentions_return
    title: Caller mentions a return (客户提到退货)
    dimension: efficiency
    severity: info
    points: 0
    when:
      said: {party: caller, phrases: {zh: [退货], en: [return]}}
"""
    changed = tmp_path / "rules.yaml"
    changed.write_text(text.replace("version: 1", "version: 2", 1).rstrip() + "\n" + extra, encoding="utf-8")
    env = {"HOTLINE_DATABASE_URL": h["settings"].resolved_database_url,
           "HOTLINE_INSTANCE_PATH": h["settings"].instance_path}
    result = CliRunner().invoke(cli, ["qa", "rerun", "--rules", str(changed), "--no-progress"], env=env)
    assert result.exit_code == 0, result.output
    assert "categories changed on 1" in result.output
    after = _analysed(h, "CAzh0003")
    fired = {c.category: c for c in after.outcome.categories}
    assert "caller_mentions_return" in fired and fired["caller_mentions_return"].matches[0].party == "caller"
    assert after.outcome.rules_version.startswith("hotline-qa@2+")
    assert len(after.analysis.turns) == len(stored.analysis.turns)


def test_redaction_masks_spoken_numbers_in_text_and_audio(hotline, calls, tmp_path):
    from qa.analysis import CallAnalysis, Turn, Word
    from qa.pipeline import Analyzer

    wav, _ = calls["zh_good"]
    analyzer: Analyzer = hotline["runner"].services.analyzer
    digits = "一三八零零一三八零零零"
    words = tuple(Word(d, 12500 + 200 * i, 12680 + 200 * i) for i, d in enumerate(digits))
    turn = Turn("caller", 12400, 14800, "我的手机号是 " + " ".join(digits), words=(Word("我的手机号是", 11000, 12300),)
                + words)
    analysis = CallAnalysis("CAx", "REx", "transcript", "test", 22000, (turn, Turn("agent", 15500, 17000, "好的")))
    redacted, masked = analyzer.redact(analysis, wav, tmp_path / "red.wav")
    assert redacted.turns[0].redacted_text == "我的手机号是 [手机号]"
    assert masked == [{"party": "caller", "kind": "mobile", "start_ms": 12500, "end_ms": 14680}]
    before, rate = sf.read(str(wav), dtype="int16", always_2d=True)
    after, _ = sf.read(str(tmp_path / "red.wav"), dtype="int16", always_2d=True)
    changed = np.flatnonzero((before[:, 0] != after[:, 0]))
    assert changed.min() / rate >= 12.5 - 0.16 and changed.max() / rate <= 14.68 + 0.16
    assert np.array_equal(before[:, 1], after[:, 1])  # the agent's channel is untouched

