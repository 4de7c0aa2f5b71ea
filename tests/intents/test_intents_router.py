"""The router: every shipped rule alone and in combination, reasons, priority order, overflow, validation."""

from __future__ import annotations

import json

import pytest
import yaml

from ivr.profiles import CallerProfile
from ivr.router import (
    DEFAULT_RULES,
    EmotionInput,
    QueueState,
    RouteDecision,
    Router,
    RoutingError,
    RoutingRequest,
    RoutingRulesError,
    parse_rules,
)


@pytest.fixture(scope="module")
def router() -> Router:
    return Router.from_yaml()


def caller(plus="none", complaints=0, recent=0, last=None) -> CallerProfile:
    return CallerProfile("+8613800000009", plus, complaints, recent, last)


CALM = EmotionInput("calm", 0.1)
AGITATED = EmotionInput("agitated", 0.7)
TENSE = EmotionInput("tense", 0.55)
MILDLY_AGITATED = EmotionInput("agitated", 0.4)  # label held by hysteresis while the score falls
DISTRESSED = EmotionInput("distressed", 0.2)  # a safety phrase: distressed whatever the score

# (name, request, skill, priority, rules fired in order)
CASES = [
    ("default skill", RoutingRequest("order_status"), "orders", 50, []),
    ("flow hint", RoutingRequest("order_status", skill_hint="logistics"), "logistics", 50, []),
    ("flow base priority", RoutingRequest("complaint", skill_hint="complaints", base_priority=60), "complaints", 75, ["complaint"]),
    ("calm caller", RoutingRequest("refund_status", emotion=CALM), "after_sales", 50, []),
    ("complaint", RoutingRequest("complaint"), "complaints", 65, ["complaint"]),
    ("complaint overrides hint", RoutingRequest("complaint", skill_hint="general"), "complaints", 65, ["complaint"]),
    ("agitated", RoutingRequest("payment_issue", emotion=AGITATED), "billing", 65, ["agitated"]),
    ("agitated, falling score", RoutingRequest("payment_issue", emotion=MILDLY_AGITATED), "billing", 65, ["agitated"]),
    ("tense is not agitated", RoutingRequest("payment_issue", emotion=TENSE), "billing", 50, []),
    ("distressed", RoutingRequest("repair_request", emotion=DISTRESSED), "after_sales", 75, ["distressed"]),
    (
        "upset with open complaint",
        RoutingRequest("repair_request", emotion=AGITATED, profile=caller(complaints=1)),
        "complaints",
        70,
        ["agitated", "upset_with_open_complaint", "open_complaint"],
    ),
    (
        "repeat same issue",
        RoutingRequest("delivery_delay", profile=caller(recent=2, last="delivery_delay")),
        "logistics",
        65,
        ["repeat_same_issue"],
    ),
    (
        "repeat other issue",
        RoutingRequest("delivery_delay", profile=caller(recent=2, last="invoice_request")),
        "logistics",
        50,
        [],
    ),
    (
        "same issue but not within 7 days",
        RoutingRequest("delivery_delay", profile=caller(recent=0, last="delivery_delay")),
        "logistics",
        50,
        [],
    ),
    ("plus", RoutingRequest("coupon_promotion", profile=caller(plus="plus")), "presales", 60, ["plus_member"]),
    ("svip", RoutingRequest("coupon_promotion", profile=caller(plus="svip")), "presales", 70, ["svip_member"]),
    ("open complaint", RoutingRequest("invoice_request", profile=caller(complaints=2)), "billing", 55, ["open_complaint"]),
    (
        "agent request",
        RoutingRequest("agent_request", skill_hint="orders", last_intent="refund_status"),
        "general",
        50,
        ["agent_request"],
    ),
    (
        "plus complaint, distressed, repeat: capped",
        RoutingRequest(
            "complaint",
            emotion=DISTRESSED,
            profile=caller(plus="svip", complaints=1, recent=3, last="complaint"),
        ),
        "complaints",
        100,
        ["complaint", "distressed", "upset_with_open_complaint", "repeat_same_issue", "open_complaint", "svip_member"],
    ),
    (
        "plus and agitated",
        RoutingRequest("account_login", emotion=AGITATED, profile=caller(plus="plus")),
        "membership",
        75,
        ["agitated", "plus_member"],
    ),
]


@pytest.mark.parametrize("name, request_, skill, priority, fired", CASES, ids=[c[0] for c in CASES])
def test_rules_table(router, name, request_, skill, priority, fired):
    decision = router.route(request_)
    assert (decision.skill, decision.priority, decision.intent) == (skill, priority, request_.intent)
    assert decision.attributes["rules"] == fired
    # one reason for the starting skill, one per fired rule, and the extras (clamp, vip)
    rule_reasons = [r for r in decision.reasons if r.split(":")[0] in fired]
    assert [r.split(":")[0] for r in rule_reasons] == fired
    assert decision.reasons[0].startswith(("default:", "flow:"))
    assert decision.attributes["vip"] == (priority >= 80)
    json.dumps(decision.attributes)  # TaskRouter needs JSON


def test_reasons_are_stable_and_readable(router):
    request = RoutingRequest("complaint", emotion=DISTRESSED, profile=caller(plus="svip", complaints=1, recent=3, last="complaint"))
    decision = router.route(request)
    assert decision.reasons == [
        "default: intent complaint is served by skill complaints",
        "complaint: caller is complaining (skill complaints, priority +15)",
        "distressed: caller sounds distressed (priority +25)",
        "upset_with_open_complaint: upset caller with a complaint still open (skill complaints)",
        "repeat_same_issue: called about the same issue within 7 days (priority +15)",
        "open_complaint: caller has an open complaint (priority +5)",
        "svip_member: PLUS SVIP member (priority +20)",
        "priority: 130 clamped to 100",
        "vip: priority 100 reaches 80",
    ]
    assert router.route(request) == decision
    assert decision.attributes["overlay"] == "vip"
    assert decision.attributes["emotion"] == "distressed" and decision.attributes["plus_level"] == "svip"


@pytest.mark.parametrize(
    "when, request_, fires",
    [
        ({"emotion_score_at_least": 0.6}, RoutingRequest("order_status", emotion=EmotionInput("tense", 0.6)), True),
        ({"emotion_score_at_least": 0.6}, RoutingRequest("order_status", emotion=EmotionInput("tense", 0.59)), False),
        ({"emotion_score_at_least": 0.6}, RoutingRequest("order_status"), False),
        ({"skill": ["orders"]}, RoutingRequest("order_status"), True),
        ({"skill": ["orders"]}, RoutingRequest("order_status", skill_hint="general"), False),
        ({"same_issue_as_last_call": False}, RoutingRequest("order_status", profile=caller(last="refund_status")), True),
        ({"same_issue_as_last_call": False}, RoutingRequest("order_status", profile=caller(last="order_status")), False),
        ({"calls_last_7_days_at_least": 3}, RoutingRequest("order_status", profile=caller(recent=3)), True),
        ({"calls_last_7_days_at_least": 3}, RoutingRequest("order_status", profile=caller(recent=2)), False),
    ],
)
def test_each_condition_of_the_rule_language(when, request_, fires):
    rules = parse_rules({"version": 1, "rules": [{"id": "r", "description": "d", "when": when, "then": {"priority_at_least": 90}}]})
    decision = Router(rules).route(request_)
    assert (decision.priority == 90) is fires
    assert (decision.reasons[-2:] == ["r: d (priority at least 90)", "vip: priority 90 reaches 80"]) is fires


def test_flow_base_priority_is_a_reason(router):
    decision = router.route(RoutingRequest("complaint", skill_hint="complaints", base_priority=60))
    assert decision.reasons[:2] == ["flow: skill complaints for intent complaint", "flow: base priority 60"]


def test_agent_request_carries_the_last_intent(router):
    decision = router.route(RoutingRequest("agent_request", last_intent="refund_status"))
    assert decision.attributes["last_intent"] == "refund_status"
    assert "last intent refund_status attached" in decision.reasons[-1]
    assert "last_intent" not in router.route(RoutingRequest("refund_status", last_intent="order_status")).attributes


def test_priority_orders_callers_as_a_hotline_would(router):
    plain = router.route(RoutingRequest("order_status")).priority
    plus = router.route(RoutingRequest("order_status", profile=caller(plus="plus"))).priority
    repeat = router.route(RoutingRequest("order_status", profile=caller(recent=1, last="order_status"))).priority
    angry = router.route(RoutingRequest("order_status", emotion=AGITATED)).priority
    distressed = router.route(RoutingRequest("order_status", emotion=DISTRESSED)).priority
    assert plain < plus < repeat == angry < distressed


@pytest.mark.parametrize(
    "queues, skill, overflow_reasons",
    [
        ({"presales": QueueState(waiting=3, capacity=10)}, "presales", []),
        ({"presales": QueueState(waiting=10, capacity=10)}, "general", ["overflow: presales is full (10/10); sent to general"]),
        (
            {"logistics": QueueState(12, 5), "orders": QueueState(8, 5)},
            "general",
            ["overflow: logistics is full (12/5); sent to orders", "overflow: orders is full (8/5); sent to general"],
        ),
        (
            {"presales": QueueState(10, 10), "general": QueueState(30, 20)},
            "general",
            [
                "overflow: presales is full (10/10); sent to general",
                "overflow: general is full (30/20) and has no other queue; staying",
            ],
        ),
    ],
)
def test_queue_over_capacity_falls_back(router, queues, skill, overflow_reasons):
    intent = "delivery_tracking" if "logistics" in queues else "product_inquiry"
    decision = router.route(RoutingRequest(intent, queue_state=queues))
    assert decision.skill == skill and decision.attributes["skill"] == skill
    assert [r for r in decision.reasons if r.startswith("overflow")] == overflow_reasons


def test_overflow_never_loops():
    rules = parse_rules(
        {"version": 1, "rules": [], "overflow": {"orders": "logistics", "logistics": "orders"}}
    )
    decision = Router(rules).route(
        RoutingRequest("order_status", queue_state={"orders": QueueState(9, 1), "logistics": QueueState(9, 1)})
    )
    assert decision.skill == "logistics"
    assert decision.reasons[-1] == "overflow: logistics is full (9/1) and has no other queue; staying"


def test_decision_round_trips_for_the_call_record(router):
    decision = router.route(RoutingRequest("complaint", emotion=AGITATED))
    assert RouteDecision(**decision.to_dict()) == decision


@pytest.mark.parametrize(
    "request_kwargs, message",
    [
        ({"intent": "pizza"}, "unknown intent 'pizza'"),
        ({"intent": "order_status", "skill_hint": "vip"}, "unknown skill 'vip'"),
        ({"intent": "order_status", "base_priority": 101}, "base priority 101 is outside 0..100"),
    ],
)
def test_bad_requests(router, request_kwargs, message):
    with pytest.raises(RoutingError, match=message):
        router.route(RoutingRequest(**request_kwargs))


def test_bad_emotion_input():
    with pytest.raises(RoutingError, match="'angry' is not one of"):
        EmotionInput("angry", 0.5)
    with pytest.raises(RoutingError, match="outside 0..1"):
        EmotionInput("calm", 1.5)


def test_every_problem_in_a_rules_file_is_reported_with_its_location(tmp_path):
    data = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    data["rules"][1]["when"]["emotion"] = ["furious"]
    data["rules"][2]["then"]["skill"] = "vip"
    data["rules"][3]["id"] = data["rules"][0]["id"]
    data["overflow"]["presales"] = "nowhere"
    bad = tmp_path / "routing.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RoutingRulesError) as info:
        Router.from_yaml(bad)
    assert info.value.problems == [
        "rules[1].when.emotion: 'furious' is not one of calm, tense, agitated, distressed",
        "rules[2].then.skill: 'vip' is not one of orders, logistics, after_sales, billing, membership, presales, complaints, general",
        "rules[3].id: duplicate rule id 'agent_request'",
        "overflow.presales: 'nowhere' is not one of orders, logistics, after_sales, billing, membership, presales, complaints, general",
    ]
    assert str(bad) in str(info.value)


def test_structural_problems_are_reported(tmp_path):
    with pytest.raises(RoutingRulesError) as info:
        parse_rules({"version": 2, "rules": [{"id": "x", "description": "d", "when": {"mood": ["x"]}, "then": {}}]})
    problems = info.value.problems
    assert any(p.startswith("version:") for p in problems)
    assert any(p.startswith("rules[0].when:") and "mood" in p for p in problems)
    assert any(p.startswith("rules[0].then:") for p in problems)
    missing = tmp_path / "none.yaml"
    with pytest.raises(RoutingRulesError, match="cannot read"):
        Router.from_yaml(missing)
    broken = tmp_path / "broken.yaml"
    broken.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(RoutingRulesError, match="not valid YAML"):
        Router.from_yaml(broken)
