"""Mandarin spelled in Hangul, and Hangul spelled in a Korean model's phones.

Korea's standard transcription of Mandarin (快递 -> 콰이디, 发票 -> 파퍄오) turns a pinyin syllable
into one or two Hangul syllables; a Korean lexicon then gives each Hangul syllable's phones. This is
how a Korean acoustic model can listen for Mandarin words without knowing Mandarin.
"""

from __future__ import annotations

from typing import Callable, Sequence

_LEADS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_TAILS = {"": 0, "ㄴ": 4, "ㄹ": 8, "ㅇ": 21}
_FIRST, _LAST = 0xAC00, 0xD7A3

#: pinyin initial -> Hangul lead consonant ("" = the silent ㅇ)
ZH_INITIALS = {"b": "ㅂ", "p": "ㅍ", "m": "ㅁ", "f": "ㅍ", "d": "ㄷ", "t": "ㅌ", "n": "ㄴ", "l": "ㄹ", "g": "ㄱ",
               "k": "ㅋ", "h": "ㅎ", "j": "ㅈ", "q": "ㅊ", "x": "ㅅ", "zh": "ㅈ", "ch": "ㅊ", "sh": "ㅅ", "r": "ㄹ",
               "z": "ㅉ", "c": "ㅊ", "s": "ㅆ", "": "ㅇ"}
#: pinyin final (hotline's names, tone removed) -> Hangul (vowel, tail) syllables
ZH_FINALS = {
    "a": (("ㅏ", ""),), "o": (("ㅗ", ""),), "e": (("ㅓ", ""),), "ai": (("ㅏ", ""), ("ㅣ", "")),
    "ei": (("ㅔ", ""), ("ㅣ", "")), "ao": (("ㅏ", ""), ("ㅗ", "")), "ou": (("ㅓ", ""), ("ㅜ", "")),
    "an": (("ㅏ", "ㄴ"),), "en": (("ㅓ", "ㄴ"),), "ang": (("ㅏ", "ㅇ"),), "eng": (("ㅓ", "ㅇ"),), "er": (("ㅓ", "ㄹ"),),
    "ong": (("ㅜ", "ㅇ"),), "i": (("ㅣ", ""),), "ii": (("ㅡ", ""),), "iii": (("ㅡ", ""),), "ia": (("ㅑ", ""),),
    "ie": (("ㅖ", ""),), "iao": (("ㅑ", ""), ("ㅗ", "")), "iou": (("ㅠ", ""),), "ian": (("ㅖ", "ㄴ"),),
    "in": (("ㅣ", "ㄴ"),), "iang": (("ㅑ", "ㅇ"),), "ing": (("ㅣ", "ㅇ"),), "iong": (("ㅛ", "ㅇ"),), "u": (("ㅜ", ""),),
    "ua": (("ㅘ", ""),), "uo": (("ㅝ", ""),), "uai": (("ㅘ", ""), ("ㅣ", "")), "uei": (("ㅞ", ""), ("ㅣ", "")),
    "uan": (("ㅘ", "ㄴ"),), "uen": (("ㅜ", "ㄴ"),), "uang": (("ㅘ", "ㅇ"),), "ueng": (("ㅝ", "ㅇ"),), "v": (("ㅟ", ""),),
    "ve": (("ㅞ", ""),), "van": (("ㅟ", ""), ("ㅏ", "ㄴ")), "vn": (("ㅟ", "ㄴ"),),
}


def syllable(lead: str, vowel: str, tail: str = "") -> str:
    """One Hangul syllable block from its letters."""
    return chr(_FIRST + (_LEADS.index(lead) * 21 + _VOWELS.index(vowel)) * 28 + _TAILS[tail])


def is_syllable(ch: str) -> bool:
    return len(ch) == 1 and _FIRST <= ord(ch) <= _LAST


def without_tail(ch: str) -> tuple[str, int]:
    """The syllable without its final consonant, and the tail's index (0 = none)."""
    code = ord(ch) - _FIRST
    return chr(_FIRST + code - code % 28), code % 28


def zh_to_hangul(syllables: Sequence[tuple[str, str]]) -> str:
    """(pinyin initial, final without tone) pairs -> Hangul text."""
    out = []
    for initial, final in syllables:
        for k, (vowel, tail) in enumerate(ZH_FINALS[final]):
            out.append(syllable(ZH_INITIALS[initial] if k == 0 else "ㅇ", vowel, tail))
    return "".join(out)


def hangul_pron(text: str, lookup: Callable[[str], tuple[str, ...] | None]) -> tuple[str, ...] | None:
    """Phones of Hangul ``text``, syllable by syllable from ``lookup`` (a Korean lexicon's single-syllable
    words). A syllable the lexicon lacks is its open syllable plus the tail's phones (안 minus 아);
    None when neither is known."""
    out: list[str] = []
    for ch in text:
        pron = lookup(ch)
        if pron is None:
            open_syl, tail = without_tail(ch)
            pron = _with_tail(lookup, open_syl, tail) if tail else None
        if pron is None:
            return None
        out.extend(pron)
    return tuple(out)


def _with_tail(lookup, open_syl: str, tail: int) -> tuple[str, ...] | None:
    a = syllable("ㅇ", "ㅏ")
    base, tailed = lookup(a), lookup(chr(ord(a) + tail))  # 아 and 안/알/앙...
    head = lookup(open_syl)
    if not (base and tailed and head) or tailed[:len(base)] != base:
        return None
    return head + tailed[len(base):]
