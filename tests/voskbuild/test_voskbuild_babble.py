"""Word-salad garbage sentences: drawn from the whole dictionary, never with the sound of a known word."""

from __future__ import annotations

import pytest

from voskbuild import VoskBuildError, parse_phrase_list
from voskbuild.babble import babble
from voskbuild.data import PlanSizes, plan_utterances
from voskbuild.lexicon import build_lexicon, chinese_pron, english_pron

PHRASES = parse_phrase_list("退货\n返回\n换货\n人工客服\nrefund\nmake a complaint\npay\n")


@pytest.fixture(scope="module")
def lexicon():
    return build_lexicon(PHRASES)


def _phones(sentence: str, lang: str) -> str:
    """The phones of the sentence as spoken: Mandarin read as one run, English word by word."""
    phones = chinese_pron(sentence) if lang == "zh" else [p for w in sentence.split() for p in english_pron(w)]
    return f" {' '.join(phones)} "


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sentences_never_contain_the_phones_of_a_known_word(lexicon, lang):
    salad = babble(lexicon, lang, 150, seed=7)
    assert len(salad) == len(set(salad)) == 150
    known = [" ".join(p) for w, p in lexicon.prons.items() if w != "[unk]" and len(p) >= 2]
    for sentence in salad:
        phones = _phones(sentence, lang)
        assert not [k for k in known if f" {k} " in phones], sentence
    # words are picked from the whole dictionary: the syllables of menu words still occur in other words
    if lang == "zh":
        menu_chars = set("退货返回换人工客服")
        assert any(menu_chars & set(s) for s in salad)
    else:
        assert all(3 <= len(s.split()) <= 6 for s in salad)


def test_the_same_seed_draws_the_same_sentences(lexicon):
    assert babble(lexicon, "zh", 20, seed=3) == babble(lexicon, "zh", 20, seed=3)
    assert babble(lexicon, "zh", 20, seed=3) != babble(lexicon, "zh", 20, seed=4)
    assert babble(lexicon, "en", 0, seed=3) == ()
    with pytest.raises(VoskBuildError, match="no dictionary"):
        babble(lexicon, "fr", 5, seed=3)


def test_babble_is_planned_once_each_as_unk(lexicon):
    salad = {"zh": babble(lexicon, "zh", 6, seed=1), "en": ()}
    sizes = PlanSizes(renditions=1, digit_seqs=0, oov_per_sentence=0, noise_utts=0)
    plan = plan_utterances(PHRASES, ("zh",), ("",), sizes, seed=1, oov={}, babble=salad)
    spoken = [s for s in plan if s.kind == "oov"]
    assert sorted(s.text for s in spoken) == sorted(salad["zh"])
    assert all(s.words == ("[unk]",) for s in spoken)
