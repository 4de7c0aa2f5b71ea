"""Expectation checking is pure: facts in, expected-vs-actual mismatches out."""

from __future__ import annotations

from ivr.simulator import CallFacts, Expectations, Heard, check


def facts(**values) -> CallFacts:
    base = dict(call_sid="CA1", queue="complaints", intent="complaint", priority=75, outcome="routed",
                path=["welcome", "main", "intent_capture"], heard=[Heard("我 要 投诉", 0.9)], emotion="tense",
                qa_categories=["complaint_call"])
    return CallFacts(**{**base, **values})


def test_a_call_that_did_everything_expected_has_no_mismatch():
    expect = Expectations(queue="complaints", intent="complaint", priority_at_least=60, outcome="routed",
                          self_served=False, path=("welcome", "intent_capture"), heard=("投诉",),
                          emotion=("tense", "agitated"), qa_present=("complaint_call",), qa_absent=("service_taboo",))
    assert check(expect, facts()) == []


def test_each_broken_expectation_says_expected_and_actual():
    expect = Expectations(queue="billing", intent="invoice_request", priority_at_least=80, outcome="self_served",
                          self_served=True, path=("intent_capture", "main"), heard=("发票",), emotion=("calm",),
                          qa_present=("missing_greeting",), qa_absent=("complaint_call",))
    found = {m.what: (m.expected, m.actual) for m in check(expect, facts())}
    assert found == {
        "queue": ("billing", "complaints"),
        "intent": ("invoice_request", "complaint"),
        "priority": (">= 80", 75),
        "outcome": ("self_served", "routed"),
        "self_served": (True, False),
        "path": (["intent_capture", "main"], ["welcome", "main", "intent_capture"]),  # order matters
        "heard": (["发票"], ["我 要 投诉"]),
        "emotion": (["calm"], "tense"),
        "qa_categories present": (["missing_greeting"], ["complaint_call"]),
        "qa_categories absent": (["complaint_call"], ["complaint_call"]),
    }


def test_qa_expectations_fail_when_the_call_was_never_analysed():
    mismatches = check(Expectations(qa_absent=("service_taboo",)), facts(qa_categories=None))
    assert [m.what for m in mismatches] == ["qa_categories"]


def test_missing_priority_is_below_any_floor():
    assert [m.what for m in check(Expectations(priority_at_least=0), facts(priority=None))] == ["priority"]
