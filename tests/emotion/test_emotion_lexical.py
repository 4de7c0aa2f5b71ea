"""Lexical cues (zh, en) and their fusion with prosody."""

from __future__ import annotations

import pytest

from emotion import find_cues, find_cues_en, find_cues_zh
from emotion.fusion import LexicalState, fuse, window_label


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我要投诉你们，这已经是第三次了，找你们领导！", [("投诉", "complaint"), ("第三次", "complaint"), ("找你们领导", "escalation")]),
        ("我不生气，谢谢你", [("谢谢", "positive")]),
        ("没投诉过", []),
        ("我真的不想活了", [("不想活了", "safety")]),
        ("这个操作怎么做", []),
        ("他妈的，什么态度", [("他妈的", "profanity"), ("什么态度", "complaint")]),
    ],
)
def test_zh_cues(text, expected):
    assert [(h.phrase, h.category) for h in find_cues_zh(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This is ridiculous, I want your supervisor.", [("ridiculous", "complaint"), ("supervisor", "escalation")]),
        ("It's not a complaint, thank you so much!", [("thank you so much", "positive")]),
        ("I don't want to kill myself", [("kill myself", "safety")]),
        ("Can you help me track the parcel", [("help me", "safety")]),
        ("The superb service", []),
    ],
)
def test_en_cues(text, expected):
    assert [(h.phrase, h.category) for h in find_cues_en(text)] == expected


def test_hit_times_follow_position_in_turn():
    hits = find_cues("ok ok ok ok ok ok ok ok this is unacceptable", start=10.0, end=20.0)
    assert hits[0].time == pytest.approx(10.0 + 10.0 * 10 / 11, abs=0.01)
    assert find_cues("投诉")[0].lang == "zh"
    with pytest.raises(ValueError, match="zh"):
        find_cues("bonjour", lang="fr")


def test_negativity_decays_with_half_life():
    lex = LexicalState()
    lex.add(find_cues("this is ridiculous", start=0.0, end=0.0))
    assert lex.negativity(0.0) == pytest.approx(0.632, abs=0.01)
    assert lex.negativity(20.0) == pytest.approx(1 - 2.718281828 ** -0.5, abs=0.01)
    assert lex.negativity(-1.0) == 0.0


def test_fusion_needs_voice_and_words_to_agree():
    assert fuse(0.9, 0.0, False, has_transcript=False) == 0.9
    calm_words = fuse(0.9, 0.0, False, has_transcript=True)
    angry_words = fuse(0.9, 0.86, False, has_transcript=True)
    assert calm_words < angry_words <= 1.0
    assert fuse(0.9, 0.0, True, has_transcript=True) == pytest.approx(0.45)
    assert fuse(None, 0.63, False, True) == pytest.approx(0.315)
    assert fuse(None, 0.0, False, True) is None


@pytest.mark.parametrize(
    ("args", "label"),
    [
        ((False, 0.1, 0.0, True, False), "distressed"),
        ((True, 0.9, 0.0, False, False), "agitated"),
        ((True, 0.45, 0.0, False, True), "tense"),
        ((False, 0.5, 0.0, False, False), "tense"),
        ((False, 0.1, 0.7, False, False), "tense"),
        ((False, 0.1, 0.0, False, False), "calm"),
        ((False, None, 0.0, False, False), None),
    ],
)
def test_window_labels(args, label):
    assert window_label(*args) == label
