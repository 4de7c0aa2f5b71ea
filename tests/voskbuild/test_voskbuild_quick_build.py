"""CI builds a small model from a fixed seed (--quick) and decodes held-out speech with the real vosk."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from voskbuild import UNK, Case, cases_for, decode, parse_phrase_list, read_metadata, summarize
from voskbuild.data import plan_test, render
from voskbuild.speech import HELDOUT_VARIANTS

PHRASES = Path(__file__).resolve().parent / "data" / "phrases.txt"


def test_quick_model_has_vosk_files_and_metadata(quick_model):
    for rel in ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf", "graph/HCLr.fst", "graph/Gr.fst",
                "graph/disambig_tid.int", "graph/words.txt", "graph/phones/word_boundary.int", "README"):
        assert (quick_model / rel).is_file(), rel
    assert not (quick_model / "graph" / "HCLG.fst").exists()  # a static HCLG would disable grammars
    meta = read_metadata(quick_model)
    assert meta["phrases"]["zh"][:2] == ["退货", "查询订单"] and "order status" in meta["phrases"]["en"]
    assert meta["seed"] == 7 and meta["sample_rate"] == 16000
    assert "--frame-subsampling-factor=3" in (quick_model / "conf" / "model.conf").read_text()


def test_quick_model_knows_its_spotting_set(quick_model):
    """--extra-phrases: the phrases are words of the model (multi-word ones as compounds), in a group
    of their own, and the metadata says where they came from."""
    meta = read_metadata(quick_model)
    assert meta["groups"]["spot:qa.agent"] == ["您好", "thank you for calling", "i'm sorry"]
    assert meta["groups"]["menu"][:2] == ["退货", "查询订单"]  # the plain list became one menu group
    words = (quick_model / "graph" / "words.txt").read_text(encoding="utf-8").split()
    assert {"您好", "thank_you_for_calling", "i'm_sorry"} <= set(words)
    sets = {s["set"]: s for s in meta["phrase_sets"]}
    assert sets["menu"]["kind"] == "phrase_list" and sets["menu"]["path"].endswith("phrases.txt")
    assert sets["qa.agent"]["phrases"] == 3 and sets["qa.agent"]["path"][0].endswith("spot_phrases.tsv")
    assert "qa.agent: 3 phrases" in (quick_model / "README").read_text(encoding="utf-8")


def _heldout(per_phrase=3):
    phrases = parse_phrase_list(PHRASES.read_text(encoding="utf-8"))
    plan = plan_test(phrases, ("zh", "en"), HELDOUT_VARIANTS, seed=11, per_phrase=per_phrase, oov={})
    return phrases, [render(s) for s in plan]


def test_vosk_loads_quick_model_and_recognises_heldout_voices(quick_model):
    phrases, rendered = _heldout()
    outcomes, _ = decode(quick_model, cases_for(rendered, phrases, seed=11))
    summary = summarize(outcomes)
    accs = [o.correct for o in outcomes if o.case.rendered.spec.kind == "phrase"]
    assert sum(accs) / len(accs) >= 0.6, summary
    assert summary["false_accept_noise"] <= 0.2, summary


def test_grammar_restricts_what_vosk_can_say(quick_model):
    _, rendered = _heldout(per_phrase=2)
    refund = [r for r in rendered if r.spec.words == ("退货",)]
    assert refund
    cases = [Case(r, ("查询订单", UNK)) for r in refund] + [Case(r, ("退货", UNK)) for r in refund]
    outcomes, _ = decode(quick_model, cases)
    restricted, allowed = outcomes[:len(refund)], outcomes[len(refund):]
    assert all(o.text in ("", "查询订单") for o in restricted)
    assert sum(o.text == "退货" for o in allowed) >= len(refund) // 2


def test_cli_reports_bad_input_with_one_error_line(tmp_path):
    from ivr.cli.models_build import build

    both = CliRunner().invoke(build, ["--phrases", str(PHRASES), "--flow", "x.yaml", "-o", str(tmp_path / "m")])
    assert both.exit_code != 0 and "exactly one of" in both.output
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "voskbuild", "build", "--phrases", str(empty), "-o",
                           str(tmp_path / "m")], capture_output=True, text=True)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == ["Error: no phrases given"]
    proc = subprocess.run([sys.executable, "-m", "voskbuild", "build", "--phrases", str(PHRASES), "--lang", "fr",
                           "-o", str(tmp_path / "m")], capture_output=True, text=True)
    assert proc.returncode != 0 and proc.stderr.startswith("Error: unknown language 'fr'")
    assert not (tmp_path / "m").exists()


def test_eval_command_reports_heldout_accuracy(quick_model):
    from ivr.cli.models_build import evaluate

    result = CliRunner().invoke(evaluate, [str(quick_model), "--per-phrase", "1", "--seed", "3"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert {"false_accept_oov", "false_accept_noise", "real_time_factor", "word_times_within_100ms"} <= set(summary)
    assert any(k.startswith("acc_zh_") for k in summary) and any(k.startswith("acc_en_") for k in summary)
    assert 0.0 <= summary["false_accept_oov"] <= 1.0 and "errors" not in summary


def test_eval_pools_independent_draws_and_keeps_each_draws_rates(quick_model):
    from ivr.cli.models_build import evaluate

    runs = {}
    for draws in (1, 2):
        result = CliRunner().invoke(evaluate, [str(quick_model), "--per-phrase", "1", "--seed", "3",
                                               "--draws", str(draws)])
        assert result.exit_code == 0, result.output
        runs[draws] = json.loads(result.output.strip().splitlines()[-1])
    one, two = runs[1], runs[2]
    assert one["draw_seeds"] == [5] and two["draw_seeds"] == [5, 1005]
    for key in (k for k in two if k.startswith(("acc_", "false_accept_"))):
        assert two["per_draw"][key][0] == one[key]  # the first draw is the one-draw test
        assert min(two["per_draw"][key]) - 1e-4 <= two[key] <= max(two["per_draw"][key]) + 1e-4, key  # pooled
    # each draw says every phrase equally often (on a random channel) and every OOV sentence and noise once
    for kind in ("false_accept_oov", "false_accept_noise"):
        assert two[f"n_{kind}"] == 2 * one[f"n_{kind}"]
    for lang in ("zh", "en"):
        n = {d: sum(r.get(f"n_acc_{lang}_{ch}", 0) for ch in ("phone", "wide")) for d, r in runs.items()}
        assert n[2] == 2 * n[1] > 0
    bad = CliRunner().invoke(evaluate, [str(quick_model), "--draws", "0"])
    assert bad.exit_code != 0 and "--draws" in bad.output


def test_eval_lists_every_misrecognition_on_request(quick_model):
    from ivr.cli.models_build import evaluate

    result = CliRunner().invoke(evaluate, [str(quick_model), "--per-phrase", "1", "--seed", "3", "--errors"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    errors = summary["errors"]
    # as many listed as the rates say: wrong phrases per language and channel, accepted OOV and noise
    # (in the menu's grammars, and apart from them in the spotting grammar)
    assert "false_accept_spot_oov" in summary
    for key, rate in summary.items():
        if key.startswith(("acc_", "false_accept_")):
            spotting = key.startswith("false_accept_spot_")
            kind, lang_channel = ("phrase", key[4:]) if key.startswith("acc_") else (key.split("_")[-1], None)
            listed = [e for e in errors if ((e["kind"] == kind and f"{e['lang']}_{e['channel']}" == lang_channel)
                                            or (lang_channel is None and e["kind"] == kind))
                      and (e.get("grammar") == "spotting") == spotting]
            wrong = (1 - rate) if key.startswith("acc_") else rate
            assert len(listed) == round(wrong * summary[f"n_{key}"]), (key, listed)
    for e in errors:
        assert e["heard"] != e["expected"] and e["voice"] and e["said"] is not None
        assert e["kind"] in ("phrase", "oov", "noise") and e["channel"] in ("wide", "phone")


def test_vosk_applies_the_same_mean_normalisation_the_network_was_trained_on(quick_model, tmp_path):
    """The network was trained on features after online CMN computed in numpy; Vosk computes its own
    from am/global_cmvn.stats. Same normalisation -> good accuracy; without the file Vosk feeds raw
    features and the same network falls apart."""
    import shutil

    assert (quick_model / "am" / "global_cmvn.stats").is_file()
    raw = tmp_path / "raw"
    shutil.copytree(quick_model, raw)
    (raw / "am" / "global_cmvn.stats").unlink()
    phrases, rendered = _heldout(per_phrase=2)
    rendered = [r for r in rendered if r.spec.kind == "phrase"]
    with_cmn, _ = decode(quick_model, cases_for(rendered, phrases, seed=11))
    without, _ = decode(raw, cases_for(rendered, phrases, seed=11))
    acc_with = sum(o.correct for o in with_cmn) / len(with_cmn)
    acc_without = sum(o.correct for o in without) / len(without)
    assert acc_with >= 0.6 and acc_without < acc_with - 0.3, (acc_with, acc_without)


def test_tune_command_rechooses_the_decoder_without_retraining(quick_model, tmp_path):
    """`hotline models tune` tries the full decoder grid on the dev set, writes the winner into the
    model and re-measures it; the network itself is untouched and vosk still loads the model."""
    import shutil

    from ivr.cli.models_build import tune
    from voskbuild.recipe import BuildConfig

    model = tmp_path / "model"
    shutil.copytree(quick_model, model)
    network = lambda: (model / "am" / "final.mdl").read_text(encoding="utf-8").split("<Nnet3>", 1)[1].split("<Priors>")[0]
    weights = network()
    result = CliRunner().invoke(tune, [str(model)])
    assert result.exit_code == 0, result.output
    after = json.loads((model / "hotline-model.json").read_text(encoding="utf-8"))
    grid = {(t.acoustic_scale, t.garbage_boost, t.unk_cost, t.word_cost) for t in BuildConfig().tuning}
    decode = after["decode"]
    assert (decode["acoustic_scale"], decode["garbage_boost"], decode["unk_cost"], decode["word_cost"]) in grid
    # the dev-set measures of the chosen setting are kept next to it
    assert "false_accept_oov" in after["tuning_dev"] and any(k.startswith("acc_") for k in after["tuning_dev"])
    assert any(k.startswith("acc_zh_") for k in after["accuracy"]) and "held-out accuracy" in result.output
    assert network() == weights
    bad = CliRunner().invoke(tune, [str(tmp_path / "missing")])
    assert bad.exit_code == 2


def test_domain_words_and_a_language_model_for_free_speech(quick_model):
    """--domain: the requests' words are words of the model, and without a grammar (the open
    question) a request is heard word by word through the bigram over them."""
    meta = read_metadata(quick_model)
    lm = meta["language_model"]
    assert lm["domain_sentences"] == {"zh": 6, "en": 6} and "i was charged twice" in lm["sentences"]
    words = set((quick_model / "graph" / "words.txt").read_text(encoding="utf-8").split())
    assert {"快递", "密码", "charged", "package"} <= words and "parcel" not in words  # said once: [unk]
    assert "backoff bigram" in (quick_model / "README").read_text(encoding="utf-8")
    from voskbuild.data import UttSpec
    from voskbuild.speech import Voice

    specs = [UttSpec(f"d{i}", lang, text, tuple(text.split()), "domain", Voice(base, "male7"), 150, 50, -6.0, None,
                     "wide", 0.3, 0.4, "zero", i)
             for i, (lang, base, text) in enumerate([("en", "en-us", "where is my package"),
                                                     ("en", "en-us", "my card was charged twice"),
                                                     ("zh", "cmn-latn-pinyin", "我的快递怎么还没到")])]
    outcomes, _ = decode(quick_model, [Case(render(s), None) for s in specs])
    heard = [w for o in outcomes for w in o.text.split()]
    phrase_words = {w for p in meta["phrases"]["zh"] + meta["phrases"]["en"] for w in p.split()}
    assert set(heard) <= words, heard
    # a quick model is weak, but free speech comes out as the requests' words, not as menu phrases
    assert len([w for w in heard if w not in phrase_words]) >= 2, heard
