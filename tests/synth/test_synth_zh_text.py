"""The Mandarin front-end on text alone: what a caller would say."""

from __future__ import annotations

import pytest

from synth.zh_text import (decimal_to_zh, digits_to_zh, int_to_zh, normalize_zh, split_segments, time_to_zh,
                           to_pinyin)


@pytest.mark.parametrize("n, spoken", [
    (0, "零"), (7, "七"), (10, "十"), (15, "十五"), (20, "二十"), (105, "一百零五"), (110, "一百一十"),
    (1234, "一千二百三十四"), (1004, "一千零四"), (10000, "一万"), (20005, "二万零五"), (100010, "十万零一十"),
    (123456789, "一亿二千三百四十五万六千七百八十九"),
])
def test_cardinals(n, spoken):
    assert int_to_zh(n) == spoken


def test_digit_strings_use_yao_for_one():
    assert digits_to_zh("13812345678") == "幺三八幺二三四五六七八"
    assert digits_to_zh("2023", yao=False) == "二零二三"
    assert decimal_to_zh("3.50") == "三点五零"


@pytest.mark.parametrize("text, spoken", [
    ("我的手机号是13812345678", "我的手机号是幺三八幺二三四五六七八"),
    ("请拨打110", "请拨打幺幺零"),  # a short number after a calling word is still read digit by digit
    ("订单号是9876512", "订单号是九八七六五幺二"),
    ("工号：123", "工号，幺二三"),
    ("尾号1234的卡", "尾号幺二三四的卡"),
    ("买了1234元的东西", "买了一千二百三十四元的东西"),  # a quantity with its unit stays a number
    ("等了3天", "等了三天"),
    ("要2个", "要两个"),
    ("2023年3月5日", "二零二三年三月五日"),
])
def test_numbers_read_like_a_caller(text, spoken):
    assert normalize_zh(text).text == spoken


@pytest.mark.parametrize("text, spoken", [
    ("10:30到", "十点三十分到"), ("9:05", "九点零五分"), ("14:00", "十四点整"), ("2:15", "两点十五分"),
    ("１０：３０", "十点三十分"),  # full-width digits and colon
])
def test_times(text, spoken):
    assert normalize_zh(text).text == spoken


def test_time_rejects_impossible_clock():
    with pytest.raises(ValueError):
        time_to_zh(25, 0)


@pytest.mark.parametrize("text, spoken", [
    ("¥100", "一百元"), ("￥12.5", "十二点五元"), ("$3", "三美元"), ("¥2", "两元"), ("打50%的折", "打百分之五十的折"),
])
def test_amounts_keep_their_currency(text, spoken):
    assert normalize_zh(text).text == spoken


def test_ascii_and_other_punctuation_become_pause_marks():
    assert normalize_zh("请问,你好.在吗!好的?").text == "请问，你好。在吗！好的？"
    assert normalize_zh("好的；明白：谢谢……").text == "好的，明白，谢谢。"
    assert normalize_zh("“你好”（先生）").text == "你好先生"  # quotes and brackets: silent, no warning
    assert normalize_zh("，，你好！！。").text == "你好！"  # runs collapse to one mark; leading marks dropped


def test_latin_tokens_spelt_or_dropped_with_warning():
    out = normalize_zh("我家WiFi连不上，OK吗")
    assert out.text == "我家连不上，欧开吗"
    assert any("WiFi" in w for w in out.warnings)
    assert normalize_zh("会员VIP").text == "会员维艾屁"
    assert normalize_zh("A12345").text == "诶幺二三四五"


def test_unsupported_characters_dropped_with_warning():
    out = normalize_zh("好😀的#")
    assert out.text == "好的"
    assert len(out.warnings) == 2 and "😀" in out.warnings[0]


def test_segments_carry_pauses():
    segs = split_segments(normalize_zh("您好，我要退货。谢谢！").text)
    assert [(s.text, s.pause_s) for s in segs] == [("您好", 0.15), ("我要退货", 0.3), ("谢谢", 0.3)]
    assert split_segments("甲、乙")[0].pause_s == 0.12


def test_long_text_split_under_the_limit():
    segs = split_segments("我" * 95 + "。", max_chars=40)
    assert [len(s.text) for s in segs] == [32, 32, 31]
    assert [s.pause_s for s in segs] == [0.0, 0.0, 0.3]
    with pytest.raises(ValueError):
        split_segments("我", max_chars=0)


def test_pinyin_has_tone_numbers_and_neutral_five():
    assert to_pinyin("我想退货了") == "wo3 xiang3 tui4 huo4 le5"
