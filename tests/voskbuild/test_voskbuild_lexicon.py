from __future__ import annotations

from voskbuild import UNK, build_lexicon, parse_phrase_list
from voskbuild.graph import disambiguate, positional_prons
from voskbuild.lexicon import chinese_pron, english_pron, ipa_to_arpabet
from voskbuild.phones import phone_table


def test_mandarin_initials_and_tonal_finals():
    assert chinese_pron("退货") == ("zh_t", "zh_uei4", "zh_h", "zh_uo4")
    assert chinese_pron("语音") == ("zh_v3", "zh_in1")  # zero-initial y- spellings undone
    assert chinese_pron("去") == ("zh_q", "zh_v4")  # j/q/x + u is ü
    assert chinese_pron("四") == ("zh_s", "zh_ii4") and chinese_pron("吃")[1] == "zh_iii1"
    # Latin inside a Chinese token uses the English lexicon; digits are read in Chinese
    assert chinese_pron("plus会员")[:4] == ("en_P", "en_L", "en_AH", "en_S")
    assert chinese_pron("9") == ("zh_j", "zh_iou3")


def test_english_cmudict_and_g2p_fallback():
    assert english_pron("order") == ("en_AO", "en_R", "en_D", "en_ER")
    assert english_pron("can't")[0] == "en_K"
    baitiao = english_pron("baitiao")  # not in CMUdict: espeak-ng IPA mapped to ARPAbet
    assert baitiao[0] == "en_B" and len(baitiao) >= 4
    assert ipa_to_arpabet("tʃˈeɪndʒ") == ["CH", "EY", "N", "JH"]


def test_lexicon_has_extras_unk_and_shared_inventory():
    lex = build_lexicon(parse_phrase_list("退货\norder status\n"))
    for w in ("退货", "order", "status", "三", "是", "seven", "yes", "no", UNK):
        assert w in lex.prons
    assert lex.prons[UNK] == ("GBG",)
    assert lex.base_phones[:2] == ["SIL", "GBG"]
    assert any(p.startswith("zh_") for p in lex.base_phones) and any(p.startswith("en_") for p in lex.base_phones)


def test_only_requested_languages():
    lex = build_lexicon(parse_phrase_list("退货\norder status\n"), ("en",))
    assert "退货" not in lex.prons and "三" not in lex.prons and "order" in lex.prons


def test_disambiguation_for_homophones_and_prefixes():
    prons = {"a": ("x_B", "y_E"), "b": ("x_B", "y_E"), "c": ("x_B", "y_I", "z_E"), "d": ("q_S",)}
    marks = disambiguate(prons)
    assert marks["d"] == 0 and marks["c"] == 0
    assert sorted([marks["a"], marks["b"]]) == [1, 2]


def test_phone_table_shares_pdfs_and_marks_word_positions():
    lex = build_lexicon(parse_phrase_list("order\n"), ("en",))
    table = phone_table(lex, num_disambig=2)
    pdf = table.pdf_of_phone()
    ids = [table.phone_id(f"en_AO_{p}") for p in "BIES"]
    assert len({pdf[i] for i in ids}) == 1
    assert pdf[table.phone_id("SIL")] == 0
    boundary = dict(line.split() for line in table.word_boundary_int().splitlines())
    assert boundary["1"] == "nonword" and boundary[str(ids[0])] == "begin" and boundary[str(ids[3])] == "singleton"
    assert table.phones_txt().splitlines()[-1] == f"#1 {len(table.phones) + 2}"
    assert positional_prons(lex)["order"] == ("en_AO_B", "en_R_I", "en_D_I", "en_ER_E")


def test_multi_word_phrases_are_also_one_compound_word():
    lex = build_lexicon(parse_phrase_list("退货\norder status\nmain menu\nrefund\n"))
    assert lex.prons["order_status"] == lex.prons["order"] + lex.prons["status"]
    assert lex.prons["main_menu"] == lex.prons["main"] + lex.prons["menu"]
    # the single words stay (plain Vosk grammars, free text); one-word phrases get no compound
    assert {"order", "status", "main", "menu", "refund", "退货"} <= set(lex.prons)
    assert not [w for w in lex.prons if "_" in w and w not in ("order_status", "main_menu")]
    # same phones, same pdfs: a network trained without compounds still fits the graph
    assert lex.base_phones == build_lexicon(parse_phrase_list("退货\norder\nstatus\nmain\nmenu\nrefund\n")).base_phones
