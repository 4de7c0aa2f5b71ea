"""The built-in model models/hotline-950618 on held-out synthetic voices (never trained on), with
each menu node's grammar active, through the 8 kHz mu-law telephone channel and wideband."""

from __future__ import annotations

import json

import numpy as np

from pathlib import Path

from voskbuild import (UNK, Case, decode, load_phrases, phrases_from_metadata, read_metadata, summarize,
                       word_time_errors)

ROOT = Path(__file__).resolve().parents[2]

# floors a little under what this test measured for the shipped model (phone / wide: zh 100 / 99 %,
# en 85 / 84 %, option accuracy en 87 / 87 %, out-of-menu false accepts 3 %, with the QA rules'
# phrases among the phrases; see its README and hotline-model.json);
# Vosk dithers, so a rerun moves by about one utterance. The targets (95 % phrase accuracy,
# 5 % false accepts) are met for Mandarin accuracy and false accepts: English (flite rms above all)
# is the weak spot
MIN_PHONE_ACCURACY = {"zh": 0.95, "en": 0.76}
MIN_WIDE_ACCURACY = {"zh": 0.95, "en": 0.80}
MIN_OPTION_ACCURACY = {"zh": 0.95, "en": 0.80}
MAX_OOV_FALSE_ACCEPT = 0.1
MAX_NOISE_FALSE_ACCEPT = 0.1
# the menu and the QA rules' spotting sets apart (telephone; measured: menu zh 100 %, en 85 %; agent
# phrases zh 100 %, en 84 % of 25; caller phrases zh 100 %, en 83 % of 12, so one miss is 8 points),
# and the spotting grammars' false accepts on other talk (measured 4 % of 160)
MIN_SET_ACCURACY = {
    "menu": {"acc_zh_phone": 0.95, "acc_en_phone": 0.76},
    "qa.agent": {"acc_zh_phone": 0.9, "acc_en_phone": 0.72},
    "qa.caller": {"acc_zh_phone": 0.85, "acc_en_phone": 0.6},
}
MAX_SPOT_FALSE_ACCEPT = 0.1


def _by(outcomes, **spec):
    return [o for o in outcomes if all(getattr(o.case.rendered.spec, k) == v for k, v in spec.items())]


def _accuracy(outcomes):
    return float(np.mean([o.correct for o in outcomes]))


def test_shipped_model_metadata_describes_the_flow(shipped_model):
    flow = load_phrases(ROOT / "flows" / "950618.yaml")
    meta = read_metadata(shipped_model)
    assert meta["name"] == "hotline-950618" and meta["languages"] == ["zh", "en"]
    # the flow is still being edited: most of its phrases must be in the model (rebuild it as README's
    # "Building a command model" says: `hotline models build --flow flows/950618.yaml --qa-rules qa/rules.yaml ...`)
    flow_phrases = set(flow.zh) | set(flow.en)
    known = set(meta["phrases"]["zh"]) | set(meta["phrases"]["en"])
    assert len(flow_phrases & known) >= 0.9 * len(flow_phrases), sorted(flow_phrases - known)
    assert meta["accuracy"]["acc_zh_phone"] > 0 and UNK in meta["words"]
    size = sum(f.stat().st_size for f in shipped_model.rglob("*") if f.is_file())
    assert size < 8 * 2**20


def test_telephone_accuracy_per_language(shipped_outcomes):
    outcomes, _ = shipped_outcomes
    for lang, floor in MIN_PHONE_ACCURACY.items():
        cases = _by(outcomes, lang=lang, kind="phrase", channel="phone")
        assert len(cases) >= 50
        assert _accuracy(cases) >= floor, (lang, _accuracy(cases), summarize(outcomes))


def test_wideband_accuracy_per_language(shipped_outcomes):
    outcomes, _ = shipped_outcomes
    for lang, floor in MIN_WIDE_ACCURACY.items():
        cases = _by(outcomes, lang=lang, kind="phrase", channel="wide")
        assert _accuracy(cases) >= floor, (lang, _accuracy(cases), summarize(outcomes))


def test_a_misheard_synonym_still_selects_the_callers_option(shipped_model, shipped_outcomes):
    """Option accuracy (what the caller gets: "payments" for "payment" is the same menu choice) stays
    above its floor on both channels."""
    outcomes, _ = shipped_outcomes
    phrases = phrases_from_metadata(read_metadata(shipped_model))
    assert phrases.options, "the metadata keeps each option's synonyms"
    summary = summarize(outcomes, phrases)
    for lang in ("zh", "en"):
        for channel in ("phone", "wide"):
            assert summary[f"option_acc_{lang}_{channel}"] >= MIN_OPTION_ACCURACY[lang], summary


def test_out_of_menu_speech_and_noise_are_rejected(shipped_outcomes):
    outcomes, _ = shipped_outcomes
    oov, noise = _by(outcomes, kind="oov"), _by(outcomes, kind="noise")
    assert len(oov) >= 20 and len(noise) >= 10
    assert np.mean([bool(o.text) for o in oov]) <= MAX_OOV_FALSE_ACCEPT
    assert np.mean([bool(o.text) for o in noise]) <= MAX_NOISE_FALSE_ACCEPT


def test_word_times_lie_inside_the_speech(shipped_outcomes):
    outcomes, _ = shipped_outcomes
    errs = word_time_errors(outcomes)
    assert len(errs) >= 100
    assert np.mean([e <= 0.1 for e in errs]) >= 0.95


def test_what_is_heard_is_whole_phrases_of_the_grammar(shipped_outcomes):
    """Vosk makes a grammar into a bigram over words, which would let "menu" out of "main menu" alone;
    the model's compound words keep every phrase whole, so each word heard is a phrase of the grammar."""
    outcomes, _ = shipped_outcomes
    heard = [(w["word"], o.case.grammar) for o in outcomes for w in o.words if w["word"] != UNK]
    assert len(heard) >= 300
    assert [(w, g) for w, g in heard if w not in g] == []
    assert any(" " in w for w, _ in heard)  # multi-word phrases came through, as one word each


def test_runtime_grammar_is_applied(shipped_model, heldout_950618):
    _, cases = heldout_950618
    refund = [c.rendered for c in cases if c.rendered.spec.words == ("退货",)]
    exchange = [c.rendered for c in cases if c.rendered.spec.words == ("换货",)]
    grammar = ("退货", UNK)
    outcomes, _ = decode(shipped_model, [Case(r, grammar) for r in refund + exchange])
    assert all(o.text in ("", "退货") for o in outcomes)  # nothing outside the grammar comes out
    assert all(o.text == "退货" for o in outcomes[:len(refund)])
    assert json.dumps(grammar, ensure_ascii=False) == '["退货", "[unk]"]'


def test_menu_and_spotting_sets_each_keep_their_accuracy(shipped_model, shipped_outcomes):
    """The QA rules' phrases (each in its party's spotting grammar) are heard as well as the menu's,
    and learning them did not cost the menu its accuracy."""
    from voskbuild.evaluate import by_phrase_set

    outcomes, _ = shipped_outcomes
    sets = by_phrase_set(outcomes, phrases_from_metadata(read_metadata(shipped_model)))
    assert set(sets) == {"menu", "qa.agent", "qa.caller"}
    for name, floors in MIN_SET_ACCURACY.items():
        for key, floor in floors.items():
            assert sets[name][key] >= floor, (name, key, sets[name])


def test_spotting_grammars_reject_other_talk(shipped_spotting_outcomes):
    """An agent talks mostly outside the QA phrases: chit-chat, noise and the agent's other sentences
    decoded in a spotting grammar are heard as nothing but [unk]."""
    talk = [o for o in shipped_spotting_outcomes if o.case.rendered.spec.kind == "oov"]
    noise = [o for o in shipped_spotting_outcomes if o.case.rendered.spec.kind == "noise"]
    assert len(talk) >= 150 and len(noise) >= 20
    assert all(o.case.grammar[-1] == UNK for o in talk)
    assert np.mean([bool(o.text) for o in talk]) <= MAX_SPOT_FALSE_ACCEPT, [
        (o.case.rendered.spec.text, o.text) for o in talk if o.text]
    assert np.mean([bool(o.text) for o in noise]) <= MAX_NOISE_FALSE_ACCEPT


def test_the_documented_build_command_plans_what_the_shipped_model_trained_on(shipped_model):
    """README's command for the shipped model (``--voices classic --oov train_*.tsv``, seed 950618)
    says every utterance the shipped model was trained on: the same count, voices and out-of-menu
    sentences as its metadata records. The default voice set (with the neural voices) does not."""
    from voskbuild.corpus import read_sentences
    from voskbuild.recipe import BuildConfig, _voice_summary, training_plan

    meta = read_metadata(shipped_model)
    phrases = phrases_from_metadata(meta)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("hotline models build --flow flows/950618.yaml --qa-rules")
    command = readme[start:readme.index("\nhotline", start + 1)]  # with its continuation lines
    assert "--voices classic" in command and "-o models/hotline-950618" in command
    oov = [f for f in ("ivr/intents/data/train_zh.tsv", "ivr/intents/data/train_en.tsv") if f"--oov {f}" in command]
    assert len(oov) == 2, command
    extra = tuple(s for f in oov for s in read_sentences(ROOT / f))
    config = BuildConfig(seed=meta["seed"], extra_oov=extra)
    for voices, same in ((config.with_classic_voices(), True), (config, False)):
        _, _, plan = training_plan(phrases.restricted(voices.langs), voices, progress=lambda m: None)
        training = meta["training"]
        assert len(plan) == training["utterances"]
        assert sum(s.kind == "oov" for s in plan) == training["out_of_menu_utterances"]
        assert (_voice_summary(plan) == training["voices"]) is same
