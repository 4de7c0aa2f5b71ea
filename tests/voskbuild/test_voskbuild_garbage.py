"""Per-language garbage phones: Mandarin and English out-of-menu speech each train their own phone
behind ``[unk]``, and each phone gets its own decoding bonus."""

from __future__ import annotations

import dataclasses

import numpy as np

from voskbuild import parse_phrase_list
from voskbuild.align import flat_start
from voskbuild.data import plan_test
from voskbuild.export import DecodeConfig
from voskbuild.graph import disambiguate, lexicon_fst_text, positional_prons, WordTable
from voskbuild.lexicon import GBG, GBG_ZH, SIL, UNK, build_lexicon
from voskbuild.nnet import NnetParams
from voskbuild.phones import phone_table
from voskbuild.recipe import Tuning, _pdf_prons, _utterance_prons, boost_garbage, choose_tuning

PHRASES = parse_phrase_list("退货\n人工客服\nrefund\nmake a complaint\n")


def test_a_bilingual_lexicon_has_a_garbage_phone_per_language():
    both = build_lexicon(PHRASES, ("zh", "en"))
    assert both.bilingual and both.base_phones[:3] == [SIL, GBG, GBG_ZH]
    assert both.garbage == {"zh": GBG_ZH, "en": GBG}
    zh_only = build_lexicon(PHRASES, ("zh",))
    assert not zh_only.bilingual and GBG_ZH not in zh_only.base_phones
    assert zh_only.garbage["zh"] == GBG


def test_unk_may_be_either_garbage_phone_in_the_lexicon_fst():
    lexicon = build_lexicon(PHRASES, ("zh", "en"))
    disambig = disambiguate(positional_prons(lexicon))
    table = phone_table(lexicon, max(disambig.values()) + 1)
    words = WordTable(tuple(lexicon.words))
    arcs = [line.split() for line in lexicon_fst_text(lexicon, table, words, disambig).splitlines()]
    unk_phones = {int(a[2]) for a in arcs if len(a) >= 4 and int(a[3]) == words.word_id(UNK)}
    assert unk_phones == {table.phone_id(f"{GBG}_S"), table.phone_id(f"{GBG_ZH}_S")}


def test_unk_is_labelled_with_the_garbage_phone_of_the_utterances_language():
    lexicon = build_lexicon(PHRASES, ("zh", "en"))
    pdfs = _pdf_prons(lexicon)
    plan = plan_test(PHRASES, ("zh", "en"), ("",), seed=1, per_phrase=1, oov={"zh": ["今天天气很好"],
                                                                              "en": ["the weather is nice"]})
    by_lang = {s.lang: s for s in plan if s.kind == "oov"}
    for lang, phone in (("zh", GBG_ZH), ("en", GBG)):
        prons = _utterance_prons(by_lang[lang], pdfs, lexicon)
        assert prons == [(lexicon.base_phones.index(phone),)]
    labels = flat_start(100, (10, 90), [(5,), (lexicon.base_phones.index(GBG_ZH),)], sil_pdf=0,
                        garbage_pdf=frozenset({1, 2}))
    # a garbage unit takes four times the frames of a phone
    assert np.sum(labels == 2) == 4 * np.sum(labels == 5)


def test_each_garbage_phone_gets_its_own_bonus():
    lexicon = build_lexicon(PHRASES, ("zh", "en"))
    n = len(lexicon.base_phones)
    priors = np.full(n, 1.0 / n)
    nnet = NnetParams((0,), 2, (np.ones((n, 2)),), (np.zeros(n),), priors)
    t = Tuning(0.3, 2.0, garbage_boost_zh=3.0)
    assert t.boosts(lexicon) == {GBG: 2.0, GBG_ZH: 3.0}
    assert Tuning(0.3, 2.0).boosts(lexicon) == {GBG: 2.0, GBG_ZH: 2.0}
    boosted = boost_garbage(nnet, lexicon, t.boosts(lexicon)).priors
    ratio = np.log(boosted / boosted[0])  # relative to SIL, which keeps its prior
    assert np.allclose(ratio[[1, 2]], [-2.0, -3.0]) and np.allclose(ratio[3:], 0.0)


def test_tuning_takes_each_languages_best_bonus_within_a_group():
    config = DecodeConfig()

    def entry(boost, word_cost, zh, en):
        t = Tuning(0.3, boost, word_cost=word_cost)
        return t, dataclasses.replace(config, acoustic_scale=0.3), {"zh": zh, "en": en}, {"zh": {"acc": zh},
                                                                                           "en": {"acc": en}}

    scored = [entry(2.0, 0.0, 0.70, 0.90), entry(2.5, 0.0, 0.80, 0.85), entry(3.0, 0.0, 0.95, 0.60),
              entry(2.5, 2.0, 0.85, 0.80)]
    t, _, dev = choose_tuning(scored, ("zh", "en"), bilingual=True)
    assert (t.garbage_boost, t.garbage_boost_zh, t.word_cost) == (2.0, 3.0, 0.0)
    assert dev == {"zh_acc": 0.95, "en_acc": 0.90}
    # one language: the candidate with the best score, no separate Mandarin bonus
    t, _, _ = choose_tuning(scored, ("zh",), bilingual=False)
    assert (t.garbage_boost, t.garbage_boost_zh) == (3.0, None)
