"""Training material: out-of-menu sentences, voices of every engine, speed perturbation, parallel rendering."""

from __future__ import annotations

import collections
import dataclasses

import numpy as np
import pytest

from voskbuild import Case, Outcome, PhraseSet, VoskBuildError, parse_phrase_list, summarize
from voskbuild.corpus import OOV_TEST, out_of_menu, read_sentences
from voskbuild.data import PlanSizes, Rendered, plan_test, plan_utterances, render
from voskbuild.recipe import _featurised
from voskbuild.speech import Voice, say, voices

PHRASES = parse_phrase_list("退货\n查询订单\n人工客服\norder status\nmake a complaint\nrefund\n")


def test_out_of_menu_keeps_sentences_sharing_no_menu_word():
    kept = out_of_menu([
        "我想退货可以吗",          # the phrase itself
        "这个订单怎么还没来",      # a content character of a phrase (订, 单)
        "你们周末休息吗",          # nothing of the menu
        "喂喂",                    # too short to be a sentence
        "where is my refund",      # an English phrase word
        "the status page is down",  # a content word of a phrase (status)
        "i want to complain today",  # the same stem as a phrase word (complaint)
        "这个能退吗",              # one content character (退)
        "is the museum open today",
        "i want a cake",           # function words only are shared ("a")
        OOV_TEST["en"][0],         # reserved for measuring false accepts
    ], PHRASES)
    assert kept == {"zh": ("你们周末休息吗",), "en": ("is the museum open today", "i want a cake")}


def test_read_sentences_takes_the_text_column_and_skips_comments(tmp_path):
    tsv = tmp_path / "corpus.tsv"
    tsv.write_text("# intent\tlang\ttext\norder_status\ten\tWhere's my parcel?\n\nother\tzh\t你好，在吗\n",
                   encoding="utf-8")
    assert read_sentences(tsv) == ["where's my parcel", "你好 在吗"]
    with pytest.raises(VoskBuildError, match="cannot read sentences"):
        read_sentences(tmp_path / "missing.txt")


def test_extra_out_of_menu_sentences_are_sampled_once_each_as_unk():
    extra = {"en": tuple(f"sentence number {w}" for w in "abcdefghij"), "zh": ()}
    sizes = PlanSizes(renditions=1, digit_seqs=0, oov_per_sentence=0, noise_utts=0, extra_oov_per_lang=4)
    plan = plan_utterances(PHRASES, ("en",), ("",), sizes, seed=1, oov={}, extra_oov=extra)
    spoken = [s.text for s in plan if s.kind == "oov"]
    assert len(spoken) == len(set(spoken)) == 4 and set(spoken) <= set(extra["en"])
    assert all(s.words == ("[unk]",) for s in plan if s.kind == "oov")


def test_few_voice_engines_still_get_their_share_of_utterances():
    sizes = PlanSizes(renditions=40, digit_seqs=0, oov_per_sentence=0, noise_utts=0)
    plan = plan_utterances(PHRASES, ("en",), ("", "male1", "female2", "klatt"), sizes, seed=3, oov={},
                           flite=("slt",), synth_voices={"en": ("festival:kal_diphone",)})
    share = collections.Counter(s.voice.engine for s in plan)
    n = sum(share.values())
    # 12 espeak voices against 1 flite and 1 festival voice, yet ~55 / 20 / 25 % of the utterances
    assert abs(share["espeak"] / n - 0.55) < 0.08 and abs(share["flite"] / n - 0.2) < 0.08
    assert abs(share["synth"] / n - 0.25) < 0.08
    assert Voice("festival:kal_diphone", engine="synth") in voices("en", ("",), (), ("festival:kal_diphone",))


def test_synth_voices_speak_through_the_synth_package():
    audio = say("refund", "en", Voice("festival:kal_diphone", engine="synth"), speed=160, pitch=50)
    assert audio.dtype == np.int16 and 0.2 < len(audio) / 16000 < 1.5
    assert np.sqrt(np.mean(audio.astype(np.float64) ** 2)) > 300
    with pytest.raises(VoskBuildError, match="no-such-voice"):
        say("refund", "en", Voice("festival:no-such-voice", engine="synth"))


def test_trim_leaves_out_the_vocoder_noise_around_clustergen_speech():
    """flite's slt wraps "coupon" in ~0.2 s of low noise that crosses the old fixed threshold; the
    speech region must start where the speech does, and espeak's clean edges must stay put."""
    from voskbuild.augment import trim

    noisy = say("coupon", "en", Voice("slt", engine="flite"))
    start, end = trim(noisy)
    level = lambda a, b: np.sqrt(np.mean(noisy[a:b].astype(np.float64) ** 2))
    assert start / 16000 > 0.1 and level(0, start) < 0.02 * level(start, end)
    fixed = np.flatnonzero(np.abs(noisy.astype(np.int32)) > 40)
    assert fixed[0] < start - 1600  # the fixed threshold alone would keep >= 0.1 s of noise
    clean = say("coupon", "en", Voice("en-us"))
    onset = np.flatnonzero(np.abs(clean.astype(np.int32)) > 40)
    s2, e2 = trim(clean)
    assert abs(s2 - onset[0]) <= 160 and abs(e2 - onset[-1] - 1) <= 160
    assert trim(np.zeros(1600, np.int16)) == (0, 0)


def test_speed_perturbation_shortens_the_speech_by_its_factor():
    spec = plan_test(PHRASES, ("en",), ("",), seed=5, per_phrase=1, oov={})[0]
    spec = dataclasses.replace(spec, snr_db=None, channel="wide", silence="zero")
    plain = render(spec)
    faster = render(dataclasses.replace(spec, warp=1.1))
    ratio = (faster.speech_end - faster.speech_start) / (plain.speech_end - plain.speech_start)
    assert ratio == pytest.approx(1 / 1.1, abs=0.02)


def test_parallel_rendering_gives_the_same_features_as_serial():
    sizes = PlanSizes(renditions=2, digit_seqs=1, oov_per_sentence=0, noise_utts=2, warp_share=0.5)
    plan = plan_utterances(PHRASES, ("zh", "en"), ("", "male2"), sizes, seed=9, oov={})[:10]
    serial = list(_featurised(plan, 1))
    parallel = list(_featurised(plan, 2))
    assert any(s.warp != 1.0 for s in plan)
    for (fa, ra, sa), (fb, rb, sb) in zip(serial, parallel, strict=True):
        assert np.array_equal(fa, fb) and ra == rb and sa == sb


def _outcome(reference: str, heard: str, grammar: tuple[str, ...]):
    spec = dataclasses.replace(plan_test(PHRASES, ("en",), ("",), seed=1, per_phrase=1, oov={})[0],
                               words=tuple(reference.split()), text=reference, channel="wide")
    return Outcome(Case(Rendered(spec, np.zeros(160, dtype=np.int16), 0.0, 0.01), grammar), heard)


def test_option_accuracy_counts_a_synonym_of_the_same_option_in_the_active_menu():
    # main menu: "return" and "refund" both lead to after-sales; the after-sales menu tells them apart
    phrases = PhraseSet(en=("return", "returns", "refund", "payment"),
                        options=(("售后", "return", "returns", "refund"), ("return", "returns"), ("refund",),
                                 ("payment",)))
    main = ("return", "returns", "refund", "payment", "[unk]")
    after_sales = ("return", "returns", "refund", "[unk]")
    assert _outcome("return", "returns", main).selects_same_option(phrases.options)
    assert _outcome("return", "refund", main).selects_same_option(phrases.options)
    assert not _outcome("return", "refund", after_sales).selects_same_option(phrases.options[1:])
    assert _outcome("return", "returns", after_sales).selects_same_option(phrases.options[1:])
    assert not _outcome("return", "payment", main).selects_same_option(phrases.options)
    assert not _outcome("return", "", main).selects_same_option(phrases.options)
    summary = summarize([_outcome("return", "returns", main), _outcome("payment", "payment", main)], phrases)
    assert summary["acc_en_wide"] == 0.5 and summary["option_acc_en_wide"] == 1.0
