"""Redaction: personal data found in text (real checksums), timed from words, cut from audio."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import soundfile as sf

import qa.redaction as redaction
from qa.analysis import Turn, Word
from qa.redaction import (
    MASKS_EN, MASKS_ZH, PiiSpan, TimedSpan, find_pii, redact_audio, redact_text, redact_turn, redact_wav,
    redacted_words,
)

# ---- real check digits, computed here independently of the module ----------------------


def mod11_2(body17: str) -> str:
    """ISO 7064 MOD 11-2 as GB 11643 states it: weights 2^(17-i) mod 11, check (12 - S mod 11) mod 11."""
    s = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(body17))
    check = (12 - s % 11) % 11
    return "X" if check == 10 else str(check)


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in reversed(number)]
    return sum(d if k % 2 == 0 else sum(divmod(2 * d, 10)) for k, d in enumerate(digits)) % 10 == 0


def luhn_complete(body: str) -> str:
    return next(body + str(d) for d in range(10) if luhn_ok(body + str(d)))


def bad_id(body17: str) -> str:
    """The body with a wrong check digit that is not a valid card either (so nothing should match)."""
    good = mod11_2(body17)
    return next(body17 + c for c in "0123456789X" if c != good and not luhn_ok(body17 + c))


def bad_card(body: str) -> str:
    good = luhn_complete(body)
    return good[:-1] + str((int(good[-1]) + 1) % 10)


ID_BODIES = ["11010519491231002", "44030419900101123", "51010819851111567", "32058319991230001",
             "62010220000229888"]
CARD_BODIES = ["622202123456789012", "622848001234567", "436742123456789", "6225880212345678"]


def test_check_digit_helpers_agree_with_known_numbers():
    # the GB 11643 specimen and a well-known Visa test number
    assert mod11_2("11010519491231002") == "X"
    assert redaction.id_check_digit("11010519491231002") == "X"
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert redaction.luhn_valid("4111111111111111") and not redaction.luhn_valid("4111111111111112")


@pytest.mark.parametrize("body", ID_BODIES)
@pytest.mark.parametrize("template", ["{}", "身份证号是{}谢谢", "ID {} thanks", "{spaced}"])
def test_valid_resident_id_is_redacted(body, template):
    number = body + mod11_2(body)
    text = template.format(number, spaced=f"{number[:6]} {number[6:14]} {number[14:]}")
    spans = find_pii(text)
    assert [(s.kind, s.value) for s in spans] == [("id_card", number)]
    masks = MASKS_ZH if "身份证" in text else MASKS_EN
    assert masks["id_card"] in redact_text(text).text
    assert number[:6] not in redact_text(text).text


@pytest.mark.parametrize("body", ID_BODIES)
def test_id_with_bad_check_digit_is_kept(body):
    text = f"身份证号是{bad_id(body)}"
    assert find_pii(text) == []
    assert redact_text(text).text == text


def test_id_with_lower_case_x_and_spoken_digits():
    body = "11010519491231002"
    assert [s.value for s in find_pii(f"id {body}x")] == [body + "X"]
    han = "幺幺零幺零五幺九四九幺二三幺零零二叉"
    assert [(s.kind, s.value) for s in find_pii(f"号码是 {han}")] == [("id_card", body + "X")]


@pytest.mark.parametrize("body", ["11010519491331002", "11010519490230002", "11010518001231002"])
def test_id_checksum_ok_but_no_birth_date_is_kept(body):
    # month 13, 30 February, born 1800: the check digit is right, the number is not an ID
    number = body + mod11_2(body)
    assert not luhn_ok(number)
    assert find_pii(number) == []


@pytest.mark.parametrize("body", CARD_BODIES)
@pytest.mark.parametrize("sep", ["", " ", "-"])
def test_luhn_valid_card_is_redacted(body, sep):
    number = luhn_complete(body)
    written = sep.join(number[k:k + 4] for k in range(0, len(number), 4))
    text = f"我的卡号是{written}。"
    spans = find_pii(text)
    assert [(s.kind, s.value) for s in spans] == [("bank_card", number)]
    assert redact_text(text).text == "我的卡号是[银行卡号]。"


@pytest.mark.parametrize("body", CARD_BODIES)
def test_luhn_invalid_card_is_kept(body):
    number = bad_card(body)
    assert not luhn_ok(number)
    assert find_pii(f"card number {number}") == []


@pytest.mark.parametrize("text", [
    "13800138000", "138 0013 8000", "138-0013-8000", "138.0013.8000", "+86 138 0013 8000", "+8613800138000",
    "+86-138-0013-8000", "0086 138 0013 8000", "008613800138000", "8613800138000",
    "幺三八零零幺三八零零零", "幺 三 八 零 零 幺 三 八 零 零 零", "一三八〇〇一三八〇〇〇", "一 三 八 洞 洞 幺 三 八 洞 洞 洞",
    "one three eight zero zero one three eight zero zero zero", "One Three Eight Oh Oh One Three Eight Oh Oh Oh",
    "one three eight double oh one three eight triple zero", "one-three-eight zero-zero-one-three eight-zero-zero-zero",
    "138 零零幺三 8000", "one three eight 0013 8000", "１３８００１３８０００",
])
def test_mobile_in_every_form(text):
    spans = find_pii(text)
    assert [(s.kind, s.value) for s in spans] == [("mobile", "13800138000")]
    assert (spans[0].start, spans[0].end) == (0, len(text))


@pytest.mark.parametrize("text, value", [
    ("幺五两幺两三四五六七八", "15212345678"),
    ("我的手机是幺八六 两两两两 幺幺幺幺", "18622221111"),
    ("一 九 九 八 七 六 五 四 三 二 一", "19987654321"),
    ("nine one three two two two two one one one one", "91322221111"),
])
def test_spoken_mobiles_with_yao_and_liang(text, value):
    if value.startswith("9"):  # 913… is no mainland mobile: a look-alike
        assert find_pii(text) == []
    else:
        assert [(s.kind, s.value) for s in find_pii(text)] == [("mobile", value)]


@pytest.mark.parametrize("text, expected", [
    ("我的手机号是13800138000，谢谢", "我的手机号是[手机号]，谢谢"),
    ("我的号码是幺三八零零幺三八零零零两个都能打", "我的号码是[手机号]两个都能打"),
    ("号码幺三八零零幺三八零零零一下", "号码[手机号]一下"),
    ("call me on 138 0013 8000 after six", "call me on [PHONE] after six"),
    ("my number is one three eight zero zero one three eight zero zero zero one more thing",
     "my number is [PHONE] one more thing"),
    ("两个号码13800138000 13900139000都行", "两个号码[手机号] [手机号]都行"),
    ("座机010-12345678或者0755 8765 4321", "座机[电话]或者[电话]"),
    ("(021) 6123 4567", "([PHONE]"),
    ("+86 10 1234 5678", "[PHONE]"),
    ("拨打400-810-8888", "拨打[电话]"),
    ("零幺零 幺二三四 五六七八", "[电话]"),
    ("邮箱是zhang.san@qq.com谢谢", "邮箱是[邮箱]谢谢"),
    ("write to John.Doe+qa@Example.co.uk today", "write to [EMAIL] today"),
    ("it is john at gmail dot com", "it is [EMAIL]"),
    ("QQ邮箱 12345678 at qq dot com", "QQ邮箱 [邮箱]"),
])
def test_spans_inside_sentences(text, expected):
    assert redact_text(text).text == expected


def test_values_are_normalised():
    assert [(s.kind, s.value) for s in find_pii("+86 10 1234 5678 / +86 755 8765 4321")] == [
        ("landline", "01012345678"), ("landline", "075587654321")]
    assert [s.value for s in find_pii("it is john at gmail dot com")] == ["john@gmail.com"]
    assert [s.value for s in find_pii("Mail JOHN@Example.COM")] == ["john@example.com"]
    assert [s.value for s in find_pii("邮箱 zhangsan 艾特 qq 点 com")] == ["zhangsan@qq.com"]
    assert [s.value for s in find_pii("邮箱zhangsan艾特qq点com谢谢")] == ["zhangsan@qq.com"]
    assert [s.value for s in find_pii("+86 (10) 1234-5678")] == ["01012345678"]


def test_several_kinds_in_one_text_are_masked_in_order():
    body = ID_BODIES[1]
    card = luhn_complete(CARD_BODIES[0])
    text = f"手机13800138000，身份证{body}{mod11_2(body)}，卡号{card}，邮箱a@b.cn"
    result = redact_text(text)
    assert result.text == "手机[手机号]，身份证[身份证号]，卡号[银行卡号]，邮箱[邮箱]"
    assert [s.kind for s in result.spans] == ["mobile", "id_card", "bank_card", "email"]
    assert [text[s.start:s.end] for s in result.spans] == ["13800138000", body + mod11_2(body), card, "a@b.cn"]


@pytest.mark.parametrize("text", [
    "订单号250618123456",            # 12-digit JD order number
    "订单号 2506181234",             # 10 digits, not 400/800, no trunk 0
    "order 1380013800",              # 10 digits starting like a mobile
    "订单 138001380001",             # 12 digits in one group: no mobile cut out of it
    "12345678901",                   # 11 digits, 12… is no mobile prefix
    "订单号 二 一 三 八 零 零 一 三 八 零 零 零",  # spoken 12-digit order number with a mobile inside
    "订单号二五零六一八一二三四五六",  # spoken order number
    "二十四小时内给您回复",
    "三百块，一千三百八十八元",
    "二十三 八十八 一百三十八",
    "SKU13800138000",
    "快递单号 SF1380013800012",
    "we will call you back within twenty four hours",
    "one of the two options",
    "1234567890123456",              # 16 digits, Luhn fails
    "订单号861012345678",            # 86 + a landline without its 0 only counts after "+" or "0086"
])
def test_look_alikes_are_kept(text):
    assert find_pii(text) == []
    assert redact_text(text) == redaction.RedactedText(text, ())


def test_place_value_numerals_break_a_spoken_run():
    # 一百三十八 … is a quantity; the digits after the place value do not complete a number
    assert find_pii("一百三十八零零一三八零零零") == []


def test_order_number_next_to_a_phone_number():
    text = "订单 250618123456 手机 138 0013 8000"
    assert [(s.kind, text[s.start:s.end]) for s in find_pii(text)] == [("mobile", "138 0013 8000")]
    text = "订单 2024 138 0013 8000"  # Arabic groups may be left over around a match
    assert [s.value for s in find_pii(text)] == ["13800138000"]


def test_masks_are_documented_and_complete():
    doc = redaction.text.__doc__
    for kind in redaction.KINDS:
        assert MASKS_ZH[kind] in doc and MASKS_EN[kind] in doc


def test_public_surface():
    assert sorted(redaction.__all__) == sorted([
        "KINDS", "MASKS_EN", "MASKS_ZH", "MODES", "PiiSpan", "RedactedText", "TimedSpan", "find_pii",
        "id_check_digit", "luhn_valid", "redact_audio", "redact_text", "redact_turn", "redact_wav",
        "redacted_words"])
    with pytest.raises(TypeError):
        MASKS_ZH["mobile"] = "***"  # read-only
    span = PiiSpan("mobile", 0, 11, "13800138000")
    with pytest.raises(AttributeError):
        span.kind = "email"  # frozen


# ---- turns ------------------------------------------------------------------------------


def words_at(texts: list[str], start_ms: int = 1000, step_ms: int = 300) -> tuple[Word, ...]:
    return tuple(Word(t, start_ms + k * step_ms, start_ms + k * step_ms + 250, 0.9) for k, t in enumerate(texts))


ZH_WORDS = ["我", "的", "手机", "号", "是", "幺", "三", "八", "零", "零", "幺", "三", "八", "零", "零", "零", "谢谢"]


@pytest.mark.parametrize("joiner", [" ", ""])
def test_turn_span_is_timed_from_exactly_its_words(joiner):
    words = words_at(ZH_WORDS)
    turn = Turn("caller", 1000, words[-1].end_ms, joiner.join(ZH_WORDS), words)
    redacted, timed = redact_turn(turn)
    assert timed == [TimedSpan("mobile", words[5].start_ms, words[15].end_ms)]
    assert redacted.redacted_text == joiner.join(ZH_WORDS[:5] + ["[手机号]", "谢谢"])
    assert redacted.words == turn.words  # words stay unredacted in the turn
    assert replace(redacted, redacted_text=None) == turn
    masked = redacted_words(turn)
    assert [w.text for w in masked] == ZH_WORDS[:5] + ["[手机号]"] * 11 + ["谢谢"]
    assert [(w.start_ms, w.end_ms) for w in masked] == [(w.start_ms, w.end_ms) for w in words]


@pytest.mark.parametrize("texts, first, last, mask", [
    (["call", "me", "on", "138", "0013", "8000", "please"], 3, 5, "[PHONE]"),
    (["it's", "one", "three", "eight", "double", "oh", "one", "three", "eight", "triple", "zero", "ok"], 1, 10,
     "[PHONE]"),
    (["邮箱", "是", "zhang.san@qq.com"], 2, 2, "[邮箱]"),
    (["mail", "john", "at", "gmail", "dot", "com", "bye"], 1, 5, "[EMAIL]"),
])
def test_split_numbers_are_timed_across_words(texts, first, last, mask):
    words = words_at(texts, start_ms=500, step_ms=400)
    turn = Turn("caller", 500, words[-1].end_ms, " ".join(texts), words)
    _, timed = redact_turn(turn)
    assert [(t.start_ms, t.end_ms) for t in timed] == [(words[first].start_ms, words[last].end_ms)]
    assert [k for k, w in enumerate(redacted_words(turn)) if w.text == mask] == list(range(first, last + 1))


def test_words_that_do_not_spell_the_text_are_searched_on_their_own():
    # the text was normalised differently from the words: times still come from the words
    words = words_at(["号码", "一", "三", "八", "零", "零", "一", "三", "八", "零", "零", "零"])
    turn = Turn("caller", 1000, words[-1].end_ms, "号码：138-0013-8000", words)
    redacted, timed = redact_turn(turn)
    assert redacted.redacted_text == "号码：[手机号]"
    assert timed == [TimedSpan("mobile", words[1].start_ms, words[-1].end_ms)]


def test_turn_without_words_is_timed_proportionally():
    turn = Turn("agent", 1000, 2300, "电话13800138000")  # 13 characters over 1300 ms: 100 ms each
    redacted, timed = redact_turn(turn)
    assert redacted.redacted_text == "电话[手机号]"
    assert timed == [TimedSpan("mobile", 1200, 2300)]
    assert redacted_words(turn) == ()


def test_turn_without_personal_data():
    turn = Turn("agent", 0, 900, "您好 很高兴为您服务", words_at(["您好", "很高兴", "为您", "服务"], 0))
    redacted, timed = redact_turn(turn)
    assert timed == [] and redacted.redacted_text == turn.text
    assert redacted_words(turn) == turn.words


# ---- audio ------------------------------------------------------------------------------

RATE = 8000


@pytest.fixture
def noise() -> np.ndarray:
    return np.random.default_rng(440).integers(-8000, 8000, size=3 * RATE, dtype=np.int16)


def ms(t: int) -> int:
    return t * RATE // 1000


@pytest.mark.parametrize("mode", ["tone", "silence"])
def test_only_the_padded_span_changes(noise, mode):
    out = redact_audio(noise, RATE, [TimedSpan("mobile", 1000, 1500)], mode=mode, pad_ms=150)
    a, b = ms(850), ms(1650)
    assert out.shape == noise.shape and out.dtype == np.int16
    assert np.array_equal(out[:a], noise[:a]) and np.array_equal(out[b:], noise[b:])
    inside = out[a:b]
    if mode == "silence":
        assert not inside.any()
    else:
        assert inside[0] == 0 and inside[-1] == 0  # faded in and out
        assert np.abs(inside).max() == round(0.1 * 32767)
        spectrum = np.abs(np.fft.rfft(inside.astype(float)))
        assert np.fft.rfftfreq(len(inside), 1 / RATE)[spectrum.argmax()] == pytest.approx(1000, abs=5)
        # no speech left: the stretch is the tone alone
        assert not np.array_equal(inside[ms(50):ms(60)], noise[a + ms(50):a + ms(60)])
    assert np.array_equal(noise, np.random.default_rng(440).integers(-8000, 8000, size=3 * RATE, dtype=np.int16))


def test_float_and_multichannel_audio_keep_shape_and_dtype(noise):
    stereo = np.stack([noise, noise[::-1]], axis=1).astype(np.float32) / 32768
    out = redact_audio(stereo, RATE, [(0, 100)], mode="tone", pad_ms=0)
    assert out.dtype == np.float32 and out.shape == stereo.shape
    assert np.array_equal(out[ms(100):], stereo[ms(100):])
    assert np.array_equal(out[:ms(100), 0], out[:ms(100), 1])
    assert np.abs(out[:ms(100)]).max() == pytest.approx(0.1, abs=1e-3)


def test_overlapping_and_trailing_spans_merge_and_clip(noise):
    spans = [(1000, 1200), TimedSpan("id_card", 1100, 1400), (2900, 5000)]
    out = redact_audio(noise, RATE, spans, mode="silence", pad_ms=100)
    assert not out[ms(900):ms(1500)].any() and not out[ms(2800):].any()
    assert np.array_equal(out[ms(1500):ms(2800)], noise[ms(1500):ms(2800)])
    assert np.array_equal(out[:ms(900)], noise[:ms(900)])


@pytest.mark.parametrize("kwargs, message", [
    ({"spans": [(0, 100)], "mode": "beep"}, "mode 'beep' is not one of tone, silence"),
    ({"spans": [(-5, 100)]}, "bad span -5..100 ms"),
    ({"spans": [(300, 100)]}, "bad span 300..100 ms"),
    ({"spans": [(0, 100)], "pad_ms": -1}, "pad_ms must be >= 0"),
])
def test_bad_arguments_are_value_errors(noise, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        redact_audio(noise, RATE, **kwargs)


def test_unsupported_dtype_is_refused():
    with pytest.raises(ValueError, match="signed integers or floats"):
        redact_audio(np.zeros(100, dtype=np.uint8), RATE, [(0, 1)])


@pytest.mark.parametrize("subtype, dtype", [("PCM_16", "int16"), ("PCM_24", "int32"), ("FLOAT", "float32")])
def test_redact_wav_writes_a_redacted_copy_of_one_channel(tmp_path, noise, subtype, dtype):
    src, dst = tmp_path / "call.wav", tmp_path / "call.redacted.wav"
    stereo = np.stack([noise, noise[::-1]], axis=1)
    sf.write(src, stereo, RATE, subtype=subtype)
    original, _ = sf.read(src, dtype=dtype)
    assert redact_wav(src, dst, {0: [TimedSpan("mobile", 1000, 1500)]}, mode="silence") == dst
    info_src, info_dst = sf.info(src), sf.info(dst)
    assert (info_dst.samplerate, info_dst.channels, info_dst.subtype, info_dst.frames) == (
        info_src.samplerate, info_src.channels, info_src.subtype, info_src.frames)
    copy, _ = sf.read(dst, dtype=dtype)
    a, b = ms(850), ms(1650)
    assert np.array_equal(copy[:, 1], original[:, 1])
    assert np.array_equal(copy[:a, 0], original[:a, 0]) and np.array_equal(copy[b:, 0], original[b:, 0])
    assert not copy[a:b, 0].any()
    # the bytes outside the span are those of the source (16-bit: 4 bytes a frame after a 44-byte header)
    if subtype == "PCM_16":
        raw_src, raw_dst = src.read_bytes(), dst.read_bytes()
        assert len(raw_src) == len(raw_dst)
        assert raw_src[:44 + 4 * a] == raw_dst[:44 + 4 * a] and raw_src[44 + 4 * b:] == raw_dst[44 + 4 * b:]


def test_redact_wav_mono_tone_and_bad_channel(tmp_path, noise):
    src, dst = tmp_path / "mono.wav", tmp_path / "mono.redacted.wav"
    sf.write(src, noise, RATE, subtype="PCM_16")
    redact_wav(src, dst, {0: [(200, 300)]})
    copy, rate = sf.read(dst, dtype="int16")
    assert rate == RATE and copy.ndim == 1
    assert np.abs(copy[ms(50):ms(450)]).max() == round(0.1 * 32767)
    assert np.array_equal(copy[ms(450):], noise[ms(450):])
    with pytest.raises(ValueError, match="has 1 channel\\(s\\), no channel 1"):
        redact_wav(src, dst, {1: [(0, 10)]})


def test_turn_to_redacted_recording(tmp_path, noise):
    # the pipeline's path: caller words -> timed spans -> that channel of the recording silenced
    words = words_at(ZH_WORDS, start_ms=200, step_ms=150)
    turn = Turn("caller", 200, words[-1].end_ms, " ".join(ZH_WORDS), words)
    _, timed = redact_turn(turn)
    src, dst = tmp_path / "call.wav", tmp_path / "out.wav"
    sf.write(src, np.stack([noise, noise], axis=1), RATE, subtype="PCM_16")
    redact_wav(src, dst, {0: timed}, mode="silence", pad_ms=150)
    copy, _ = sf.read(dst, dtype="int16")
    a, b = ms(words[5].start_ms - 150), ms(words[15].end_ms + 150)
    assert not copy[a:b, 0].any()
    assert np.array_equal(copy[:a, 0], noise[:a]) and np.array_equal(copy[b:, 0], noise[b:])
    assert np.array_equal(copy[:, 1], noise)
