from __future__ import annotations

from pathlib import Path

import pytest

from voskbuild import VoskBuildError, load_phrases, parse_flow, parse_phrase_list

ROOT = Path(__file__).resolve().parents[2]


def test_plain_list_classifies_by_script_and_tag():
    ps = parse_phrase_list("退货\n# comment\n\nOrder Status!\nen: can't log in\nzh: 查询订单\n退货\n")
    assert ps.zh == ("退货", "查询订单")
    assert ps.en == ("order status", "can't log in")


def test_flow_file_collects_every_option_with_node_groups():
    ps = load_phrases(ROOT / "flows" / "950618.yaml")
    assert "退货" in ps.zh and "order status" in ps.en
    groups = dict(ps.groups)
    assert "global_options" in groups and "人工客服" in groups["global_options"]
    assert "nodes.main" in groups and "订单" in groups["nodes.main"]
    # "English" listed under zh-CN is still spoken (and recognised) as an English word
    assert "english" in ps.en and "english" not in ps.zh


def test_flow_phrases_mapping_shapes():
    ps = parse_flow("nodes:\n  m:\n    options:\n      - phrases: {zh-CN: 退货, en-US: [refund]}\n")
    assert ps.zh == ("退货",) and ps.en == ("refund",)
    assert dict(ps.groups) == {"nodes.m": ("退货", "refund")}


def test_flow_options_keep_their_synonyms_together():
    ps = parse_flow("nodes:\n  m:\n    options:\n      - phrases: {zh-CN: [退货, 我要退货], en-US: [return, returns]}\n"
                    "      - phrases: {zh-CN: [退款], en-US: [refund]}\n")
    assert ps.options == (("退货", "我要退货", "return", "returns"), ("退款", "refund"))
    assert ps.restricted(["en"]).options == (("return", "returns"), ("refund",))
    assert parse_phrase_list("退货\nrefund\n").options == ()


@pytest.mark.parametrize("text, message", [
    ("nodes: [unclosed", "not valid YAML"),
    ("nodes: {}\n", "no 'phrases'"),
    ("nodes:\n  m:\n    phrases: {zh-CN: {a: 1}}\n", "expected a list"),
])
def test_bad_flow_gives_one_clear_error(text, message):
    with pytest.raises(VoskBuildError, match=message):
        parse_flow(text)


def test_empty_list_and_missing_file(tmp_path):
    with pytest.raises(VoskBuildError, match="no phrases"):
        parse_phrase_list("# nothing\n\n")
    with pytest.raises(VoskBuildError, match="cannot read"):
        load_phrases(tmp_path / "missing.txt")
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9\n".encode("latin-1"))
    with pytest.raises(VoskBuildError, match="cannot read"):
        load_phrases(bad)
