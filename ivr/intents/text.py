"""Text normalisation for recognised speech: language detection, tokens, stems, pinyin.

Vosk output has no punctuation, is lower case for English, and may put spaces between
Mandarin words; typed test input may have full-width characters. Everything the
matcher and the classifier compare goes through these pure functions first, so both
see the same text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from pypinyin import Style, lazy_pinyin

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Han runs stay tokens in English text: an English menu may offer "中文"
_EN_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_NOT_WORD = re.compile(r"[^\w]+")

#: function words that carry no intent in a menu phrase ("cancel MY order")
EN_STOPWORDS = frozenset(
    "a an the my me i im to it its of for and or is are was be please um uh "
    "you your this that just can could would i'd id want like".split()
)

# Near-homophones: initials and finals that Mandarin speakers (and Vosk) often merge.
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


def detect_lang(text: str) -> str:
    """``"zh"`` when the text holds any Han character, else ``"en"``.

    Mandarin callers mix in Latin words ("PLUS会员"), English callers never produce
    Han characters, so one Han character decides.
    """
    return "zh" if _HAN.search(text) else "en"


def normalize(text: str, lang: str) -> str:
    """Fold width and case, drop punctuation; for ``zh`` also drop the spaces Vosk inserts."""
    text = unicodedata.normalize("NFKC", text).lower()
    if lang == "zh":
        return _NOT_WORD.sub("", text.replace("_", ""))
    text = text.replace("\u2019", "'")
    return " ".join(_EN_TOKEN.findall(text))


def en_tokens(text: str) -> list[str]:
    """Words of normalised English, apostrophes removed ("can't" -> "cant")."""
    return [t.replace("'", "") for t in normalize(text, "en").split()]


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    # the pure-Python stemmer dominates training time; callers repeat few words
    return _stemmer().stemWord(word)


def en_stems(tokens: list[str]) -> list[str]:
    """Snowball (Porter 2) stems: "cancelling orders" -> ["cancel", "order"]."""
    return [_stem(token) for token in tokens]


def fuzzy_syllable(syllable: str) -> str:
    """Fold near-homophone initials and finals: ``zhang`` -> ``zan``, ``ning`` -> ``lin``."""
    for long, short in _FUZZY_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long):]
            break
    for long, short in _FUZZY_FINALS:
        if syllable.endswith(long):
            syllable = syllable[: -len(long)] + short
            break
    return syllable


def zh_syllables(text: str, fuzzy: bool = True) -> list[str]:
    """Toneless pinyin of normalised Mandarin, one item per Han character.

    Latin runs become one item per word, digits one item per run. With ``fuzzy``,
    near-homophones fold together (see :func:`fuzzy_syllable`).
    """
    out: list[str] = []
    for item in lazy_pinyin(normalize(text, "zh"), style=Style.NORMAL, errors="default"):
        if _HAN.search(item) or not item.isascii():
            continue  # characters pypinyin cannot read carry no sound to compare
        # Latin words fold too: harmless, as both sides of a comparison fold alike
        out.append(fuzzy_syllable(item) if fuzzy and item.isalpha() else item)
    return out
