"""The flow engine on the shipped 950618 flow: events in, actions out (no HTTP, no Twilio)."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest

from ivr.engine import CallState, FlowEngine
from ivr.events import Digits, Gather, Hangup, Lookup, LookupResult, NoInput, Route, Speech, UnclearSpeech
from ivr.flow import load_flow

FLOW = load_flow(Path(__file__).resolve().parents[2] / "flows" / "950618.yaml")
ORDER = {"number": "289123456789", "status": "shipped", "carrier": "京东物流", "carrier_en": "JD Logistics",
         "tracking": "JDVA10293847561", "eta": "2026-11-23", "last_event": {"zh": "包裹已到达分拣中心", "en": "the parcel reached the sorting centre"}}


@pytest.fixture
def engine():
    return FlowEngine(FLOW)


def drive(engine, *inputs, locale=None):
    """Start a call and feed inputs (str = digits, None = no input, events as they are)."""
    step = engine.start("CA-test", locale=locale)
    steps = [step]
    for item in inputs:
        event = NoInput() if item is None else Digits(item) if isinstance(item, str) else item
        step = engine.handle(step.state, event)
        steps.append(step)
    return steps


def only(step, kind):
    matching = [a for a in step.actions if isinstance(a, kind)]
    assert len(matching) == 1, step.actions
    return matching[0]


def test_start_plays_welcome_with_recording_notice_then_main_menu(engine):
    step = engine.start("CA1")
    gather = only(step, Gather)
    assert gather.node == "main" and gather.mode == "menu" and gather.num_digits == 1
    texts = [s.text for s in gather.prompts]
    assert "录音" in texts[0]
    assert any("请按1" in t for t in texts)
    assert any(s.locale == "en-US" and "press 9" in s.text for s in gather.prompts)
    assert [e.kind for e in step.events][:2] == ["call_started", "node_entered"]


def test_every_node_is_reached_by_keypad(engine):
    reached = set()
    start = engine.start("CA1")
    queue = deque([start.state])
    seen_states = set()
    while queue:
        state = queue.popleft()
        key = (state.node, state.locale)
        if key in seen_states:
            continue
        seen_states.add(key)
        reached.add(state.node)
        node = FLOW.node(state.node)
        if node.type == "self_service":
            step = engine.handle(state, Digits("289123456789"))
            lookup = only(step, Lookup)
            step = engine.handle(step.state, LookupResult(lookup.service, lookup.query, "found", ORDER))
            queue.append(step.state)
            continue
        for option in FLOW.options_at(node):
            step = engine.handle(state, Digits(option.key))
            if not step.state.finished:
                queue.append(step.state)
    # message nodes are passed through on the way to their next node
    reached |= {n.id for n in FLOW.nodes.values() if n.type == "message"}
    assert reached == set(FLOW.nodes)


TOP_LEVEL = [
    (["1", "2"], "logistics", "delivery_tracking"),
    (["1", "3"], "logistics", "delivery_delay"),
    (["1", "4"], "orders", "order_modify"),
    (["1", "5"], "orders", "order_cancel"),
    (["2", "1"], "after_sales", "return_request"),
    (["2", "2"], "after_sales", "exchange_request"),
    (["2", "3"], "after_sales", "repair_request"),
    (["2", "4"], "after_sales", "refund_status"),
    (["3"], "billing", "invoice_request"),
    (["4", "1"], "billing", "payment_issue"),
    (["4", "2"], "billing", "baitiao_installment"),
    (["5", "1"], "membership", "plus_membership"),
    (["5", "2"], "membership", "account_login"),
    (["6", "1"], "presales", "product_inquiry"),
    (["6", "2"], "presales", "coupon_promotion"),
    (["7"], "complaints", "complaint"),
    (["0"], "general", "agent_request"),
    (["1", "0"], "general", "agent_request"),
]


@pytest.mark.parametrize("keys,skill,intent", TOP_LEVEL)
def test_keypad_routes_to_skill(engine, keys, skill, intent):
    last = drive(engine, *keys)[-1]
    route = only(last, Route)
    assert (route.skill, route.intent) == (skill, intent)
    assert route.reasons and f"key {keys[-1]}" in route.reasons[0]
    assert last.state.finished and last.state.outcome == "routed"


def test_no_input_escalates_three_times_then_a_person(engine):
    steps = drive(engine, None, None, None)
    prompts = [only(s, Gather).prompts[0].text for s in steps[1:3]]
    assert prompts[0] != prompts[1], "reprompts must escalate"
    route = only(steps[3], Route)
    assert route.skill == "general"
    assert "no input 3 times at node main" in route.reasons[0]
    assert [e.detail["count"] for s in steps for e in s.events if e.kind == "no_input"] == [1, 2, 3]


def test_no_match_escalates_separately_from_no_input(engine):
    # every key is an option in the main menu, so a wrong key is tried in the orders menu
    steps = drive(engine, "1", None, "6", None, "6")
    assert not steps[-1].state.finished
    assert (steps[-1].state.no_input, steps[-1].state.no_match) == (2, 2)
    last = drive(engine, "1", "6", "6", "6")[-1]
    route = only(last, Route)
    assert "no match 3 times at node orders" in route.reasons[0]


def test_unclear_speech_is_a_no_match_said_at_once_not_a_no_input(engine):
    """A caller who spoke words none of the menu's (the recogniser heard only [unk]) is told it was not
    an option and hears the menu again; it counts toward max_no_match and never opens the free question."""
    steps = drive(engine, UnclearSpeech(seconds=1.8))
    step = steps[-1]
    assert (step.state.node, step.state.no_match, step.state.no_input) == ("main", 1, 0)
    kinds = [e.kind for e in step.events]
    assert kinds[:3] == ["speech", "no_match", "reprompt"] and "open_question" not in kinds
    speech = step.events[0]
    assert speech.detail == {"text": "", "confidence": 0.0, "unclear": True, "seconds": 1.8}
    gather = only(step, Gather)
    assert gather.node == "main"
    assert gather.prompts[0].text == FLOW.prompt("no_match", 1)["zh-CN"]  # first "not an option", then the menu
    last = drive(engine, UnclearSpeech(1.0), UnclearSpeech(1.0), UnclearSpeech(1.0))[-1]
    assert "no match 3 times at node main" in only(last, Route).reasons[0]


def test_counters_reset_in_a_new_node(engine):
    steps = drive(engine, None, None, "2")
    assert steps[-1].state.node == "after_sales"
    assert steps[-1].state.no_input == 0


def test_repeat_back_and_main_menu(engine):
    steps = drive(engine, "1", "*")
    assert only(steps[-1], Gather).node == "orders"
    assert steps[-1].state.no_match == 0
    steps = drive(engine, "1", "#")
    assert only(steps[-1], Gather).node == "main"
    steps = drive(engine, "2", "9")
    assert only(steps[-1], Gather).node == "main"
    assert steps[-1].state.history == []


def test_language_switch(engine):
    steps = drive(engine, "9")
    gather = only(steps[-1], Gather)
    assert steps[-1].state.locale == "en-US"
    assert gather.prompts[0].locale == "en-US" and "Please choose" in gather.prompts[0].text
    back = engine.handle(steps[-1].state, Digits("9"))
    assert back.state.locale == "zh-CN"
    route = only(engine.handle(steps[-1].state, Digits("3")), Route)
    assert route.locale == "en-US"


def test_self_service_found_speaks_status_and_offers_next_steps(engine):
    steps = drive(engine, "1", "1", "289123456789")
    lookup = only(steps[-1], Lookup)
    assert (lookup.service, lookup.query) == ("order_status", "289123456789")
    step = engine.handle(steps[-1].state, LookupResult("order_status", "289123456789", "found", ORDER))
    gather = only(step, Gather)
    assert gather.node == "order_result"
    assert "6789" in gather.prompts[0].text and "已发货" in gather.prompts[0].text
    assert step.state.self_served
    ended = engine.handle(step.state, Digits("8"))
    assert only(ended, Hangup) and ended.state.outcome == "self_served"


def test_self_service_unknown_number_reprompts(engine):
    steps = drive(engine, "1", "1", "111111111")
    step = engine.handle(steps[-1].state, LookupResult("order_status", "111111111", "not_found"))
    gather = only(step, Gather)
    assert gather.node == "order_lookup" and gather.mode == "digits"
    assert "没有找到" in gather.prompts[0].text
    assert step.state.no_match == 1


def test_self_service_short_number_is_a_no_match_without_lookup(engine):
    step = drive(engine, "1", "1", "12")[-1]
    assert not any(isinstance(a, Lookup) for a in step.actions)
    assert step.state.no_match == 1


def test_self_service_backend_failure_routes_to_orders(engine):
    steps = drive(engine, "1", "1", "289123456789")
    step = engine.handle(steps[-1].state, LookupResult("order_status", "289123456789", "error", message="timed out"))
    route = only(step, Route)
    assert route.skill == "orders"
    assert "timed out" in route.reasons[0]
    assert "暂时无法查询" in route.prompts[0].text


def test_stale_lookup_result_is_ignored(engine):
    steps = drive(engine, "1", "1", "289123456789")
    step = engine.handle(steps[-1].state, LookupResult("order_status", "999999999", "found", ORDER))
    assert step.actions == () and step.events[0].kind == "ignored"


def test_speech_matches_phrases(engine):
    state = engine.start("CA1").state
    step = engine.handle(state, Speech("我要投诉", 0.9))
    assert only(step, Route).skill == "complaints"
    step = engine.handle(state, Speech("嗯 退货", 0.9))
    assert only(step, Gather).node == "after_sales"
    low = engine.handle(state, Speech("退货", 0.1))
    assert low.state.no_match == 1


def test_finished_call_ignores_further_input(engine):
    routed = drive(engine, "7")[-1]
    after = engine.handle(routed.state, Digits("1"))
    assert after.actions == () and after.events[0].kind == "ignored"


def test_state_round_trips_through_dict(engine):
    state = drive(engine, "1", "#", None)[-1].state
    assert CallState.from_dict(state.to_dict()) == state


def test_unmatched_speech_at_a_menu_asks_an_open_question(engine):
    state = engine.start("CA1").state
    step = engine.handle(state, Speech("今天天气怎么样", 0.9))
    gather = only(step, Gather)
    assert gather.node == "intent_capture" and gather.mode == "speech"
    assert "open_question" in [e.kind for e in step.events]
    assert engine.phrases_at(step.state) == (), "free speech: no grammar at the open question"


def test_open_question_then_a_person(engine):
    state = engine.handle(engine.start("CA1").state, Digits("8")).state
    assert state.node == "intent_capture"
    first = engine.handle(state, Speech("嗯嗯", 0.9))
    assert only(first, Gather).node == "intent_capture"
    second = engine.handle(first.state, Speech("啊这个", 0.9))
    route = only(second, Route)
    assert route.skill == "general" and "no match 2 times at node intent_capture" in route.reasons[0]


def test_keys_still_work_at_the_open_question(engine):
    state = engine.handle(engine.start("CA1").state, Digits("8")).state
    assert only(engine.handle(state, Digits("0")), Route).skill == "general"
    assert only(engine.handle(state, Digits("#")), Gather).node == "main"
