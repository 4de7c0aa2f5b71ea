"""Conversation characteristics: known answers on hand-built analyses."""

from __future__ import annotations

import json

import pytest

from qa.analysis import CallAnalysis, CallFacts, EmotionPoint, PartyEmotion, Turn
from qa.characteristics import compute_characteristics, merge_spans, quarter_bounds


def turn(party: str, start: int, end: int, text: str = "") -> Turn:
    return Turn(party=party, start_ms=start, end_ms=end, text=text)


def analysis(turns, *, duration: int = 60000, agent_start: int | None = None, mode: str = "transcript",
             locale: str = "zh-CN", emotion: dict | None = None) -> CallAnalysis:
    return CallAnalysis(call_sid="CA1", recording_sid="RE1", mode=mode, model="test", duration_ms=duration,
                        turns=tuple(turns), emotion=emotion or {}, facts=CallFacts(locale=locale),
                        agent_start_ms=agent_start)


def test_the_dict_has_the_planned_keys_and_is_json():
    result = compute_characteristics(analysis([turn("ivr", 0, 4000, "欢迎致电"), turn("caller", 5000, 6000, "一")],
                                              agent_start=8000, duration=20000))
    assert set(result) == {"total_ms", "conversation", "talk_ms", "non_talk", "non_talk_ms", "interruptions",
                           "talk_speed", "time_to_greeting_ms", "emotion_by_quarter"}
    assert result["total_ms"] == 20000
    assert result["conversation"] == {"start_ms": 8000, "end_ms": 20000}
    assert json.loads(json.dumps(result)) == result


def test_talk_time_counts_a_partys_overlapping_turns_once():
    result = compute_characteristics(analysis([
        turn("caller", 0, 2000), turn("caller", 1500, 3000), turn("caller", 3000, 3500),  # touching joins
        turn("agent", 4000, 5000), turn("agent", 4200, 4800),                              # inside another
        turn("caller", 4500, 5500),                                                         # other party: own time
    ], agent_start=3800))
    assert result["talk_ms"] == {"caller": 3500 + 1000, "agent": 1000, "ivr": 0}


def test_merge_spans():
    assert merge_spans([(5, 9), (0, 3), (2, 4), (9, 10), (12, 12)]) == [(0, 4), (5, 10)]


def test_non_talk_gaps_just_under_and_over_the_threshold():
    result = compute_characteristics(analysis([
        turn("ivr", 0, 2000, "欢迎致电"),     # before the conversation: its silence is not counted
        turn("agent", 10000, 12000, "您好"),
        turn("caller", 14999, 16000),          # gap 2999 ms: under
        turn("agent", 19001, 20000),           # gap 3001 ms: over
        turn("caller", 20000, 27000),          # ends 3000 ms before the end: exactly the threshold
    ], agent_start=10000, duration=30000))
    assert result["non_talk"] == [{"start_ms": 16000, "end_ms": 19001, "duration_ms": 3001},
                                  {"start_ms": 27000, "end_ms": 30000, "duration_ms": 3000}]
    assert result["non_talk_ms"] == 6001
    higher = compute_characteristics(analysis([turn("agent", 10000, 12000), turn("caller", 14999, 16000),
                                               turn("agent", 19001, 20000), turn("caller", 20000, 27000)],
                                              agent_start=10000, duration=30000), non_talk_min_ms=3002)
    assert higher["non_talk"] == [] and higher["non_talk_ms"] == 0


def test_silence_at_the_start_of_the_conversation_counts():
    # the agent picked up and said nothing for 5 s
    result = compute_characteristics(analysis([turn("ivr", 0, 9000), turn("agent", 15000, 16000)],
                                              agent_start=10000, duration=16000))
    assert result["non_talk"] == [{"start_ms": 10000, "end_ms": 15000, "duration_ms": 5000}]


def test_without_an_agent_the_ivr_talks_and_the_whole_call_is_the_window():
    result = compute_characteristics(analysis([turn("ivr", 0, 5000, "欢迎致电"), turn("caller", 9000, 10000)],
                                              duration=12000))
    assert result["conversation"] == {"start_ms": None, "end_ms": 12000}
    assert result["non_talk"] == [{"start_ms": 5000, "end_ms": 9000, "duration_ms": 4000}]
    assert result["talk_ms"] == {"caller": 1000, "agent": 0, "ivr": 5000}


def test_interruptions_by_each_party_and_plain_turn_taking():
    result = compute_characteristics(analysis([
        turn("caller", 0, 3000), turn("agent", 2500, 4000),       # agent cuts in, overlap 500
        turn("agent", 5000, 8000), turn("caller", 7800, 9000),    # overlap 200: back-channel, not counted
        turn("caller", 10000, 12000), turn("agent", 11000, 11500),  # agent talks over, wholly inside: 500
        turn("agent", 12000, 13000),                               # starts as the caller stops: turn-taking
        turn("agent", 14000, 18000), turn("caller", 15000, 16000),  # caller cuts in: 1000
        turn("caller", 20000, 21000), turn("agent", 20000, 21000),  # same instant: nobody interrupts
        turn("caller", 22000, 23000), turn("caller", 22500, 24000),  # a party never interrupts itself
    ], agent_start=0, duration=30000))
    assert result["interruptions"] == [
        {"party": "agent", "start_ms": 2500, "end_ms": 3000, "duration_ms": 500},
        {"party": "agent", "start_ms": 11000, "end_ms": 11500, "duration_ms": 500},
        {"party": "caller", "start_ms": 15000, "end_ms": 16000, "duration_ms": 1000},
    ]
    looser = compute_characteristics(analysis([turn("agent", 5000, 8000), turn("caller", 7800, 9000)],
                                              agent_start=0), overlap_min_ms=200)
    assert looser["interruptions"] == [{"party": "caller", "start_ms": 7800, "end_ms": 8000, "duration_ms": 200}]


def test_ivr_prompts_are_never_interrupted():
    result = compute_characteristics(analysis([turn("ivr", 0, 5000), turn("caller", 1000, 3000)], duration=6000))
    assert result["interruptions"] == []


def test_characters_per_minute_for_mandarin():
    result = compute_characteristics(analysis([
        turn("caller", 0, 6000, "我要投诉，你们的服务太差了！"),   # 12 Han characters
        turn("caller", 10000, 13000, "我 的 订单 号"),            # 5: Vosk's spaces don't count
        turn("caller", 20000, 30000, ""),                        # heard, not recognised: talk, no speed
    ], agent_start=0))
    assert result["talk_ms"]["caller"] == 19000
    assert result["talk_speed"]["caller"] == {"unit": "cpm", "value": round(17 / (9000 / 60000), 1)}
    assert result["talk_speed"]["caller"]["value"] == 113.3


def test_words_per_minute_for_english_by_majority():
    result = compute_characteristics(analysis([
        turn("agent", 0, 3000, "Thank you for calling, how can I help you?"),  # 9 words
        turn("agent", 5000, 6000, "I don't know."),                            # 3 ("don't" is one)
        turn("agent", 8000, 9000, "好的"),                                      # the minority: left out
    ], agent_start=0))
    assert result["talk_speed"]["agent"] == {"unit": "wpm", "value": 180.0}


def test_the_locale_breaks_a_tie_and_no_text_has_no_speed():
    zh = compute_characteristics(analysis([turn("caller", 0, 60000, "好的"), turn("caller", 70000, 130000, "OK")],
                                          duration=130000, locale="zh-CN"))
    assert zh["talk_speed"]["caller"] == {"unit": "cpm", "value": 2.0}
    en = compute_characteristics(analysis([turn("caller", 0, 60000, "好的"), turn("caller", 70000, 130000, "OK")],
                                          duration=130000, locale="en-US"))
    assert en["talk_speed"]["caller"] == {"unit": "wpm", "value": 1.0}
    silent = compute_characteristics(analysis([turn("caller", 0, 5000, "")], locale="en-US"))
    assert silent["talk_speed"] == {"caller": {"unit": "wpm", "value": None}, "agent": {"unit": "wpm", "value": None}}


def test_spotting_mode_has_no_talk_speed():
    result = compute_characteristics(analysis([turn("caller", 0, 5000, "投诉"), turn("caller", 6000, 9000, "")],
                                              mode="spotting"))
    assert result["talk_speed"]["caller"] == {"unit": "cpm", "value": None, "reason": "spotting"}
    assert result["talk_ms"]["caller"] == 8000


def test_time_to_greeting_with_a_predicate():
    turns = [turn("ivr", 0, 4000, "欢迎致电"), turn("agent", 6000, 7000, "嗯"),
             turn("agent", 7500, 9000, "您好，很高兴为您服务"), turn("agent", 20000, 21000, "您好")]
    greets = lambda text: "您好" in text or "很高兴为您服务" in text  # noqa: E731
    assert compute_characteristics(analysis(turns, agent_start=5000), is_greeting=greets)["time_to_greeting_ms"] == 2500
    assert compute_characteristics(analysis(turns, agent_start=5000))["time_to_greeting_ms"] is None
    assert compute_characteristics(analysis(turns[:2], agent_start=5000),
                                   is_greeting=greets)["time_to_greeting_ms"] is None
    # the IVR's welcome is no agent greeting
    assert compute_characteristics(analysis(turns[:1]), is_greeting=lambda t: True)["time_to_greeting_ms"] is None


def point(t0: int, t1: int, agitation: float | None) -> EmotionPoint:
    return EmotionPoint(t0, t1, agitation, None if agitation is None else "calm")


def test_emotion_by_quarter_of_the_conversation():
    caller = PartyEmotion("caller", points=(
        point(0, 2000, 1.0),            # before the agent answered: outside the conversation
        point(10000, 12000, 0.2), point(12000, 14000, 0.4),   # first quarter: mean 0.3
        point(30000, 32000, None),      # not scored: the third quarter stays None
        point(48000, 50000, 0.9),
    ))
    agent = PartyEmotion("agent", points=(point(19000, 21500, 0.5),))  # midpoint 20250: second quarter
    result = compute_characteristics(analysis([], agent_start=10000, duration=50000,
                                              emotion={"caller": caller, "agent": agent}))
    assert result["emotion_by_quarter"] == {"caller": [0.3, None, None, 0.9], "agent": [None, 0.5, None, None]}
    assert quarter_bounds(10000, 50000) == [(10000, 20000), (20000, 30000), (30000, 40000), (40000, 50000)]


def test_emotion_by_quarter_without_an_agent_uses_the_whole_call():
    caller = PartyEmotion("caller", points=(point(0, 2000, 1.0), point(7000, 8000, 0.5)))
    result = compute_characteristics(analysis([], duration=8000, emotion={"caller": caller}))
    assert result["emotion_by_quarter"] == {"caller": [1.0, None, None, 0.5], "agent": [None] * 4}


def test_bad_thresholds_are_refused():
    with pytest.raises(ValueError, match="must be >= 0"):
        compute_characteristics(analysis([]), non_talk_min_ms=-1)
