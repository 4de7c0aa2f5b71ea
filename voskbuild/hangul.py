"""Mandarin and English spelled in Hangul, and Hangul spelled in a Korean model's phones.

Korea's standard transcription of Mandarin (快递 -> 콰이디, 发票 -> 파퍄오) turns a pinyin syllable
into one or two Hangul syllables, and its loanword spelling turns English sounds into Hangul
(refund -> 리펀드, agent -> 에이전트); a Korean lexicon then gives each Hangul syllable's phones. This
is how a Korean acoustic model can listen for Mandarin and English words without knowing either.
"""

from __future__ import annotations

from typing import Callable, Sequence

_LEADS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_TAILS = {"": 0, "ㄱ": 1, "ㄴ": 4, "ㄹ": 8, "ㅁ": 16, "ㅂ": 17, "ㅅ": 19, "ㅇ": 21}
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


_EN_VOWELS = {"AA": "ㅏ", "AE": "ㅐ", "AH": "ㅓ", "AO": "ㅗ", "AW": "ㅏㅜ", "AY": "ㅏㅣ", "EH": "ㅔ", "ER": "ㅓ",
              "EY": "ㅔㅣ", "IH": "ㅣ", "IY": "ㅣ", "OW": "ㅗ", "OY": "ㅗㅣ", "UH": "ㅜ", "UW": "ㅜ"}
_EN_ONSETS = {"P": "ㅍ", "B": "ㅂ", "T": "ㅌ", "D": "ㄷ", "K": "ㅋ", "G": "ㄱ", "F": "ㅍ", "V": "ㅂ", "TH": "ㅅ",
              "DH": "ㄷ", "S": "ㅅ", "Z": "ㅈ", "SH": "ㅅ", "ZH": "ㅈ", "CH": "ㅊ", "JH": "ㅈ", "HH": "ㅎ", "M": "ㅁ",
              "N": "ㄴ", "NG": "ㅇ", "L": "ㄹ", "R": "ㄹ"}
#: a consonant closing a syllable (before another consonant or at the end)
_EN_TAILS = {"M": "ㅁ", "N": "ㄴ", "NG": "ㅇ", "L": "ㄹ"}
#: p, t, k close a syllable after a short vowel (cat -> 캣, book -> 북); elsewhere they take ㅡ
_EN_STOP_TAILS = {"P": "ㅂ", "T": "ㅅ", "K": "ㄱ"}
_SHORT = {"AE", "EH", "IH", "UH", "AH"}
_W_GLIDE = {"ㅏ": "ㅘ", "ㅓ": "ㅝ", "ㅔ": "ㅞ", "ㅐ": "ㅙ", "ㅣ": "ㅟ", "ㅗ": "ㅝ", "ㅜ": "ㅜ"}
_Y_GLIDE = {"ㅏ": "ㅑ", "ㅓ": "ㅕ", "ㅔ": "ㅖ", "ㅐ": "ㅒ", "ㅗ": "ㅛ", "ㅜ": "ㅠ", "ㅣ": "ㅣ"}
_PALATAL = {"SH", "ZH", "CH", "JH"}  # before no vowel: 시, 지, 치, 지


def en_to_hangul(arpabet: Sequence[str]) -> str:
    """ARPAbet (stress removed) -> Hangul by Korea's loanword spelling, simplified: a vowel makes a
    syllable with the consonant before it; m/n/ng/l (and p/t/k after a short vowel) close it; any other
    consonant without a vowel of its own takes ㅡ (ㅣ after sh/ch/j); a coda r is silent."""
    phones = list(arpabet)
    syllables: list[list[str]] = []  # [lead, vowel, tail]
    i = 0
    while i < len(phones):
        p = phones[i]
        nxt = phones[i + 1] if i + 1 < len(phones) else None
        if p in _EN_VOWELS:
            for k, vowel in enumerate(_EN_VOWELS[p]):
                syllables.append(["ㅇ", vowel, ""])
            i += 1
            continue
        glide = p in ("W", "Y")
        if nxt in _EN_VOWELS:
            vowels = _EN_VOWELS[nxt]
            first = vowels[0]
            lead = "ㅇ"
            if glide:
                first = (_W_GLIDE if p == "W" else _Y_GLIDE).get(first, first)
            else:
                lead = _EN_ONSETS[p]
                if p == "SH":
                    first = _Y_GLIDE.get(first, first)
                if p == "L" and syllables and not syllables[-1][2]:
                    syllables[-1][2] = "ㄹ"  # between vowels l is doubled: hello -> 헬로
            syllables.append([lead, first, ""])
            syllables += [["ㅇ", v, ""] for v in vowels[1:]]
            i += 2
            continue
        open_before = syllables and not syllables[-1][2] and phones[i - 1] in _EN_VOWELS
        if p == "R" and open_before:
            pass  # a coda r colours the vowel only
        elif open_before and p in _EN_TAILS:
            syllables[-1][2] = _EN_TAILS[p]
        elif open_before and p in _EN_STOP_TAILS and phones[i - 1] in _SHORT and nxt not in ("S", "Z"):
            syllables[-1][2] = _EN_STOP_TAILS[p]
        elif not glide:
            syllables.append([_EN_ONSETS[p] if p != "NG" else "ㅇ", "ㅣ" if p in _PALATAL else "ㅡ", ""])
        i += 1
    return "".join(syllable(lead, vowel, tail) for lead, vowel, tail in syllables)
