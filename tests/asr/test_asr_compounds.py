"""Compound words: phrases a model knows as one word go to Vosk as that word and come back spelled out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import asr
from asr.compounds import Compounds, compound_word, compounds_in, read_vocabulary

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "models" / "hotline-950618"


def test_compounds_are_words_made_of_vocabulary_words():
    vocab = ["main", "menu", "main_menu", "go", "go_back", "snake_case", "[unk]", "_", "a__b", "a", "b"]
    assert compounds_in(vocab) == {"main_menu": "main menu"}  # go_back: "back" is no word; a__b: empty part


def test_grammar_uses_a_compound_only_where_the_model_has_one():
    c = Compounds({"main_menu": "main menu", "can't_log_in": "can't log in"})
    assert c.grammar(["main menu", "previous menu", "can't log in", "退货", "[unk]"]) == \
        ["main_menu", "previous menu", "can't_log_in", "退货", "[unk]"]
    assert compound_word("  main   menu ") == "main_menu"
    assert Compounds().grammar(["main menu"]) == ["main menu"]  # any other Vosk model: as it was


def test_results_spell_compounds_out_as_one_timed_word():
    c = Compounds({"main_menu": "main menu"})
    raw = asr.RecognitionResult("[unk] main_menu", True, (asr.Word("[unk]", 0.1, 0.3, 0.9),
                                                          asr.Word("main_menu", 0.3, 0.9, 0.8)), 0.1, 0.9, 0.85)
    out = c.result(raw)
    assert out.text == "[unk] main menu"
    assert [(w.text, w.start, w.end, w.conf) for w in out.words] == \
        [("[unk]", 0.1, 0.3, 0.9), ("main menu", 0.3, 0.9, 0.8)]
    assert c.text("snake_case main") == "snake_case main"  # unknown joined words are left alone


def test_the_built_in_model_lists_its_compounds_and_a_model_without_words_txt_none(ko_model):
    model = asr.load_model(str(SHIPPED))
    assert model.compounds.phrases["main_menu"] == "main menu"
    assert model.compounds.phrases["can't_log_in"] == "can't log in"
    assert all(" " in p for p in model.compounds.phrases.values())
    assert ko_model.compounds.phrases == {} and read_vocabulary(ROOT / "no-such-model") == []


@pytest.fixture(scope="module")
def main_menu_speech() -> np.ndarray:
    """"main menu" in a held-out espeak voice, 0.3 s of silence either side, 16 kHz int16."""
    from voskbuild.speech import Voice, say

    speech = say("main menu", "en", Voice("en-us", "male7"), speed=150, pitch=50)
    pad = np.zeros(4800, dtype=np.int16)
    return np.concatenate([pad, speech, pad])


def test_a_stream_hears_the_whole_phrase_through_its_compound(main_menu_speech):
    model = asr.load_model(str(SHIPPED))
    grammar = ["main menu", "previous menu", "go back", "agent"]
    with asr.StreamRecognizer(model, sample_rate=16000, grammar=grammar) as rec:
        finals = [r for r in rec.accept(main_menu_speech) if r.is_final]
        last = rec.finish()
    finals += [last] if last else []
    words = [w for r in finals for w in r.words if w.text != asr.UNK]
    assert " ".join(w.text for w in words) == "main menu"
    assert rec.grammar == grammar + [asr.UNK]  # what was asked for, not the compounds handed to Vosk
    # one timed word covering the spoken phrase (0.3 s of silence before it)
    assert len(words) == 1 and 0.2 <= words[0].start < words[0].end <= len(main_menu_speech) / 16000 - 0.2
