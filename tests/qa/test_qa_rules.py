"""QA rules: the file format (every problem located), the shipped categories on hand-built calls,
follow-ups, the version string and the phrases the rules listen for."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from qa.analysis import (
    CallAnalysis,
    CallFacts,
    EmotionPoint,
    Match,
    PartyEmotion,
    RulesOutcome,
    Turn,
    Word,
)
from qa.rules import RulesError, check_rules_file, load_rules, parse_rules, shipped_rules_path

AGENT_START = 10_000
DURATION = 120_000


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def turn(party: str, start_ms: int, text: str, step_ms: int = 400) -> Turn:
    """A turn whose space-separated words each last ``step_ms`` - 50 ms, one after another."""
    words, t = [], start_ms
    for w in text.split():
        words.append(Word(w, t, t + step_ms - 50))
        t += step_ms
    return Turn(party, start_ms, max(t, start_ms + 1), text, tuple(words))


def call(*turns: Turn, agent_start_ms: int | None = AGENT_START, duration_ms: int = DURATION, locale: str = "zh-CN",
         emotion: dict | None = None, characteristics: dict | None = None, mode: str = "transcript",
         **facts) -> CallAnalysis:
    return CallAnalysis("CA1", "RE1", mode, "test-model", duration_ms, tuple(turns), emotion or {},
                        CallFacts(locale=locale, **facts), agent_start_ms, characteristics or {})


def polite_zh(*middle: Turn) -> CallAnalysis:
    """A Mandarin call with a greeting at 11 s and a closing at 100 s around ``middle``."""
    return call(turn("agent", 11_000, "您好 很 高兴 为 您 服务"), *middle, turn("agent", 100_000, "感谢 您 的 来电 再见"))


def fired(outcome: RulesOutcome) -> dict[str, tuple[Match, ...]]:
    return {c.category: c.matches for c in outcome.categories}


#: a rules file's header; tests append their own categories
RULES_HEAD = """\
schema: hotline.qa.rules/1
name: test
version: 7
categories:
"""


# ---- the file format ----------------------------------------------------------------------


def test_shipped_rules_load_and_check_clean(rules):
    assert check_rules_file(shipped_rules_path()) == []
    assert re.fullmatch(r"hotline-qa@1\+[0-9a-f]{8}", rules.version)
    ids = [c.id for c in rules.categories]
    for needed in ("missing_greeting", "missing_closing", "service_taboo", "agent_agitation",
                   "caller_agitation_sustained", "long_silence", "interruptions", "promise_made", "complaint_call"):
        assert needed in ids
    dimensions = {c.dimension for c in rules.categories}
    assert {"politeness", "professionalism", "efficiency", "expression"} <= dimensions
    by_id = {c.id: c for c in rules.categories}
    assert by_id["missing_greeting"].points == -5 and by_id["service_taboo"].severity == "critical"
    assert by_id["promise_made"].points == 0 and by_id["complaint_call"].points == 0


SCHEMA_ERRORS = """\
schema: hotline.qa.rules/1
name: bad
version: 1
categories:
  - id: a
    title: A
    dimension: politeness
    severity: fatal
    points: -5
    colour: red
    when:
      said: {party: agent, phrases: {zh: [您好]}}
      fact: {name: skill, equals: orders}
  - id: b
    title: B
    dimension: courtesy
    severity: minor
    points: five
    when:
      emotion: {party: agent, at_least: 1.5, for_s: 5}
  - id: c
    title: C
    dimension: risk
    severity: info
    points: 0
    when:
      any:
        - said: {party: boss, phrases: [hello]}
        - interruptions: {more_than: -1}
"""


def test_schema_problems_are_all_reported_with_line_and_path():
    with pytest.raises(RulesError) as err:
        parse_rules(SCHEMA_ERRORS, source="bad.yaml")
    problems = err.value.problems
    expected = [
        ("bad.yaml:5: categories[0]: ", "unknown field(s): colour"),
        ("bad.yaml:8: categories[0].severity: ", "'fatal' is not one of"),
        ("bad.yaml:11: categories[0].when: ", "exactly one of"),
        ("bad.yaml:16: categories[1].dimension: ", "'courtesy' is not one of"),
        ("bad.yaml:18: categories[1].points: ", "'five' is not of type 'number'"),
        ("bad.yaml:20: categories[1].when.emotion.at_least: ", "greater than the maximum of 1"),
        ("bad.yaml:28: categories[2].when.any[0].said.party: ", "'boss' is not one of"),
        ("bad.yaml:28: categories[2].when.any[0].said.phrases: ", "must name a phrase list"),
        ("bad.yaml:29: categories[2].when.any[1].interruptions.more_than: ", "less than the minimum of 0"),
    ]
    assert len(problems) == len(expected), problems
    for problem, (prefix, message) in zip(problems, expected):
        assert problem.startswith(prefix) and message in problem, problem
    assert isinstance(err.value, ValueError)


SEMANTIC_ERRORS = """\
schema: hotline.qa.rules/1
name: sem
version: 1
phrases:
  greeting:
    zh: [您好]
  unused:
    en: [hi]
categories:
  - id: a
    title: A
    dimension: politeness
    severity: minor
    points: -5
    when:
      not_said: {party: agent, phrases: greting, within: {first_s: 30, last_s: 60}}
  - id: a
    title: A again
    dimension: politeness
    severity: minor
    points: -5
    when:
      all:
        - emotion: {party: agent, for_s: 5}
        - fact: {name: skill, equals: plumbing}
        - fact: {name: path, at_least: 3}
        - talk_speed: {party: agent, cpm: [300, 200]}
        - non_talk: {}
        - said: {party: agent, phrases: greeting, within: {from_s: 30, to_s: 10}}
  - id: p
    title: P
    dimension: professionalism
    severity: info
    points: 0
    when:
      said: {party: agent, phrases: {zh: ["！！"]}}
    followup: {kind: promise, due_s: 60}
  - id: q
    title: Q
    dimension: risk
    severity: info
    points: 0
    requires_agent: false
    when:
      said: {party: agent, phrases: greeting}
    followup: {kind: complaint_sla, due_s: 7200, urgent: {due_s: 86400, when: {fact: {name: intent, equals: nope}}}}
"""


def test_semantic_problems_are_all_reported_with_line_and_path(tmp_path):
    path = tmp_path / "sem.yaml"
    path.write_text(SEMANTIC_ERRORS, "utf-8")
    problems = check_rules_file(path)
    expected = [
        (7, "phrases.unused", "not used by any rule"),
        (16, "categories[0].when.not_said.phrases", "unknown phrase list 'greting'"),
        (16, "categories[0].when.not_said.within", "found first_s and last_s"),
        (17, "categories[1].id", "duplicate category id 'a'"),
        (24, "categories[1].when.all[0].emotion", "needs at_least"),
        (25, "categories[1].when.all[1].fact.equals", "unknown skill 'plumbing'"),
        (26, "categories[1].when.all[2].fact.at_least", "cannot be compared with at_least"),
        (27, "categories[1].when.all[3].talk_speed.cpm", "is empty"),
        (28, "categories[1].when.all[4].non_talk", "exactly one of longer_than_s, total_over_s"),
        (29, "categories[1].when.all[5].said.within.to_s", "must be after from_s"),
        (36, "categories[2].when.said.phrases.zh[0]", "has no words"),
        (37, "categories[2].followup", "needs default_due_s"),
        (37, "categories[2].followup.due_s", "is for complaint_sla"),
        (43, "categories[3].requires_agent", "cannot be false"),
        (46, "categories[3].followup.urgent.due_s", "must be shorter than the ordinary one"),
        (46, "categories[3].followup.urgent.when.fact.equals", "unknown intent 'nope'"),
    ]
    assert len(problems) == len(expected), problems
    for problem, (line, where, message) in zip(problems, expected):
        assert problem.startswith(f"{path}:{line}: {where}: ") and message in problem, problem


@pytest.mark.parametrize("text, expected", [
    ("a: [b", "t.yaml:1: not valid YAML"),
    ("- 1\n- 2\n", "t.yaml:1: a rules file must be a mapping"),
    ("schema: hotline.qa.rules/2\nname: x\n", "t.yaml:1: schema: unsupported schema 'hotline.qa.rules/2'"),
    ("schema: hotline.qa.rules/1\nname: x\nname: y\nversion: 1\ncategories: []\n",
     "t.yaml:3: name: duplicate key 'name'"),
])
def test_unreadable_files_say_where(text, expected):
    with pytest.raises(RulesError) as err:
        parse_rules(text, source="t.yaml")
    assert err.value.problems[0].startswith(expected), err.value.problems


def test_missing_file_is_a_problem_not_a_crash(tmp_path):
    assert check_rules_file(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: file does not exist"]


def test_version_changes_with_the_file_and_is_recorded(tmp_path, rules):
    text = shipped_rules_path().read_text("utf-8")
    same = parse_rules(text)
    edited = parse_rules(text + "\n# tuned\n")
    assert same.version == rules.version
    assert edited.version != rules.version and edited.version.startswith("hotline-qa@1+")
    assert parse_rules(text.replace("version: 1", "version: 2", 1)).version.startswith("hotline-qa@2+")
    outcome = edited.evaluate(polite_zh())
    assert outcome.rules_version == edited.version
    assert RulesOutcome.from_dict(outcome.to_dict()) == outcome


# ---- greeting and closing -----------------------------------------------------------------


def test_polite_mandarin_call_fires_nothing(rules):
    assert fired(rules.evaluate(polite_zh(turn("caller", 15_000, "我 想 查 一下 订单")))) == {}


def test_missing_greeting_reports_the_window_searched(rules):
    analysis = call(turn("agent", 12_000, "请 稍等"), turn("agent", 100_000, "再见"))
    matches = fired(rules.evaluate(analysis))["missing_greeting"]
    assert len(matches) == 1
    assert (matches[0].party, matches[0].start_ms, matches[0].end_ms) == ("agent", AGENT_START, AGENT_START + 30_000)
    assert "您好" in matches[0].text


def test_greeting_after_30_s_is_too_late(rules):
    late = call(turn("agent", AGENT_START + 31_000, "您好 请问 有 什么 可以 帮 您"), turn("agent", 100_000, "再见"))
    in_time = call(turn("agent", AGENT_START + 29_000, "您好 请问 有 什么 可以 帮 您"), turn("agent", 100_000, "再见"))
    assert "missing_greeting" in fired(rules.evaluate(late))
    assert "missing_greeting" not in fired(rules.evaluate(in_time))


def test_a_call_that_never_reached_an_agent_is_not_flagged_for_greeting_or_closing(rules):
    ivr_only = call(turn("ivr", 0, "欢迎 致电"), turn("caller", 5_000, "我 查 订单"), agent_start_ms=None,
                    characteristics={"non_talk": [{"start_ms": 20_000, "end_ms": 40_000, "duration_ms": 20_000}]})
    result = fired(rules.evaluate(ivr_only))
    assert "missing_greeting" not in result and "missing_closing" not in result
    assert "long_silence" not in result  # silence in the IVR is not the agent's


def test_greeting_said_by_the_ivr_or_caller_does_not_count(rules):
    analysis = call(turn("ivr", 0, "您好 欢迎 致电"), turn("caller", 12_000, "您好"), turn("agent", 100_000, "再见"))
    assert "missing_greeting" in fired(rules.evaluate(analysis))


def test_closing_must_be_in_the_last_60_s(rules):
    early_close = call(turn("agent", 11_000, "您好"), turn("agent", 40_000, "感谢 您 的 来电"))
    late_close = call(turn("agent", 11_000, "您好"), turn("agent", DURATION - 59_000, "祝 您 生活 愉快"))
    early = fired(rules.evaluate(early_close))
    assert early["missing_closing"][0].start_ms == DURATION - 60_000 and early["missing_closing"][0].end_ms == DURATION
    assert "missing_closing" not in fired(rules.evaluate(late_close))


def test_english_greeting_and_closing_are_case_insensitive_words(rules):
    polite = call(turn("agent", 11_000, "Thank you for calling how can I help you"),
                  turn("agent", 110_000, "have a nice day goodbye"), locale="en-US")
    assert fired(rules.evaluate(polite)) == {}
    # "hello" inside another word is not a greeting
    rude = call(turn("agent", 11_000, "othello speaking"), turn("agent", 110_000, "goodbye"), locale="en-US")
    assert list(fired(rules.evaluate(rude))) == ["missing_greeting"]


def test_turn_language_comes_from_its_text_not_the_locale(rules):
    # a zh-CN call answered in English: English greeting phrases apply to that turn
    analysis = call(turn("agent", 11_000, "hello how can I help you"), turn("agent", 100_000, "再见"), locale="zh-CN")
    assert "missing_greeting" not in fired(rules.evaluate(analysis))


def test_tolerant_matching_forgives_a_misheard_syllable_exact_does_not(rules):
    # 兴 heard as 心 (xing/xin), 您 as 你 in 帮您: the shipped greeting is tolerant
    misheard = call(turn("agent", 11_000, "很 高心 为 您 服务"), turn("agent", 100_000, "再见"))
    assert "missing_greeting" not in fired(rules.evaluate(misheard))
    misheard_en = call(turn("agent", 11_000, "how can i halp you"), turn("agent", 110_000, "goodbye"), locale="en-US")
    assert "missing_greeting" not in fired(rules.evaluate(misheard_en))
    exact = parse_rules(RULES_HEAD + """
  - id: greeting_heard
    title: G
    dimension: politeness
    severity: info
    points: 0
    when:
      said: {party: agent, phrases: {zh: [很高兴为您服务], en: [how can I help you]}, match: exact}
""")
    assert fired(exact.evaluate(misheard)) == {}
    assert fired(exact.evaluate(call(turn("agent", 11_000, "很 高兴 为 您 服务")))) == {
        "greeting_heard": (Match("agent", 11_000, 12_950, "很高兴为您服务"),)}


def test_spotting_mode_text_is_matched_the_same_way(rules):
    # the built-in model reports only the phrases it spotted, as whole words
    spotted = call(turn("agent", 11_000, "您好"), turn("agent", 30_000, ""), turn("agent", 100_000, "再见"),
                   mode="spotting")
    assert fired(rules.evaluate(spotted)) == {}


WINDOWS = RULES_HEAD + """
  - id: early_complaint
    title: Complaint in the first 20 s of the call
    dimension: risk
    severity: info
    points: 0
    when:
      said: {party: caller, phrases: {zh: [投诉]}, within: {first_s: 20, of: call}}
  - id: hold_request
    title: Hold asked for 10-20 s into the agent conversation
    dimension: efficiency
    severity: info
    points: 0
    when:
      said: {party: agent, phrases: {zh: [请稍等]}, within: {from_s: 10, to_s: 20}}
"""


@pytest.mark.parametrize("caller_at, agent_at, expected", [
    (15_000, AGENT_START + 15_000, {"early_complaint", "hold_request"}),
    (25_000, AGENT_START + 5_000, set()),
    (19_000, AGENT_START + 21_000, {"early_complaint"}),
])
def test_windows_from_the_call_start_and_offsets_in_the_agent_conversation(caller_at, agent_at, expected):
    rules = parse_rules(WINDOWS)
    analysis = call(turn("caller", caller_at, "我 要 投诉"), turn("agent", agent_at, "请 稍等"))
    assert set(fired(rules.evaluate(analysis))) == expected
    # a window of the call exists without an agent; one of the agent conversation does not
    by_id = {c.id: c for c in rules.categories}
    assert not by_id["early_complaint"].requires_agent and by_id["hold_request"].requires_agent
    no_agent = call(turn("caller", 15_000, "我 要 投诉"), agent_start_ms=None)
    assert set(fired(rules.evaluate(no_agent))) == {"early_complaint"}


# ---- service taboo phrases ----------------------------------------------------------------


def test_taboo_phrases_are_located_exactly(rules):
    analysis = polite_zh(turn("agent", 20_000, "这个 我 也 不 知道 没办法"))
    # words: 这个 20000 我 20400 也 20800 不 21200 知道 21600 没办法 22000 (each 350 ms)
    assert fired(rules.evaluate(analysis))["service_taboo"] == (
        Match("agent", 21_200, 21_950, "不知道"), Match("agent", 22_000, 22_350, "没办法"))


def test_taboo_words_inside_a_courteous_phrase_are_not_taboo(rules):
    analysis = polite_zh(turn("agent", 20_000, "不知道 您 明天 方便 吗"), turn("agent", 30_000, "如果 不知道 订单号 也 没关系"))
    assert "service_taboo" not in fired(rules.evaluate(analysis))


def test_taboo_needs_the_exact_words(rules):
    # 我知道 is one syllable from 不知道: the taboo rule is exact on purpose
    analysis = polite_zh(turn("agent", 20_000, "我 知道 了"), turn("caller", 25_000, "你 怎么 这么 笨"))
    assert "service_taboo" not in fired(rules.evaluate(analysis))  # and a caller's insult is not the agent's


def test_english_taboo_with_times(rules):
    analysis = call(turn("agent", 11_000, "hello"), turn("agent", 50_000, "well whatever calm down sir"),
                    turn("agent", 60_000, "whatever you need we can do"),  # courteous: no taboo
                    turn("agent", 110_000, "goodbye"), locale="en-US")
    assert fired(rules.evaluate(analysis))["service_taboo"] == (
        Match("agent", 50_400, 50_750, "whatever"), Match("agent", 50_800, 51_550, "calm down"))


# ---- emotion ------------------------------------------------------------------------------


def timeline(party: str, *stretches: tuple[int, int, float], hop_ms: int = 1000) -> PartyEmotion:
    """1-s windows with ``agitation`` over each (start_ms, end_ms, agitation) stretch, calm (0.1) elsewhere."""
    points = []
    for t in range(0, DURATION, hop_ms):
        level = next((a for s, e, a in stretches if s <= t < e), 0.1)
        points.append(EmotionPoint(t, t + hop_ms, level, "agitated" if level >= 0.7 else "calm", level >= 0.7))
    return PartyEmotion(party, tuple(points))


def test_agent_agitation_needs_5_continuous_seconds(rules):
    long = polite_zh().with_(emotion={"agent": timeline("agent", (40_000, 46_000, 0.8))})
    short = polite_zh().with_(emotion={"agent": timeline("agent", (40_000, 44_000, 0.9))})
    broken = polite_zh().with_(emotion={"agent": timeline("agent", (40_000, 43_000, 0.9), (44_000, 47_000, 0.9))})
    matches = fired(rules.evaluate(long))["agent_agitation"]
    assert [(m.party, m.start_ms, m.end_ms) for m in matches] == [("agent", 40_000, 46_000)]
    assert "6.0 s" in matches[0].text and "0.80" in matches[0].text
    assert "agent_agitation" not in fired(rules.evaluate(short))
    assert "agent_agitation" not in fired(rules.evaluate(broken))


def test_total_measure_adds_stretches_up(rules):
    total = parse_rules(RULES_HEAD + """
  - id: upset
    title: U
    dimension: risk
    severity: info
    points: 0
    when:
      emotion: {party: caller, at_least: 0.6, for_s: 6, measure: total}
""")
    broken = polite_zh().with_(emotion={"caller": timeline("caller", (40_000, 43_000, 0.9), (60_000, 63_000, 0.7))})
    upset = fired(total.evaluate(broken))["upset"]
    assert [(m.start_ms, m.end_ms) for m in upset] == [(40_000, 43_000), (60_000, 63_000)]
    less = polite_zh().with_(emotion={"caller": timeline("caller", (40_000, 43_000, 0.9), (60_000, 62_000, 0.7))})
    assert fired(total.evaluate(less)) == {}


def test_caller_agitation_sustained_and_the_apology(rules):
    upset = timeline("caller", (30_000, 50_000, 0.85))
    no_sorry = polite_zh().with_(emotion={"caller": upset})
    result = fired(rules.evaluate(no_sorry))
    assert [(m.start_ms, m.end_ms) for m in result["caller_agitation_sustained"]] == [(30_000, 50_000)]
    assert "no_apology_to_upset_caller" in result
    sorry = polite_zh(turn("agent", 52_000, "非常 抱歉 给 您 带来 不便")).with_(emotion={"caller": upset})
    assert "no_apology_to_upset_caller" not in fired(rules.evaluate(sorry))
    brief = polite_zh().with_(emotion={"caller": timeline("caller", (30_000, 40_000, 0.85))})
    assert "caller_agitation_sustained" not in fired(rules.evaluate(brief))


# ---- characteristics ----------------------------------------------------------------------


def test_long_silence_from_characteristics(rules):
    silences = [{"start_ms": 30_000, "end_ms": 42_500, "duration_ms": 12_500},
                {"start_ms": 60_000, "end_ms": 68_000, "duration_ms": 8_000}]
    result = fired(rules.evaluate(polite_zh().with_(characteristics={"non_talk": silences})))
    assert result["long_silence"] == (Match(None, 30_000, 42_500, "silence 12.5 s"),)
    assert "long_silence" not in fired(rules.evaluate(polite_zh().with_(characteristics={"non_talk": silences[1:]})))


@pytest.mark.parametrize("characteristics", [
    {}, {"non_talk": "broken"}, {"non_talk": [{"start_ms": "x"}]}, {"interruptions": None},
    {"talk_speed": {"agent": {"unit": "cpm", "value": None}}}, {"talk_speed": []}, {"talk_speed": {"agent": 3}},
])
def test_missing_or_malformed_characteristics_are_false_never_a_crash(rules, characteristics):
    assert fired(rules.evaluate(polite_zh().with_(characteristics=characteristics))) == {}


def interruption(party: str, start_ms: int) -> dict:
    return {"party": party, "start_ms": start_ms, "end_ms": start_ms + 800, "duration_ms": 800}


def test_interruptions_by_the_agent_more_than_twice(rules):
    three = [interruption("agent", t) for t in (20_000, 30_000, 40_000)]
    result = fired(rules.evaluate(polite_zh().with_(characteristics={"interruptions": three})))
    assert [(m.party, m.start_ms) for m in result["interruptions"]] == [
        ("agent", 20_000), ("agent", 30_000), ("agent", 40_000)]
    assert "interruptions" not in fired(rules.evaluate(polite_zh().with_(characteristics={"interruptions": three[:2]})))
    by_caller = [interruption("caller", t) for t in (20_000, 30_000, 40_000)]
    assert "interruptions" not in fired(rules.evaluate(polite_zh().with_(characteristics={"interruptions": by_caller})))


@pytest.mark.parametrize("unit, value, fires", [
    ("cpm", 350.0, True), ("cpm", 100.0, True), ("cpm", 250.0, False), ("cpm", 320.0, False),
    ("wpm", 90.0, True), ("wpm", 150.0, False), ("wpm", 230.0, True),
])
def test_agent_talk_speed_outside_its_units_range(rules, unit, value, fires):
    speeds = {"talk_speed": {"agent": {"unit": unit, "value": value}, "caller": {"unit": unit, "value": 999.0}},
              "conversation": {"start_ms": AGENT_START, "end_ms": DURATION}}
    result = fired(rules.evaluate(polite_zh().with_(characteristics=speeds)))
    assert ("talk_speed" in result) is fires
    if fires:
        assert result["talk_speed"][0].party == "agent" and result["talk_speed"][0].start_ms == AGENT_START


# ---- facts --------------------------------------------------------------------------------


def test_call_facts(rules):
    assert "repeat_caller" in fired(rules.evaluate(call(agent_start_ms=None, repeat_caller=True)))
    assert "repeat_caller" not in fired(rules.evaluate(call(agent_start_ms=None, repeat_caller=False)))
    assert "ivr_reprompts" in fired(rules.evaluate(call(agent_start_ms=None, reprompts=2)))
    assert "ivr_reprompts" not in fired(rules.evaluate(call(agent_start_ms=None, reprompts=1)))
    assert "complaint_call" in fired(rules.evaluate(call(agent_start_ms=None, intent="complaint")))
    assert "complaint_call" in fired(rules.evaluate(call(agent_start_ms=None, skill="complaints")))
    routine = call(agent_start_ms=None, skill="orders", intent="order_status")
    assert "complaint_call" not in fired(rules.evaluate(routine))


COMBINED = RULES_HEAD + """
  - id: vip_complaint_unsoothed
    title: VIP complaint, no apology
    dimension: risk
    severity: major
    points: -1
    when:
      all:
        - fact: {name: priority, at_least: 80}
        - any:
            - said: {party: caller, phrases: {zh: [投诉], en: [complaint]}}
            - fact: {name: path, contains: complaints_menu}
        - not:
            said: {party: agent, phrases: {zh: [抱歉], en: [sorry]}}
"""


@pytest.mark.parametrize("priority, caller, path, agent, fires", [
    (90, "我 要 投诉", (), "好的", True),
    (90, "查 订单", ("main", "complaints_menu"), "好的", True),  # any: the other branch
    (90, "查 订单", ("main",), "好的", False),  # neither branch of any
    (50, "我 要 投诉", (), "好的", False),  # all: priority too low
    (90, "我 要 投诉", (), "非常 抱歉", False),  # not: the agent apologised
])
def test_all_any_not(priority, caller, path, agent, fires):
    rules = parse_rules(COMBINED)
    analysis = call(turn("caller", 12_000, caller), turn("agent", 20_000, agent), priority=priority, path=path)
    result = fired(rules.evaluate(analysis))
    assert ("vip_complaint_unsoothed" in result) is fires
    if fires:
        said = [m for m in result["vip_complaint_unsoothed"] if m.party == "caller"]
        assert said == ([Match("caller", 12_800, 13_150, "投诉")] if caller.endswith("投诉") else [])


# ---- follow-ups ---------------------------------------------------------------------------


def test_promise_due_from_its_words(rules):
    analysis = polite_zh(turn("agent", 40_000, "我们 二十四 小时 内 给 您 回复"), turn("agent", 60_000, "我们 会 尽快 处理"))
    outcome = rules.evaluate(analysis)
    promises = [f for f in outcome.followups if f.kind == "promise"]
    # said when the promise's first word was: 二十四 is the second word (400 ms in)
    assert [(f.said_at_ms, f.due_in_s, f.party, f.category) for f in promises] == [
        (40_400, 40 + 24 * 3600, "agent", "promise_made"),
        (60_000, 60 + 24 * 3600, "agent", "promise_made"),  # no time named: the category's default (24 h)
    ]
    assert promises[0].text == "我们 二十四 小时 内 给 您 回复"
    soon = polite_zh(turn("agent", 40_000, "我们 会 尽快 处理 两个 小时 内 给 您 回电"))
    (promise,) = rules.evaluate(soon).followups
    assert promise.due_in_s == 40 + 2 * 3600  # one follow-up per turn, due when the turn says


def test_english_promise_and_calendar_words_with_a_clock(rules):
    analysis = call(turn("agent", 11_000, "hello"), turn("agent", 30_000, "I'll call you back tomorrow"),
                    turn("agent", 50_000, "we will look into it within three business days"),
                    turn("agent", 110_000, "goodbye"), locale="en-US")
    outcome = rules.evaluate(analysis)
    # the second promise starts at its 6th word, "within" (52 s)
    assert [(f.said_at_ms, f.due_in_s) for f in outcome.followups] == [(30_000, 30 + 86_400), (52_000, 52 + 5 * 86_400)]
    friday_10am = datetime(2026, 12, 4, 10, 0, 0)  # a Friday
    timed = rules.evaluate(analysis, started_at=friday_10am)
    # due at wall-clock times, counted from the call's start: tomorrow is Saturday 18:00 (32 h on),
    # three business days Wednesday 18:00 (128 h on: the weekend is skipped)
    assert [f.due_in_s for f in timed.followups] == [32 * 3600, 128 * 3600]


def test_complaint_sla_24_h_or_2_h_when_urgent(rules):
    ordinary = polite_zh(turn("caller", 15_000, "我 要 投诉 你们 的 快递"))
    (sla,) = rules.evaluate(ordinary).followups
    assert (sla.kind, sla.party, sla.said_at_ms, sla.due_in_s, sla.category) == (
        "complaint_sla", "caller", 15_000, 15 + 24 * 3600, "complaint_call")
    threat = polite_zh(turn("caller", 15_000, "我 要 投诉"), turn("caller", 20_000, "我 要 找 媒体 曝光"))
    (urgent,) = rules.evaluate(threat).followups
    assert urgent.due_in_s == 15 + 2 * 3600 and urgent.text.startswith("urgent:") and "曝光" in urgent.text
    safety = PartyEmotion("caller", (EmotionPoint(16_000, 18_000, 0.5, "distressed"),))
    distressed = ordinary.with_(emotion={"caller": safety})
    assert rules.evaluate(distressed).followups[0].due_in_s == 15 + 2 * 3600
    lawyer = call(turn("caller", 15_000, "I want to complain my lawyer will hear about this"), locale="en-US",
                  agent_start_ms=None)
    assert rules.evaluate(lawyer).followups[0].due_in_s == 15 + 2 * 3600


def test_a_fact_only_complaint_still_gets_its_sla(rules):
    (sla,) = rules.evaluate(call(agent_start_ms=None, intent="complaint")).followups
    assert (sla.said_at_ms, sla.due_in_s, sla.party) == (0, 24 * 3600, None)


# ---- what the rules listen for ------------------------------------------------------------

PLAN_AGENT_ZH = ["您好", "很高兴为您服务", "请问有什么可以帮您", "欢迎致电", "感谢您的来电", "祝您生活愉快", "再见",
                 "还有其他可以帮您的吗", "不知道", "不归我管", "你自己看", "没办法", "听不懂吗", "爱买不买",
                 "我说了多少遍了", "你怎么这么笨", "二十四小时内给您回复", "明天给您回电", "我们会尽快处理",
                 "稍后给您回电", "三个工作日内", "非常抱歉", "给您带来不便"]
PLAN_AGENT_EN = ["hello", "thank you for calling", "how can I help you", "welcome to", "have a nice day", "goodbye",
                 "is there anything else", "I don't know", "not my problem", "calm down", "that's not my job",
                 "whatever", "you should have read", "I'll call you back tomorrow", "we will call you back",
                 "within twenty four hours", "within three business days", "I'll get back to you", "I'm sorry",
                 "sorry for the inconvenience"]


def test_phrases_per_party_and_language(rules):
    agent_zh, agent_en = rules.phrases("agent", "zh"), rules.phrases("agent", "en-US")
    assert set(PLAN_AGENT_ZH) <= set(agent_zh) and set(PLAN_AGENT_EN) <= set(agent_en)
    assert len(agent_zh) == len(set(agent_zh)) and len(agent_en) == len(set(agent_en))
    assert agent_en.count("thank you for calling") == 1  # greeting and closing share it
    assert "不知道您" in agent_zh  # the exception is spotted too, or its 不知道 would read as a taboo
    caller_zh, caller_en = rules.phrases("caller", "zh"), rules.phrases("caller", "en")
    assert {"投诉", "投诉你们", "我要投诉", "经理", "曝光"} <= set(caller_zh)
    assert {"complaint", "I want to complain", "manager", "lawyer"} <= set(caller_en)
    assert not set(caller_zh) & set(PLAN_AGENT_ZH)
    assert rules.phrases("ivr", "zh") == []


def test_category_phrases_and_the_greeting_predicate(rules):
    assert rules.category_phrases("missing_greeting", "zh-CN") == ["您好", "很高兴为您服务", "请问有什么可以帮您", "欢迎致电"]
    assert rules.category_phrases("service_taboo", "zh")[:2] == ["不知道", "不归我管"]
    assert "不知道您" not in rules.category_phrases("service_taboo", "zh")
    assert rules.matches_phrase("missing_greeting", "很 高兴 为 您 服务", "zh")
    assert rules.matches_phrase("missing_greeting", "Thank you for calling", "en")
    assert not rules.matches_phrase("missing_greeting", "请 稍等", "zh")
    assert not rules.matches_phrase("service_taboo", "不知道 您 方便 吗", "zh")
    assert rules.is_greeting("欢迎 致电 京东", "zh") and not rules.is_greeting("再见", "zh")
    with pytest.raises(KeyError, match="no category 'nope'"):
        rules.category_phrases("nope", "zh")


def test_shipped_path_is_the_package_file():
    assert shipped_rules_path() == Path(__file__).resolve().parents[2] / "qa" / "rules.yaml"
