"""Speech at menu nodes: the node's phrases first (exact, tolerant), then the intent classifier."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.engine import FlowEngine
from ivr.events import Digits, Gather, Route, Speech
from ivr.flow import load_flow
from ivr.intents import IntentClassifier
from ivr.understanding import SpeechUnderstanding

FLOW = load_flow(Path(__file__).resolve().parents[2] / "flows" / "950618.yaml")


@pytest.fixture(scope="module")
def engine():
    return FlowEngine(FLOW, interpreter=SpeechUnderstanding(IntentClassifier.load(), FLOW))


def say(engine, text, *, keys=(), locale=None):
    step = engine.start("CA1", locale=locale)
    for key in keys:
        step = engine.handle(step.state, Digits(key))
    return engine.handle(step.state, Speech(text, 0.9))


def test_menu_phrase_moves_to_submenu(engine):
    step = say(engine, "退换货")
    assert [a for a in step.actions if isinstance(a, Gather)][0].node == "after_sales"
    interpreted = next(e for e in step.events if e.kind == "interpreted")
    assert interpreted.detail["method"] == "exact"


def test_tolerant_match_inside_a_submenu(engine):
    step = say(engine, "我想 退 个 货", keys=["2"])
    route = next(a for a in step.actions if isinstance(a, Route))
    assert route.intent == "return_request"


@pytest.mark.parametrize("text,locale,skill,intent", [
    ("东西坏了想修", "zh-CN", "after_sales", "repair_request"),
    ("I was charged twice for the same order", "en-US", "billing", "payment_issue"),
])
def test_free_speech_at_main_menu_is_classified(engine, text, locale, skill, intent):
    step = say(engine, text, locale=locale)
    route = next(a for a in step.actions if isinstance(a, Route))
    assert (route.skill, route.intent) == (skill, intent)
    assert "understood as" in route.reasons[0] or "classifier" in route.reasons[0]


def test_classified_intent_picks_the_option_that_stands_for_it(engine):
    step = say(engine, "我买的东西还没到 都一个星期了", keys=["1"])
    route = next(a for a in step.actions if isinstance(a, Route))
    assert route.intent == "delivery_delay" and route.skill == "logistics"


def test_out_of_domain_speech_asks_an_open_question_then_a_person(engine):
    step = say(engine, "今天天气真不错我们去公园散步吧")
    assert [a for a in step.actions if isinstance(a, Gather)][0].node == "intent_capture"
    step = engine.handle(step.state, Speech("随便聊聊天气和足球比赛", 0.9))
    assert [a for a in step.actions if isinstance(a, Gather)][0].node == "intent_capture"
    step = engine.handle(step.state, Speech("明天会下雨吗", 0.9))
    route = next(a for a in step.actions if isinstance(a, Route))
    assert route.skill == "general" and "no match 2 times" in route.reasons[0]


def test_a_weak_menu_word_does_not_beat_a_clear_intent(engine):
    step = say(engine, "I was charged twice for the same order", locale="en-US")
    route = next(a for a in step.actions if isinstance(a, Route))
    assert route.intent == "payment_issue"
    interpreted = next(e for e in step.events if e.kind == "interpreted")
    assert any("overruled matched phrase 'orders'" in r for r in interpreted.detail["reasons"])


def test_intents_under_a_submenu():
    assert FLOW.intents_under("after_sales") >= {"return_request", "exchange_request", "repair_request", "refund_status"}
    assert "order_status" in FLOW.intents_under("orders")


def test_menus_listen_for_the_words_that_lead_to_their_options():
    """Cue words come from the classifier's training sentences: at the main menu 快递 (orders and
    delivery) and charged (payments) are heard too, not only the options' labels."""
    from ivr.app import load_cue_words

    engine = FlowEngine(FLOW, interpreter=SpeechUnderstanding(IntentClassifier.load(), FLOW, cues=load_cue_words()))
    zh, en = (engine.start("CA1", locale=loc).state for loc in ("zh-CN", "en-US"))
    assert {"密码", "包裹", "地址"} <= set(engine.cues_at(zh)) and "快递" in engine.phrases_at(zh)
    assert all(len(c) >= 2 for c in engine.cues_at(zh)) and "lu" not in engine.cues_at(zh)
    assert {"charged", "package", "password"} <= set(engine.cues_at(en))
    assert not set(engine.cues_at(en)) & set(engine.phrases_at(en))  # phrases are not repeated as cues
    assert "the" not in engine.cues_at(en) and "order" in engine.cues_at(en)
    capture = say(engine, "今天天气真不错我们去公园散步吧").state  # the open question: free speech
    assert capture.node == "intent_capture" and engine.cues_at(capture) == ()


def test_no_cue_words_without_a_classifier_to_understand_them():
    from ivr.app import load_cue_words

    assert FlowEngine(FLOW).cues_at(FlowEngine(FLOW).start("CA1").state) == ()
    plain = FlowEngine(FLOW, interpreter=SpeechUnderstanding(None, FLOW, cues=load_cue_words()))
    assert plain.cues_at(plain.start("CA1").state) == ()
