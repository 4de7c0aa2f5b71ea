"""Twilio webhooks end to end through the Flask app: signatures, TwiML, full calls, call records."""

from __future__ import annotations

import json
import logging
from xml.etree import ElementTree

import pytest

from ivr.app import create_app
from ivr.orders import OrderBackendError
from twilio_testing import AUTH_TOKEN, PUBLIC_URL, Caller, TwilioClient, make_settings, says


def test_signed_request_passes(twilio):
    twiml = Caller(twilio, "CA100").dial()
    gather = twiml.find("Gather")
    assert gather is not None
    assert gather.get("action") == f"{PUBLIC_URL}/twilio/gather"
    assert gather.get("numDigits") == "1" and gather.get("input") == "dtmf"
    assert gather.get("actionOnEmptyResult") == "true"
    first = gather.find("Say")
    assert first.get("language") == "zh-CN" and first.get("voice") == "Polly.Zhiyu"


@pytest.mark.parametrize("signature", [None, "", "forged+signature=", "other-url"])
def test_bad_signatures_are_rejected(twilio, caplog, signature):
    params = {"CallSid": "CA101", "From": "+8613800138000"}
    if signature == "other-url":
        signature = twilio.validator.compute_signature("https://evil.example.com/twilio/voice", params)
    with caplog.at_level(logging.WARNING, logger="ivr.security"):
        response = twilio.post("/twilio/voice", params, signature=signature)
    assert response.status_code == 403
    assert "rejected POST /twilio/voice" in caplog.text


def test_tampered_parameters_are_rejected(twilio):
    params = {"CallSid": "CA102", "Digits": "1"}
    signature = twilio.sign("/twilio/gather", params)
    response = twilio.post("/twilio/gather", {**params, "Digits": "7"}, signature=signature)
    assert response.status_code == 403


def test_signature_with_wrong_token_is_rejected(app):
    other = TwilioClient(app.test_client(), auth_token="another-token")
    assert other.post("/twilio/voice", {"CallSid": "CA103"}).status_code == 403


def test_every_webhook_checks_signatures(twilio):
    for path in ("/twilio/voice", "/twilio/gather", "/twilio/status", "/twilio/enqueue"):
        assert twilio.post(path, {"CallSid": "CA104"}, signature=None).status_code == 403


def test_full_keypad_call_to_after_sales(twilio, store):
    caller = Caller(twilio, "CA200")
    caller.dial()
    twiml = caller.press("2")
    assert any("申请退货请按1" in s for s in says(twiml))
    twiml = caller.press("1")
    enqueue = twiml.find("Enqueue")
    assert enqueue is not None and enqueue.text == "after_sales"
    assert enqueue.get("action") == f"{PUBLIC_URL}/twilio/enqueue"
    assert caller.hang_up().status_code == 204
    record = store.get_call("CA200")
    assert (record.outcome, record.skill, record.intent) == ("routed", "after_sales", "return_request")
    assert record.caller == "+8613800138000" and record.status == "completed" and record.duration_s == 30
    kinds = [e.kind for e in record.events]
    assert kinds[0] == "call_started" and "route" in kinds and kinds[-1] == "call_ended"
    path = [e.node for e in record.events if e.kind == "node_entered"]
    assert path == ["welcome", "main", "after_sales"]
    assert record.reasons == ["key 1 at after_sales (申请退货)", "flow: skill after_sales for intent return_request"]


def test_enqueue_with_taskrouter_workflow(tmp_path):
    app = create_app(make_settings(tmp_path, taskrouter_workflow_sid="WW" + "1" * 32, task_timeout=300))
    caller = Caller(TwilioClient(app.test_client()), "CA201")
    caller.dial()
    twiml = caller.press("7")
    enqueue = twiml.find("Enqueue")
    assert enqueue.get("workflowSid") == "WW" + "1" * 32
    task = enqueue.find("Task")
    assert task.get("priority") == "65" and task.get("timeout") == "300"
    attributes = json.loads(task.text)
    assert attributes["skill"] == "complaints" and attributes["intent"] == "complaint"
    assert attributes["locale"] == "zh-CN" and attributes["call_sid"] == "CA201"
    assert attributes["rules"] == ["complaint"] and attributes["vip"] is False
    assert attributes["reasons"][0] == "key 7 at main (投诉与建议)"
    assert attributes["reasons"][-1].startswith("complaint: caller is complaining")


def test_self_served_order_status_call(twilio, store):
    caller = Caller(twilio, "CA300")
    caller.dial()
    caller.press("1")
    twiml = caller.press("1")
    gather = twiml.find("Gather")
    assert gather.get("finishOnKey") == "#" and gather.get("numDigits") is None
    twiml = caller.press("289123456789")
    spoken = " ".join(says(twiml))
    assert "尾号为6789的订单已发货" in spoken and "京东物流" in spoken
    twiml = caller.press("8")
    assert twiml.find("Hangup") is not None
    caller.hang_up()
    record = store.get_call("CA300")
    assert record.outcome == "self_served" and record.skill is None
    lookups = [e.detail for e in record.events if e.kind == "lookup"]
    assert lookups == [{"service": "order_status", "query": "289123456789", "status": "found"}]


def test_hang_up_mid_menu_is_abandoned(twilio, store):
    caller = Caller(twilio, "CA400")
    caller.dial()
    caller.press("5")
    caller.hang_up(12)
    record = store.get_call("CA400")
    assert record.outcome == "abandoned" and record.final_node == "membership"
    ended = record.events[-1]
    assert ended.kind == "call_ended" and ended.detail["outcome"] == "abandoned"


def test_call_known_only_from_its_status_callback_is_recorded_once(twilio, store):
    # its voice webhook died with a web worker: Twilio still ends the call and reports it
    status = {"CallSid": "CA402", "From": "+8613800138000", "To": "+86950618", "CallStatus": "completed",
              "CallDuration": "4"}
    assert twilio.post("/twilio/status", status).status_code == 204
    assert twilio.post("/twilio/status", status).status_code == 204  # Twilio retrying the callback
    record = store.get_call("CA402")
    assert (record.outcome, record.final_node, record.status, record.duration_s) == ("abandoned", None, "completed", 4)
    assert (record.caller, record.called) == ("+8613800138000", "+86950618")
    assert [e.kind for e in record.events] == ["unanswered", "call_ended"]
    assert len(store.list_calls()) == 1


def test_hang_up_after_hearing_order_status_counts_as_self_served(twilio, store):
    caller = Caller(twilio, "CA401")
    caller.dial()
    caller.press("1"), caller.press("1"), caller.press("289100000001")
    caller.hang_up()
    assert store.get_call("CA401").outcome == "self_served"


def test_no_input_three_times_reaches_a_person(twilio, store):
    caller = Caller(twilio, "CA500")
    caller.dial()
    first, second = caller.silence(), caller.silence()
    assert says(first)[0] != says(second)[0]
    third = caller.silence()
    assert third.find("Enqueue").text == "general"
    record = store.get_call("CA500")
    assert record.reasons[0] == "no input 3 times at node main; routed to a person"
    assert any(r.startswith("agent_request:") for r in record.reasons)


def test_retried_voice_webhook_does_not_duplicate_the_call(twilio, store):
    caller = Caller(twilio, "CA600")
    caller.dial()
    caller.press("2")
    again = caller.dial()
    assert any("申请退货" in s for s in says(again)), "a retry repeats the current menu"
    assert len(store.list_calls()) == 1


def test_language_switch_over_webhooks(twilio, store):
    caller = Caller(twilio, "CA700")
    caller.dial()
    twiml = caller.press("9")
    assert twiml.find("Gather").get("language") == "en-US"
    assert twiml.find("Gather/Say").get("voice") == "Polly.Joanna"
    caller.press("3")
    assert store.get_call("CA700").locale == "en-US"


class BrokenOrders:
    def lookup(self, number):
        raise OrderBackendError("order service down")


def test_order_backend_failure_routes_to_orders_queue(tmp_path):
    app = create_app(make_settings(tmp_path), orders=BrokenOrders())
    caller = Caller(TwilioClient(app.test_client()), "CA800")
    caller.dial(), caller.press("1"), caller.press("1")
    twiml = caller.press("289123456789")
    assert twiml.find("Enqueue").text == "orders"
    record = app.extensions["hotline"].store.get_call("CA800")
    assert "order service down" in record.reasons[0]


def test_slow_order_backend_times_out(tmp_path):
    import time

    class Slow:
        def lookup(self, number):
            time.sleep(2)
            return None

    app = create_app(make_settings(tmp_path, order_backend_timeout=0.2), orders=Slow())
    caller = Caller(TwilioClient(app.test_client()), "CA801")
    caller.dial(), caller.press("1"), caller.press("1")
    twiml = caller.press("289123456789")
    # without the deadline the backend would answer "not found" and the caller would be reprompted
    assert twiml.find("Enqueue").text == "orders"
    record = app.extensions["hotline"].store.get_call("CA801")
    assert "timed out after 0.2 s" in record.reasons[0]


def test_database_down_still_serves_the_caller(tmp_path, caplog):
    app = create_app(make_settings(tmp_path))
    twilio = TwilioClient(app.test_client())
    app.extensions["hotline"].store.engine.dispose()
    db_file = tmp_path / "instance" / "hotline.sqlite3"
    for path in tmp_path.joinpath("instance").glob("hotline.sqlite3*"):
        path.unlink()
    db_file.mkdir()  # the database path is now a directory: every connection fails
    with caplog.at_level(logging.ERROR):
        twiml = Caller(twilio, "CA900").dial()
    assert twiml.find("Enqueue").text == "general"
    assert "抱歉" in says(twiml)[0]
    assert "CA900" in caplog.text
    health = app.test_client().get("/healthz")
    assert health.status_code == 503 and health.json["status"] == "unavailable"


def test_healthz(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "flow": "jd-950618", "nodes": 10, "speech": None}


def test_queue_full_ends_politely(twilio):
    twiml = twilio.twiml("/twilio/enqueue", {"CallSid": "CA1000", "QueueResult": "queue-full"})
    assert twiml.find("Hangup") is not None and says(twiml)
    assert twilio.twiml("/twilio/enqueue", {"CallSid": "CA1000", "QueueResult": "bridged"}).find("Hangup") is None


def test_signature_check_can_be_disabled_for_development(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        app = create_app(make_settings(tmp_path, disable_signature_check=True))
    assert "SIGNATURE CHECKS ARE DISABLED" in caplog.text
    response = app.test_client().post("/twilio/voice", data={"CallSid": "CA1100"})
    assert response.status_code == 200
    ElementTree.fromstring(response.data)


def test_call_start_records_both_channels(twilio):
    twiml = Caller(twilio, "CA1200").dial()
    recording = twiml.find("Start/Recording")
    assert recording is not None
    assert recording.get("recordingStatusCallback") == f"{PUBLIC_URL}/twilio/recording"
    assert twiml.find("Start/Stream") is None, "no media stream while speech navigation is off"
    later = Caller(twilio, "CA1200").press("1")
    assert later.find("Start") is None, "the recording starts once per call"


def test_recording_callback_is_kept_on_the_call(twilio, store):
    Caller(twilio, "CA1300").dial()
    response = twilio.post("/twilio/recording", {
        "CallSid": "CA1300", "RecordingSid": "RE1", "RecordingUrl": "https://api.twilio.com/rec/RE1",
        "RecordingStatus": "completed", "RecordingDuration": "42", "RecordingChannels": "2"})
    assert response.status_code == 204
    event = store.get_call("CA1300").events[-1]
    assert event.kind == "recording"
    assert event.detail == {"sid": "RE1", "url": "https://api.twilio.com/rec/RE1", "status": "completed",
                            "duration_s": "42", "channels": "2", "start_time": ""}


def test_twilio_speech_result_is_speech(twilio, store):
    caller = Caller(twilio, "CA1400")
    caller.dial()
    twiml = twilio.twiml("/twilio/gather", {**caller._params(), "SpeechResult": "我要投诉", "Confidence": "0.92"})
    assert twiml.find("Enqueue").text == "complaints"
    speech = [e for e in store.get_call("CA1400").events if e.kind == "speech"]
    assert speech[0].detail == {"text": "我要投诉", "confidence": 0.92}


def routed_task(tmp_path, number, keys, sid="CA2000", emotion=None):
    app = create_app(make_settings(tmp_path, taskrouter_workflow_sid="WW" + "2" * 32))
    caller = Caller(TwilioClient(app.test_client()), sid, number=number)
    caller.dial()
    if emotion:
        app.extensions["hotline"].store.add_event(sid, "emotion", emotion)
    twiml = None
    for key in keys:
        twiml = caller.press(key)
    task = twiml.find("Enqueue/Task")
    return int(task.get("priority")), json.loads(task.text), app.extensions["hotline"].store.get_call(sid)


def test_plus_member_is_served_sooner(tmp_path):
    priority, attributes, record = routed_task(tmp_path, "+8613800000001", ["3"])
    assert priority == 60 and attributes["plus_level"] == "plus" and "plus_member" in attributes["rules"]
    assert record.priority == 60 and any(r.startswith("plus_member:") for r in record.reasons)


def test_repeat_caller_with_open_complaint_about_the_same_issue(tmp_path):
    priority, attributes, _ = routed_task(tmp_path, "+8613800000002", ["1", "3"])
    assert attributes["skill"] == "logistics" and attributes["intent"] == "delivery_delay"
    assert {"repeat_same_issue", "open_complaint"} <= set(attributes["rules"])
    assert priority == 70


def test_agitated_caller_goes_up_and_the_reason_is_recorded(tmp_path):
    priority, attributes, record = routed_task(tmp_path, "+8613800000004", ["2", "1"],
                                               emotion={"label": "agitated", "score": 0.8})
    assert priority == 65 and attributes["emotion"] == "agitated"
    assert any(r.startswith("agitated:") for r in record.reasons)


def test_agent_request_carries_the_last_intent(tmp_path):
    priority, attributes, _ = routed_task(tmp_path, "+8613800000003", ["0"])
    assert attributes["skill"] == "general" and attributes["last_intent"] == "refund_status"
    assert priority == 70 and attributes["plus_level"] == "svip" and attributes["vip"] is False


def test_routing_records_the_call_in_the_caller_profile(tmp_path):
    routed_task(tmp_path, "+8613800000004", ["3"], sid="CA2001")
    profiles = __import__("ivr.profiles", fromlist=["SqliteCallerProfiles"]).SqliteCallerProfiles(
        f"sqlite:///{tmp_path / 'instance' / 'profiles.sqlite3'}")
    profile = profiles.get("+8613800000004")
    assert profile.last_intent == "invoice_request" and profile.calls_last_7_days == 1
