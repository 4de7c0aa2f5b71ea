"""Speech navigation out of the box: the shipped 950618 flow with the built-in command model.

A synthesised caller (hotline's own synthesis, through the 8 kHz mu-law phone channel) speaks to
the real server over the Media Streams WebSocket; the call must end in the right queue, with the
speech and the router's reasons on the record.
"""

from __future__ import annotations

from xml.etree import ElementTree

import numpy as np
import pytest

import asr
import synth
from live_testing import live_hotline, post_signed, stream_caller_audio

#: a voice the built-in model did not hear in training (held out by `hotline models build`)
VOICES = {"zh": "espeak:cmn+m7", "en": "espeak:en-us+m7"}


def phone_audio(text: str, lang: str) -> bytes:
    said = synth.say(text, lang, voice=VOICES[lang], seed=3)
    line = synth.telephone_channel(said.samples, said.sample_rate, seed=3)
    pcm = asr.ulaw_decode(line.ulaw_8k)
    rng = np.random.default_rng(3)
    lead, tail = (rng.normal(0, 30, n).astype(np.int16) for n in (4000, 12000))  # a line's noise floor
    return asr.ulaw_encode(np.concatenate([lead, pcm, tail]))


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    with live_hotline(tmp_path_factory.mktemp("live950618")) as live:
        yield live


@pytest.mark.parametrize("sid,keys,text,lang,skill,intent", [
    ("CAzh1", [], "我要投诉", "zh", "complaints", "complaint"),
    ("CAzh2", [], "转人工", "zh", "general", "agent_request"),
    ("CAen1", ["9"], "make a complaint", "en", "complaints", "complaint"),
])
def test_caller_speaks_and_lands_in_the_right_queue(running, sid, keys, text, lang, skill, intent):
    web, fake, app = running
    twiml = post_signed(f"{web.url}/twilio/voice", {"CallSid": sid, "From": "+8613800000004"})
    for key in keys:
        post_signed(f"{web.url}/twilio/gather", {"CallSid": sid, "Digits": key})
    before = len(fake.updates)
    stream_caller_audio(twiml.find("Start/Stream").get("url"), sid, phone_audio(text, lang))
    updates = [u for u in fake.wait_for_updates(before + 1) if u.call_sid == sid]
    assert updates, f"no call update after {text!r}"
    assert ElementTree.fromstring(updates[-1].params["Twiml"]).find("Enqueue").text == skill
    record = app.extensions["hotline"].store.get_call(sid)
    assert (record.skill, record.intent, record.outcome) == (skill, intent, "routed")
    heard = [e.detail["text"] for e in record.events if e.kind == "speech"]
    assert heard, "the recogniser heard the caller"


def test_a_menu_listens_for_the_cue_words_its_model_knows():
    """Cue words join the menu's grammar only when the model knows them: an unknown word is dropped
    (Vosk would warn and ignore it), and a model that knows none hears the phrases alone."""
    from dataclasses import replace

    from ivr.listener import CallListener

    model = asr.load_model("hotline-950618")
    phrases = ("订单", "退货")
    listener = CallListener(model, phrases, cues=("快递", "nosuchword", "订单"))
    assert listener.cues == ("快递", "订单") and "nosuchword" not in listener.recognizer.grammar
    assert listener.recognizer.grammar == ["订单", "退货", "快递", asr.UNK]
    listener.listen_for(phrases, cues=("nosuchword",))
    assert listener.recognizer.grammar == ["订单", "退货", asr.UNK]
    bare = CallListener(replace(model, vocabulary=frozenset()), phrases, cues=("快递",))
    assert bare.cues == () and bare.recognizer.grammar == ["订单", "退货", asr.UNK]


def _listen_at_main(text: str, lang: str, extra: np.ndarray | None = None):
    from ivr.config import Settings
    from ivr.engine import FlowEngine
    from ivr.flow import load_flow
    from ivr.listener import CallListener

    model = asr.load_model("hotline-950618")
    engine = FlowEngine(load_flow(Settings().flow_file))
    state = engine.start("CAunclear", "zh-CN" if lang == "zh" else "en-US").state
    listener = CallListener(model, engine.phrases_at(state), engine.cues_at(state, model.vocabulary))
    pcm = asr.ulaw_decode(phone_audio(text, lang)) if text else np.zeros(0, dtype=np.int16)
    if extra is not None:
        pcm = np.concatenate([pcm, extra])
    out = []
    for i in range(0, len(pcm), 160):
        out += listener.feed_pcm(pcm[i:i + 160])
    return out + listener.finish(), listener


@pytest.mark.parametrize("text,lang", [("我家的猫今天早上跑丢了", "zh"), ("my cat ran away this morning", "en")])
def test_speech_outside_the_menu_is_one_unclear_utterance(text, lang):
    """A sentence the menu has no word for (the model hears only [unk]) reaches the engine once, as
    UnclearSpeech, even when the caller's pause splits it in two for the recogniser."""
    from ivr.events import UnclearSpeech

    events, listener = _listen_at_main(text, lang)
    assert [type(e) for e in events] == [UnclearSpeech], events
    assert events[0].seconds >= 0.6
    assert all(r.text.split() == [asr.UNK] for r in listener.heard)


def test_a_short_noise_is_not_an_answer_and_a_menu_word_still_is():
    from ivr.events import Speech

    rng = np.random.default_rng(5)
    click = np.concatenate([np.zeros(4000), rng.normal(0, 6000, 1200), np.zeros(12000)]).astype(np.int16)  # 0.15 s burst
    events, _ = _listen_at_main("", "zh", extra=click)
    assert events == []
    events, _ = _listen_at_main("退货", "zh")
    assert [type(e) for e in events] == [Speech] and "退货" in events[0].text


def test_a_caller_who_says_something_else_hears_at_once_that_it_is_not_an_option(running):
    """Over the real media stream: the no-match prompt comes with the next call update, not after the
    keypad time-out, and the record counts a spoken no-match at the main menu."""
    web, fake, app = running
    sid = "CAunclear1"
    twiml = post_signed(f"{web.url}/twilio/voice", {"CallSid": sid, "From": "+8613800000005"})
    before = len(fake.updates)
    stream_caller_audio(twiml.find("Start/Stream").get("url"), sid, phone_audio("帮我查一下明天早上的天气预报", "zh"))
    updates = [u for u in fake.wait_for_updates(before + 1) if u.call_sid == sid]
    assert updates, "no call update after out-of-menu speech"
    said = [s.text for s in ElementTree.fromstring(updates[-1].params["Twiml"]).iter("Say")]
    assert said[0] == "抱歉，您的选择有误。" and any("请选择您要办理的业务" in s for s in said)
    record = app.extensions["hotline"].store.get_call(sid)
    kinds = [(e.kind, e.node) for e in record.events]
    assert ("no_match", "main") in kinds and ("no_input", "main") not in kinds
    speech = next(e for e in record.events if e.kind == "speech")
    assert speech.detail["unclear"] is True and record.outcome == "in_ivr"  # still at the menu
