"""The QA web app's pure parts: scorecard maths and validation, the role policy, masking, login
throttling, the review workflow, the list query, the chart geometry and the UI catalogues."""

from __future__ import annotations

import re
from datetime import timezone
from pathlib import Path

import pytest
import yaml

from qa.analysis import EmotionPoint, Match, PartyEmotion, Turn
from qa.review import STATES, TransitionError, allowed_actions, next_state
from qa.web.accounts import FREE_FAILURES, MAX_LOCK_S, lock_seconds
from qa.web.chart import clock, emotion_chart, tick_step_ms
from qa.web.i18n import LOCALES, catalogue, localised, pick_locale, translate
from qa.web.listquery import ListQuery
from qa.web.masking import mask_number
from qa.web.policy import PERMISSIONS, can, can_act, can_open_call, can_score, sees_unredacted
from qa.web.scorecard import ScorecardError, compute_score, load_scorecard, parse_scorecard, prefill, read_answers
from qa.web.text import segments, turn_of

WEB = Path(__file__).resolve().parents[2] / "qa" / "web"

CARD = yaml.safe_load("""
schema: hotline.qa.scorecard/1
id: mini
version: 2
title: {en-US: Mini, zh-CN: 小表}
sections:
  - id: a
    title: {en-US: A}
    weight: 60
    questions:
      - {id: greet, text: {en-US: "Greeted?"}, type: yes_no, weight: 1,
         prefill: {categories: [missing_greeting], fired: "no", otherwise: "yes"}}
      - {id: skill, text: {en-US: Skill}, type: scale, min: 1, max: 5, weight: 3}
  - id: b
    title: {en-US: B}
    weight: 40
    questions:
      - id: outcome
        text: {en-US: "Resolved?"}
        type: choice
        weight: 1
        options:
          - {id: "yes", label: {en-US: "Yes"}, value: 1}
          - {id: later, label: {en-US: Later}, value: 0.6}
        prefill: {categories: [promise_made], fired: later}
      - {id: taboo_free, text: {en-US: No taboo}, type: yes_no, weight: 1, critical: true, allow_na: true}
""")


@pytest.fixture
def card():
    return parse_scorecard(CARD)


# ---- scorecards ---------------------------------------------------------------------------------


def test_score_is_the_weighted_mean_of_sections_of_weighted_questions(card):
    score = compute_score(card, {"greet": "yes", "skill": "3", "outcome": "later", "taboo_free": "yes"})
    # section a: (1*1 + 3*0.5) / 4 = 0.625; section b: (0.6 + 1) / 2 = 0.8; total (60*0.625 + 40*0.8) / 100
    assert score.sections == {"a": 62.5, "b": 80.0}
    assert score.total == 69.5 and score.failed_critical == []
    assert compute_score(card, {"greet": "yes", "skill": "5", "outcome": "yes", "taboo_free": "yes"}).total == 100


def test_na_leaves_a_question_out_and_an_empty_section_does_not_count(card):
    assert compute_score(card, {"greet": "yes", "skill": "5", "outcome": "later", "taboo_free": "na"}).sections["b"] == 60
    only_a = compute_score(card, {"greet": "no", "skill": "5"})
    assert only_a.sections == {"a": 75.0, "b": None} and only_a.total == 75.0
    # a half-filled form (an empty or impossible answer) scores what is answered, without failing
    assert compute_score(card, {"greet": "no", "skill": "", "outcome": "maybe", "taboo_free": ""}).sections == \
        {"a": 0.0, "b": None}


def test_a_critical_question_answered_no_fails_the_card(card):
    score = compute_score(card, {"greet": "yes", "skill": "5", "outcome": "yes", "taboo_free": "no"})
    assert score.total == 0 and score.failed_critical == ["taboo_free"] and score.sections["a"] == 100


def test_prefill_answers_from_the_rules_that_fired(card):
    assert prefill(card, {"missing_greeting", "promise_made"}) == {"greet": "no", "outcome": "later"}
    assert prefill(card, set()) == {"greet": "yes"}  # "outcome" has no answer for "not fired"


def test_overriding_a_prefilled_answer_needs_a_note(card):
    form = {"a_greet": "yes", "a_skill": "4", "a_outcome": "yes", "a_taboo_free": "yes"}
    answers, problems = read_answers(card, form, {"greet": "no"})
    assert problems == ["greet"] and "greet" not in answers
    answers, problems = read_answers(card, {**form, "note_greet": "greeting was in the IVR"}, {"greet": "no"})
    assert problems == [] and answers["greet"] == {"value": "yes", "prefilled": "no", "note": "greeting was in the IVR"}
    _, problems = read_answers(card, {**form, "a_skill": "9", "a_taboo_free": ""}, {})
    assert problems == ["skill", "taboo_free"]


def test_bad_scorecards_are_refused_with_the_place(card):
    bad = yaml.safe_load(yaml.safe_dump(CARD))
    bad["sections"][0]["questions"][0]["type"] = "stars"
    with pytest.raises(ScorecardError, match=r"sections/0/questions/0/type"):
        parse_scorecard(bad)
    bad = yaml.safe_load(yaml.safe_dump(CARD))
    bad["sections"][1]["questions"][0]["prefill"]["fired"] = "maybe"
    with pytest.raises(ScorecardError, match="prefill answer 'maybe' is not one of"):
        parse_scorecard(bad)
    bad = yaml.safe_load(yaml.safe_dump(CARD))
    bad["sections"][1]["questions"][1]["id"] = "greet"
    with pytest.raises(ScorecardError, match="'greet' is used twice"):
        parse_scorecard(bad)
    assert card.key == "mini@2"


def test_the_shipped_form_follows_the_four_dimensions():
    shipped = load_scorecard()
    assert [localised(s.title, "zh-CN") for s in shipped.sections] == ["礼貌度", "专业度", "解决效率", "语言表达"]
    assert sum(s.weight for s in shipped.sections) == 100
    rules = yaml.safe_load((WEB.parent / "rules.yaml").read_text(encoding="utf-8"))
    known = {c["id"] for c in rules["categories"]}
    assert {c for q in shipped.questions() for c in q.prefill_categories} <= known
    # a clean call: everything prefilled "yes" and a follow-up promised
    assert prefill(shipped, {"promise_made"})["resolution"] == "promised"
    assert prefill(shipped, {"service_taboo"})["no_taboo"] == "no"


# ---- roles, masking, throttling, workflow ---------------------------------------------------------


@pytest.mark.parametrize("role, allowed", [
    ("reviewer", {"review"}),
    ("supervisor", {"review", "all_calls", "unredacted", "assign", "reopen", "resolve", "saved_searches",
                    "dashboard", "audit", "followups"}),
    ("admin", {"review", "all_calls", "unredacted", "assign", "reopen", "resolve", "saved_searches", "dashboard",
               "audit", "followups", "users"}),
    ("nobody", set()),
])
def test_permissions_per_role(role, allowed):
    everything = set().union(*PERMISSIONS.values())
    assert {p for p in everything if can(role, p)} == allowed
    assert sees_unredacted(role) == (role in ("supervisor", "admin"))


def test_review_actions_per_role():
    assert [a for a in ("assign", "dispute", "resolve", "reopen", "start", "submit") if can_act("reviewer", a)] == \
        ["dispute"]
    assert [a for a in ("assign", "dispute", "resolve", "reopen", "start") if can_act("supervisor", a)] == \
        ["assign", "dispute", "resolve", "reopen"]


def test_reviewers_open_and_score_only_their_calls():
    assert can_open_call("reviewer", 7, 7) and can_score("reviewer", 7, 7)
    assert not can_open_call("reviewer", 7, 8) and not can_open_call("reviewer", 7, None)
    assert not can_score("reviewer", 7, None)
    assert can_open_call("supervisor", 1, None) and can_open_call("admin", 1, 9)


@pytest.mark.parametrize("number, shown", [
    ("+8613800138000", "+86 138****8000"),
    ("13800138000", "138****8000"),
    ("+14155550123", "+1 415***0123"),
    ("010-62345678", "010****5678"),
    ("8001", "***1"),
    ("anonymous", "anonymous"),
    ("", ""),
])
def test_masked_numbers(number, shown):
    assert mask_number(number) == shown


def test_lock_grows_after_the_free_failures_and_is_capped():
    assert [lock_seconds(n) for n in range(1, FREE_FAILURES)] == [0] * (FREE_FAILURES - 1)
    assert [lock_seconds(n) for n in range(FREE_FAILURES, FREE_FAILURES + 3)] == [30, 60, 120]
    assert lock_seconds(50) == MAX_LOCK_S


def test_the_review_workflow():
    state = "new"
    for action, expected in [("assign", "assigned"), ("start", "in_review"), ("submit", "done"),
                             ("dispute", "disputed"), ("resolve", "done"), ("dispute", "disputed"),
                             ("reopen", "in_review"), ("submit", "done")]:
        state = next_state(state, action)
        assert state == expected
    with pytest.raises(TransitionError, match="cannot submit a review that is new"):
        next_state("new", "submit")
    with pytest.raises(TransitionError, match="unknown review action"):
        next_state("done", "approve")
    assert allowed_actions("done") == ["dispute", "reopen"]
    assert all(allowed_actions(s) for s in STATES)  # no dead end


# ---- list query, chart, text, catalogues ----------------------------------------------------------


def test_list_query_drops_bad_values_and_round_trips():
    query = ListQuery.from_args({"q": " 退货 ", "since": "2026-12-01", "until": "not a date", "state": "bogus",
                                 "emotion": "agitated", "min_s": "-3", "max_s": "60", "sort": "drop table",
                                 "order": "asc", "page": "0", "per_page": "1000"})
    assert (query.q, query.since, query.until, query.state, query.emotion) == ("退货", "2026-12-01", "", "", "agitated")
    assert (query.min_s, query.max_s, query.sort, query.order, query.page, query.per_page) == \
        ("", "60", "started", "asc", 1, 25)
    assert ListQuery.from_args(query.args()) == query
    assert query.args(page=3)["page"] == "3" and "page" not in query.args()
    filters = query.filters(assignee_id=4, tz=timezone.utc)
    assert filters.max_duration_ms == 60_000 and filters.assignee_id == 4 and filters.emotion == "agitated"
    until = ListQuery.from_args({"until": "2026-12-05"}).filters().until
    assert until.isoformat() == "2026-12-06T00:00:00+00:00"  # the "to" day is included


def test_emotion_chart_breaks_lines_at_gaps_and_merges_flagged_windows():
    points = (EmotionPoint(0, 2000, 0.2, "calm"), EmotionPoint(1000, 3000, 0.9, "agitated", True),
              EmotionPoint(2000, 4000, 0.8, "agitated", True), EmotionPoint(3000, 5000, None, None),
              EmotionPoint(4000, 6000, 0.1, "calm"))
    chart = emotion_chart({"caller": PartyEmotion("caller", points)}, 10_000)
    assert len(chart.lines["caller"]) == 1 and chart.lines["caller"][0].count(",") == 3  # the lone point is dropped
    assert len(chart.bands) == 1 and chart.bands[0].x == pytest.approx(40 + 950 * 0.1)
    assert chart.bands[0].width == pytest.approx(950 * 0.3, abs=0.2)
    assert "agent" not in chart.lines
    assert [t.label for t in chart.ticks] == ["0:00", "0:05", "0:10"]
    assert tick_step_ms(600_000) == 60_000 and clock(3_725_000) == "1:02:05"


def test_highlight_segments_and_match_lines():
    assert segments("我要退货，退货", [(2, 4), (5, 7)]) == [("我要", False), ("退货", True), ("，", False), ("退货", True)]
    turns = [Turn("caller", 1000, 2000, "a"), Turn("agent", 2500, 4000, "b"), Turn("agent", 5000, 6000, "c")]
    assert turn_of(Match("agent", 5200, 5400), turns) == 2
    assert turn_of(Match("agent", 4500, 4600), turns) == 1  # between lines: the one before
    assert turn_of(Match("caller", 0, 100), turns) is None


def test_catalogues_have_the_same_keys_and_every_key_used_exists():
    keys = {locale: set(catalogue(locale)) for locale in LOCALES}
    assert keys["zh-CN"] == keys["en-US"]
    sources = [p.read_text(encoding="utf-8") for p in list(WEB.glob("templates/qa/*.html")) + list(WEB.glob("*.py"))]
    used = {k for text in sources for k in re.findall(r'\bt\("([a-z_.-]+)"\s*[,)]', text)}
    assert used and used <= keys["en-US"], used - keys["en-US"]
    assert translate("zh-CN", "calls.count", n=3) == "共 3 通"
    assert translate("en-US", "no.such.key") == "no.such.key"
    assert pick_locale(None, "fr-FR", "en-US", default="zh-CN") == "en-US" and pick_locale(default="xx") == "zh-CN"
