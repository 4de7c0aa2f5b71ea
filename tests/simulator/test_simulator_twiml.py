"""The TwiML interpreter reads what hotline emits and what a flow author may add, as Twilio would."""

from __future__ import annotations

import re

import pytest

from ivr.events import Gather as GatherAction, Route, Say as SayAction
from ivr.simulator import TwimlError, parse_twiml
from ivr.simulator import twiml as tw
from ivr.twiml import TwimlOptions, render


def test_hotlines_own_twiml_reads_back_verb_for_verb():
    options = TwimlOptions(gather_url="https://h.example/twilio/gather", voices={"zh-CN": "Polly.Zhiyu"},
                           stream_url="wss://h.example/twilio/media", recording_callback_url="https://h.example/twilio/recording",
                           workflow_sid="WW" + "1" * 32, enqueue_action_url="https://h.example/twilio/enqueue")
    gather = GatherAction(prompts=(SayAction("请按1", "zh-CN"),), mode="menu", locale="zh-CN", node="main", num_digits=1)
    verbs = parse_twiml(render([gather], options, call_sid="CA1", start_call=True))
    assert [type(v) for v in verbs] == [tw.StartStream, tw.StartRecording, tw.Gather]
    stream, recording, g = verbs
    assert stream.url == "wss://h.example/twilio/media" and stream.parameters == {"call_sid": "CA1"}
    assert recording.callback == "https://h.example/twilio/recording" and recording.channels == "dual"
    assert g.action == "https://h.example/twilio/gather" and g.num_digits == 1 and g.action_on_empty_result
    assert g.prompts == (tw.Say("请按1", "zh-CN", "Polly.Zhiyu"),)

    route = Route(skill="complaints", intent="complaint", priority=75, locale="zh-CN", node="main",
                  prompts=(SayAction("正在转接", "zh-CN"),), reasons=("complaint",))
    say, enqueue = parse_twiml(render([route], options, call_sid="CA1"))
    assert say.text == "正在转接"
    assert enqueue.workflow_sid == "WW" + "1" * 32 and enqueue.task_priority == 75
    assert enqueue.task["skill"] == "complaints" and enqueue.task["call_sid"] == "CA1"


def test_author_verbs_and_gather_attributes():
    verbs = parse_twiml(
        '<Response><Pause length="2"/><Play loop="2">https://x/a.wav</Play>'
        '<Gather input="dtmf speech" timeout="3" finishOnKey="*" numDigits="4" action="/g">'
        '<Say language="en-US">Enter</Say><Pause/></Gather>'
        '<Redirect method="POST">https://x/next</Redirect><Dial>+8613800000000</Dial>'
        '<Enqueue action="/q">general</Enqueue><Hangup/></Response>')
    pause, play, gather, redirect, dial, enqueue, hangup = verbs
    assert pause == tw.Pause(2.0) and play == tw.Play("https://x/a.wav", loop=2)
    assert gather.input == ("dtmf", "speech") and gather.timeout == 3.0 and gather.finish_on_key == "*"
    assert gather.prompts == (tw.Say("Enter", "en-US"), tw.Pause(1.0)) and not gather.action_on_empty_result
    assert redirect.url == "https://x/next" and dial.number == "+8613800000000"
    assert enqueue == tw.Enqueue(queue="general", action="/q") and hangup == tw.Hangup()


@pytest.mark.parametrize("keys,finish,num,posted", [
    ("123#", "#", None, "123"),      # the finish key ends input and is not posted
    ("12345", "#", 4, "1234"),       # numDigits caps it
    ("1", "", None, "1"),
    ("*9", "#", None, "*9"),
])
def test_digits_posted_like_twilio(keys, finish, num, posted):
    assert tw.Gather(finish_on_key=finish, num_digits=num).digits_entered(keys) == posted


@pytest.mark.parametrize("document,message", [
    ("<Response><Say>hi</Response>", "not XML"),
    ("<Reply/>", "not <Response>"),
    ("<Response><Record/></Response>", "<Record> is not"),
    ("<Response><Gather><Dial>1</Dial></Gather></Response>", "cannot be nested"),
    ('<Response><Gather input="video"/></Response>', "input is dtmf"),
    ('<Response><Pause length="soon"/></Response>', "not a number"),
    ("<Response><Enqueue/></Response>", "queue name or a workflowSid"),
    ('<Response><Enqueue workflowSid="WW1"><Task>{oops</Task></Enqueue></Response>', "not JSON"),
    ("<Response><Start><Stream/></Start></Response>", "needs a url"),
])
def test_documents_twilio_would_refuse(document, message):
    with pytest.raises(TwimlError, match=re.escape(message)):
        parse_twiml(document)
