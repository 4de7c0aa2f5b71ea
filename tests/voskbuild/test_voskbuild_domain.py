"""The domain corpus: callers' requests as words the model knows, and the bigram over them."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest

from voskbuild import UNK, parse_phrase_list
from voskbuild.domain import bigram_fst_text, domain_corpus, segment, transcript
from voskbuild.errors import VoskBuildError

MENU = parse_phrase_list("退货\n还没到\norder status\n")


def test_mandarin_is_segmented_with_menu_phrases_whole_and_numbers_digit_by_digit():
    assert segment("我的快递怎么还没到", ("还没到",)) == ("我", "的", "快递", "怎么", "还没到")
    assert segment("订单尾号 3 9 二一", ()) [-4:] == ("三", "九", "二", "一")
    assert segment("I was charged 2 times") == ("i", "was", "charged", "two", "times")


def test_vocabulary_holds_words_said_twice_and_the_rest_is_unk():
    corpus = domain_corpus(["我的快递怎么还没到", "快递到了吗", "i was charged twice", "charged again"], MENU)
    assert {"快递", "charged", "一", "yes"} <= set(corpus.vocabulary)  # digits and yes/no always
    assert "怎么" not in corpus.vocabulary and "twice" not in corpus.vocabulary
    texts = dict(corpus.transcripts("en"))
    assert texts["i was charged twice"] == (UNK, "charged", UNK)
    assert transcript(["a", "b", "c"], {"b"}) == (UNK, "b", UNK)
    with pytest.raises(VoskBuildError, match="no sentences"):
        domain_corpus(["bonjour tout le monde"], MENU, langs=("zh",))


def _arcs(text: str):
    out, finals = defaultdict(list), {}
    for line in text.strip().splitlines():
        f = line.split()
        if len(f) == 2:
            finals[int(f[0])] = float(f[1])
        else:
            out[int(f[0])].append((int(f[1]), int(f[2]), float(f[4])))
    return out, finals


def test_the_bigram_is_a_proper_backoff_model():
    words = ["my", "package", "is", "late", UNK, "refund"]
    ids = {w: i + 1 for i, w in enumerate(words)}
    text = bigram_fst_text([["my", "package", "is", "late"], ["my", "package", UNK]], words, ids.__getitem__)
    arcs, finals = _arcs(text)
    assert text.startswith("1 ")  # the sentence start is the start state
    # the backoff state's words and end of sentence share probability 1, "refund" (never said) included
    total = sum(math.exp(-w) for _, _, w in arcs[0]) + math.exp(-finals[0])
    assert total == pytest.approx(1.0, abs=1e-4)  # weights are written with 5 decimals
    assert any(label == ids["refund"] for _, label, _ in arcs[0])
    # after "my": "package" most likely, and an epsilon backoff for the rest
    after_my = {label: w for _, label, w in arcs[2 + words.index("my")]}
    assert after_my[ids["package"]] < after_my[0]
    with pytest.raises(VoskBuildError):
        bigram_fst_text([["bonjour"]], words, ids.__getitem__)
