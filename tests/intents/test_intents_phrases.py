"""Phrase matching against every option of the shipped flow, exact and tolerant."""

from __future__ import annotations

import pytest
from ivr.intents import DataError, LanguageError, PhraseMatcher

LOCALES = ("zh-CN", "en-US")


def _phrases(options_of, nodes, locales=LOCALES):
    """(node, locale, matcher, key, phrase) for every phrase of every menu node."""
    for node in nodes:
        for locale in locales:
            options = options_of(node, locale)
            matcher = PhraseMatcher(options, locale)
            for key, phrases in options.items():
                for phrase in phrases:
                    yield node, locale, matcher, key, phrase


def _match(options_of, node, locale, said):
    return PhraseMatcher(options_of(node, locale), locale).match(said)


def test_every_phrase_of_every_option_matches_exactly(options_of, menu_nodes):
    checked = 0
    for node, locale, matcher, key, phrase in _phrases(options_of, menu_nodes):
        # as a caller would say it: inside a sentence, in recogniser spacing
        if locale == "zh-CN":
            said = "我 想 " + " ".join(phrase) + " 谢谢"
        else:
            said = f"um i would like {phrase.lower()} please"
        match = matcher.match(said)
        assert match is not None, (node, locale, phrase)
        assert (match.key, match.method, match.score) == (key, "exact", 1.0), (node, phrase, match)
        checked += 1
    assert checked > 150


def test_every_long_mandarin_phrase_survives_a_dropped_syllable(options_of, menu_nodes):
    checked = 0
    for node, _, matcher, key, phrase in _phrases(options_of, menu_nodes, ("zh-CN",)):
        if len(phrase) < 4 or not all("\u4e00" <= ch <= "\u9fff" for ch in phrase):
            continue
        garbled = phrase[:1] + phrase[2:]  # the recogniser lost one character
        match = matcher.match(garbled)
        if match is not None and match.method == "exact":
            continue  # the shortened phrase is itself a phrase of this node
        assert match is not None and match.key == key, (node, phrase, garbled, match)
        assert match.method == "tolerant" and 0 < match.score < 1
        checked += 1
    assert checked >= 5


def test_every_long_english_word_survives_a_typo(options_of, menu_nodes):
    checked = 0
    for node, _, matcher, key, phrase in _phrases(options_of, menu_nodes, ("en-US",)):
        words = phrase.lower().split()
        longest = max(words, key=len)
        if len(longest) < 6:
            continue
        typo = longest[:2] + longest[3:]  # one letter lost
        said = " ".join(typo if w == longest else w for w in words)
        match = matcher.match(said)
        assert match is not None and match.key == key, (node, phrase, said, match)
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize(
    "node, locale, said, key",
    [
        ("main", "zh-CN", "我要开发飘", "3"),  # 票 -> 飘: same syllable, different tone
        ("main", "zh-CN", "我要投素", "7"),  # su for shu: flat-tongue accent
        ("main", "zh-CN", "白跳分七", "4"),  # 白条分期 heard wrong, characters differ
        ("after_sales", "zh-CN", "退活", "1"),
        ("after_sales", "zh-CN", "换 或", "2"),
        ("after_sales", "zh-CN", "帮我修里一下", "3"),
        ("orders", "zh-CN", "我的订单到那了", "1"),
        ("orders", "zh-CN", "我的订单到哪儿了呀", "1"),
        ("orders", "zh-CN", "催催单", "3"),
        ("membership", "zh-CN", "登陆不上", "2"),  # 登陆 for 登录: the classic homophone typo
        ("main", "en-US", "i need an invoyce", "3"),
        ("main", "en-US", "i have a complaint to make", "7"),
        ("after_sales", "en-US", "i need a refunt", "4"),
        ("after_sales", "en-US", "returning an item", "1"),
        ("orders", "en-US", "cancelling the order", "5"),
        ("orders", "en-US", "i want to modify the order", "4"),
        ("orders", "en-US", "it has been delayed for days", "3"),
        ("membership", "en-US", "i cant login", "2"),
        ("presales", "en-US", "any discounts", "2"),
    ],
)
def test_tolerant_matches(options_of, node, locale, said, key):
    match = _match(options_of, node, locale, said)
    assert match is not None and match.key == key, match


@pytest.mark.parametrize(
    "node, locale, said",
    [
        ("main", "zh-CN", "今天天气怎么样"),
        ("main", "zh-CN", "嗯"),
        ("main", "zh-CN", ""),
        ("after_sales", "zh-CN", "我不要退货我要换货"),  # two options equally: ask the classifier
        ("after_sales", "zh-CN", "退"),
        ("orders", "zh-CN", "定"),
        ("main", "en-US", "hello how are you"),
        ("main", "en-US", "the weather is nice"),
        ("main", "en-US", "pie"),  # one letter from "pay": too short to trust
        ("presales", "en-US", "prod"),
        ("after_sales", "en-US", "return or exchange"),
    ],
)
def test_weak_evidence_does_not_match(options_of, node, locale, said):
    assert _match(options_of, node, locale, said) is None


def test_longer_phrase_wins_over_a_phrase_inside_it(options_of):
    matcher = PhraseMatcher(options_of("order_result", "zh-CN"), "zh-CN")
    assert matcher.match("转到订单客服").key == "2"  # not "0" for 客服
    assert matcher.match("客服").key == "0"


def test_bad_options_are_one_clear_error():
    with pytest.raises(DataError, match="must be a list"):
        PhraseMatcher({"1": "订单"}, "zh")
    with pytest.raises(DataError, match="has no words"):
        PhraseMatcher({"1": ["！！"]}, "zh")
    with pytest.raises(LanguageError, match="unsupported language"):
        PhraseMatcher({"1": ["x"]}, "fr")


@pytest.mark.parametrize(
    "node, locale, said, key",
    [
        ("main", "zh-CN", "按二", "2"),
        ("main", "zh-CN", "幺", "1"),  # the telephone reading of 1
        ("main", "zh-CN", "按 衣", "1"),  # same sound as 一
        ("main", "zh-CN", "我选3", "3"),
        ("main", "zh-CN", "井号键", "#"),
        ("main", "en-US", "press two", "2"),
        ("main", "en-US", "option 4", "4"),
        ("main", "en-US", "zero", "0"),
        ("payments", "en-US", "nine please", "9"),
    ],
)
def test_a_key_said_aloud_selects_it(options_of, node, locale, said, key):
    match = _match(options_of, node, locale, said)
    assert match is not None and (match.key, match.method) == (key, "exact")


@pytest.mark.parametrize(
    "node, locale, said",
    [
        ("main", "zh-CN", "订单号一二三"),  # numbers inside a sentence are not key presses
        ("main", "zh-CN", "是"),  # shi, "yes": must not fold into si (4)
        ("payments", "zh-CN", "按三"),  # no key 3 at this node
        ("main", "en-US", "oh"),  # a filler, not zero
        ("main", "en-US", "one two three"),
    ],
)
def test_numbers_that_are_not_key_presses(options_of, node, locale, said):
    match = _match(options_of, node, locale, said)
    assert match is None or match.phrase != said.strip(), match
