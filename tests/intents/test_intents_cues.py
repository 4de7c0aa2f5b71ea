"""Cue words: the words of callers' requests that point to the intents a menu option leads to."""

from __future__ import annotations

from ivr.intents import Example
from ivr.intents.cues import MAX_PER_OPTION, CueWords


def _ex(intent: str, text: str, lang: str = "en") -> Example:
    return Example(intent=intent, lang=lang, text=text)


EXAMPLES = [
    *(_ex("payment_issue", t) for t in ("i was charged twice", "charged two times for one order",
                                        "why was my card charged again", "the payment failed")),
    *(_ex("order_status", t) for t in ("where is my order", "my order is late", "was my order shipped")),
    *(_ex("delivery_delay", t, "zh") for t in ("我的快递怎么还没到", "快递三天了还没送", "快递太慢了")),
    _ex("order_status", "我想查一下订单", "zh"),
]


def test_a_word_said_mostly_for_an_intent_is_its_cue():
    cues = CueWords.from_examples(EXAMPLES)
    assert cues.for_intents({"payment_issue"}, "en") == ("charged",)
    assert cues.for_intents({"order_status"}, "en") == ()  # "order" is said for payments too
    # order + my + was: said for both intents, so a cue of them together only
    assert {"order", "was"} <= set(cues.for_intents({"payment_issue", "order_status"}, "en"))


def test_mandarin_cues_are_character_strings_of_two_to_four():
    cues = CueWords.from_examples(EXAMPLES).for_intents({"delivery_delay"}, "zh")
    assert "快递" in cues and "还没" not in cues  # 还没 is said twice only
    assert all(2 <= len(c) <= 4 for c in cues)
    # a word said for other business too often is no cue: 3 of 5 sentences is under the precision
    mixed = CueWords.from_examples(EXAMPLES + [_ex("other", "快递员态度还行", "zh"), _ex("other", "我是快递员", "zh")])
    assert "快递" not in mixed.for_intents({"delivery_delay"}, "zh")


def test_no_intents_no_cues_and_a_cap_per_option():
    cues = CueWords.from_examples(EXAMPLES)
    assert cues.for_intents(set(), "en") == () and cues.for_intents({"payment_issue"}, "fr") == ()
    many = CueWords.from_examples(_ex("complaint", f"word{i} extra{i}") for i in range(MAX_PER_OPTION) for _ in range(3))
    assert len(many.for_intents({"complaint"}, "en")) == MAX_PER_OPTION
