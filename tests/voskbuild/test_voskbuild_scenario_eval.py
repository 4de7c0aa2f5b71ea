"""``hotline models eval MODEL_DIR SCENARIO...``: a built model scored on synth call scenarios.

Scoring is tested on hand-made outcomes; the end-to-end run (real rendering, real vosk on the
shipped model, which is retrained from time to time) is checked for structure and for consistency
with that scoring, never for what vosk recognised.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from voskbuild import PhraseSet, phrases_from_metadata, read_metadata
from voskbuild.scenario_eval import channel_stats, expected_phrases, report, turn_outcome, turn_row

MENU = PhraseSet(zh=("退货", "我要退货", "订单", "plus会员"), en=("return", "make a complaint", "complaint", "agent"))

CALL_ZH = """\
call_id: zh-call
seed: 4
turns:
  - say: 我要退货
    lang: zh
    voice: espeak:cmn
  - dtmf: "1"
  - say: 今天天气怎么样
    lang: zh
    voice: espeak:cmn
"""

CALL_EN = """\
call_id: en-call
seed: 9
noise: {kind: pink, snr_db: 30}
turns:
  - say: Make a complaint, please.
    lang: en
    voice: flite:rms
  - silence: 0.3
  - say: the weather is nice today
    lang: en
    voice: espeak:en-us
"""

STAT_KEYS = {"turns", "keyword_turns", "hits", "hit_rate", "non_keyword_turns", "false_accepts", "false_accept_rate"}


# -- pure scoring ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("您好，我要退货！", "zh", ("退货", "我要退货")),  # Mandarin: substrings, model order
    ("我想办PLUS会员", "zh", ("plus会员",)),  # normalised (lower-cased) before matching
    ("今天天气怎么样", "zh", ()),
    ("Make a COMPLAINT, please.", "en", ("make a complaint", "complaint")),
    ("I returned it to the agent's desk", "en", ()),  # English: whole words only
    ("return", "en", ("return",)),
    ("return 退货", "zh", ("退货",)),  # only the turn's language
])
def test_expected_phrases(text, lang, expected):
    assert expected_phrases(text, lang, MENU) == expected


@pytest.mark.parametrize(("expected", "recognised", "outcome"), [
    (("退货", "我要退货"), "我要退货", "hit"),
    (("退货", "我要退货"), "退货 订单", "hit"),  # contains an expected phrase as a word
    (("make a complaint",), "[unk] make a complaint [unk]", "hit"),
    (("make a complaint",), "complaint", "miss"),
    (("make a complaint",), "a complaint make", "miss"),  # words, but not in sequence
    (("return",), "returns", "miss"),  # not a whole word
    (("agent",), "", "miss"),
    (("agent",), "[unk]", "miss"),
    ((), "", "rejected"),
    ((), "[unk] [unk]", "rejected"),
    ((), "[unk] refund", "false_accept"),
])
def test_turn_outcome(expected, recognised, outcome):
    assert turn_outcome(expected, recognised) == outcome


def test_stats_count_non_keyword_turns_into_the_false_accept_denominator():
    rows = [
        turn_row(1, "zh", "我要退货", ("退货", "我要退货"), {"phone": "我要退货", "wide": "订单"}),
        turn_row(2, "zh", "今天天气怎么样", (), {"phone": "[unk]", "wide": "退货"}),
        turn_row(3, "zh", "天气", (), {"phone": "", "wide": ""}),
    ]
    assert rows[0]["wide"] == {"recognised": "订单", "outcome": "miss", "ok": False}
    assert rows[1]["phone"] == {"recognised": "", "outcome": "rejected", "ok": True}
    assert rows[1]["wide"]["ok"] is False
    assert channel_stats(rows, "phone") == {"turns": 3, "keyword_turns": 1, "hits": 1, "hit_rate": 1.0,
                                            "non_keyword_turns": 2, "false_accepts": 0, "false_accept_rate": 0.0}
    assert channel_stats(rows, "wide") == {"turns": 3, "keyword_turns": 1, "hits": 0, "hit_rate": 0.0,
                                           "non_keyword_turns": 2, "false_accepts": 1, "false_accept_rate": 0.5}
    out = report([{"file": "a.yaml", "turns": rows[:1]}, {"file": "b.yaml", "turns": rows[1:]}])
    assert out["scenarios"][0]["phone"]["false_accept_rate"] is None  # no non-keyword turn there
    assert out["scenarios"][1]["wide"]["hit_rate"] is None
    assert out["overall"]["wide"] == channel_stats(rows, "wide")


# -- end to end on the shipped model --------------------------------------------------------------


def _invoke(args: list[str]):
    from ivr.cli.models_build import evaluate

    return CliRunner().invoke(evaluate, args)


@pytest.fixture(scope="module")
def scenario_files(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("scenarios")
    (d / "zh.yaml").write_text(CALL_ZH, encoding="utf-8")
    (d / "en.yaml").write_text(CALL_EN, encoding="utf-8")
    return d / "zh.yaml", d / "en.yaml"


@pytest.fixture(scope="module")
def evaluated(shipped_model, scenario_files) -> dict:
    result = _invoke([str(shipped_model), *map(str, scenario_files)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_report_structure(evaluated, scenario_files):
    assert "heldout" not in evaluated  # skipped unless --heldout
    assert [s["file"] for s in evaluated["scenarios"]] == [str(f) for f in scenario_files]
    assert [(s["call_id"], s["seed"]) for s in evaluated["scenarios"]] == [("zh-call", 4), ("en-call", 9)]
    for part in [*evaluated["scenarios"], evaluated["overall"]]:
        for channel in ("phone", "wide"):
            assert set(part[channel]) == STAT_KEYS
    # speech turns only, numbered as in the scenario (the DTMF / silence turns are not scored)
    assert [[t["turn"] for t in s["turns"]] for s in evaluated["scenarios"]] == [[1, 3], [1, 3]]
    for channel in ("phone", "wide"):
        overall = evaluated["overall"][channel]
        assert (overall["turns"], overall["keyword_turns"], overall["non_keyword_turns"]) == (4, 2, 2)


def test_expected_phrases_come_from_the_model(evaluated, shipped_model):
    zh_menu = read_metadata(shipped_model)["phrases"]["zh"]
    first, weather = evaluated["scenarios"][0]["turns"]
    assert "我要退货" in first["expected"]
    assert set(first["expected"]) == {p for p in zh_menu if p in "我要退货"}
    assert weather["expected"] == []
    complaint, _ = evaluated["scenarios"][1]["turns"]
    assert {"make a complaint", "complaint"} <= set(complaint["expected"])


def test_turns_are_scored_consistently(evaluated, shipped_model):
    phrases = phrases_from_metadata(read_metadata(shipped_model))
    for scenario in evaluated["scenarios"]:
        for channel in ("phone", "wide"):
            assert scenario[channel] == channel_stats(scenario["turns"], channel)
            assert scenario[channel]["non_keyword_turns"] == 1
        for turn in scenario["turns"]:
            menu_words = {w for p in phrases.for_lang(turn["lang"]) for w in p.split()}
            for channel in ("phone", "wide"):
                heard = turn[channel]
                assert set(heard["recognised"].split()) <= menu_words  # the grammar was the turn's menu
                assert heard["outcome"] == turn_outcome(turn["expected"], heard["recognised"])
                assert heard["ok"] == (heard["outcome"] in ("hit", "rejected"))
                if not turn["expected"]:
                    assert heard["outcome"] in ("rejected", "false_accept")


@pytest.mark.parametrize(("name", "content"), [
    ("missing.yaml", None),
    ("broken.yaml", "turns:\n  - say: hi\n   lang: [en\n"),
    ("invalid.yaml", "turns: []\n"),
    ("novoice.yaml", "turns:\n  - say: hello\n    lang: en\n    voice: espeak:no-such-voice\n"),
])
def test_bad_scenario_is_one_error_line(shipped_model, scenario_files, tmp_path, capfd, name, content):
    bad = tmp_path / name
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    result = _invoke([str(shipped_model), str(scenario_files[0]), str(bad)])
    assert result.exit_code == 2
    assert result.output == ""  # no partial report
    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and str(bad) in errors[0], errors
