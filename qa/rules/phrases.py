"""Where a phrase was said: the IVR's phrase matcher, located on the words' times.

Matching is :class:`ivr.intents.PhraseMatcher`, the one the menus use, so "tolerant" means
exactly what it means in the IVR: Mandarin compared as fuzzy toneless pinyin (near-homophones
folded, long phrases may lose or mishear a syllable or two), English as Snowball stems with
function words ignored or a small edit distance. "Exact" is the matcher's exact pass: the
phrase's characters occur with whitespace ignored (Mandarin), or its words occur on word
boundaries, case-insensitively (English).

The matcher says *whether* a text holds a phrase; to say *where*, a turn is searched word by
word for the smallest run of words that still matches, and that run's first and last word
give the times. Matching is monotone (more words never lose a match), which keeps the search
linear in the words of the turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from ivr.intents import PhraseMatcher, detect_lang

#: the two languages phrase lists are written in (keys of a rules file's phrase lists)
LANGS = ("zh", "en")
_LATIN = re.compile(r"[A-Za-z]")


def text_lang(text: str, fallback: str) -> str:
    """``"zh"`` if the text holds a Han character, ``"en"`` if it holds Latin letters, else ``fallback``.

    ``fallback`` is the call's language (from ``facts.locale``): an empty or digits-only turn
    says nothing about its language.
    """
    if detect_lang(text) == "zh":  # one Han character decides, as for the IVR
        return "zh"
    if _LATIN.search(text):
        return "en"
    return fallback


@dataclass(frozen=True)
class Unit:
    """One recognised word (or a whole turn without word times) and when it was said."""

    text: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Found:
    """A phrase located in a run of units ``first..last`` (inclusive)."""

    phrase: str
    first: int
    last: int
    #: 1.0 for an exact match, below for a tolerant one
    score: float


class PhraseList:
    """One condition's phrases, per language, compiled once.

    ``phrases`` maps ``"zh"``/``"en"`` to phrases; ``tolerant`` admits the matcher's tolerant
    pass as well as its exact one. Raises :class:`ivr.intents.DataError` for a phrase with no
    words.
    """

    def __init__(self, phrases: Mapping[str, Sequence[str]], tolerant: bool):
        self.tolerant = tolerant
        self._phrases = {lang: tuple(dict.fromkeys(items)) for lang, items in phrases.items() if items}
        # one matcher per phrase: each phrase's own occurrences are searched for
        self._matchers = {
            lang: tuple((p, PhraseMatcher({"p": [p]}, lang)) for p in items) for lang, items in self._phrases.items()
        }
        # and all of them under one key, to pass over a turn holding none in one call (one key: never a tie)
        self._any = {lang: PhraseMatcher({"p": list(items)}, lang) for lang, items in self._phrases.items()}

    def phrases(self, lang: str) -> tuple[str, ...]:
        return self._phrases.get(lang, ())

    def _score(self, matcher: PhraseMatcher, text: str) -> float | None:
        m = matcher.match(text)
        if m is None or (m.method != "exact" and not self.tolerant):
            return None
        return m.score

    def matches(self, text: str, lang: str) -> bool:
        """Whether ``text`` holds any phrase of ``lang``."""
        return lang in self._any and self._score(self._any[lang], text) is not None

    def find(self, units: Sequence[Unit], lang: str) -> list[Found]:
        """Every occurrence of every phrase of ``lang`` in ``units``, in order of time.

        An occurrence lying inside another phrase's (投诉 inside 我要投诉) is not repeated.
        """
        sep = "" if lang == "zh" else " "
        if not self.matches(sep.join(u.text for u in units), lang):
            return []
        found: list[Found] = []
        for phrase, matcher in self._matchers.get(lang, ()):
            found += self._occurrences(phrase, matcher, units, lang)
        kept = [
            f for f in found
            if not any(o is not f and o.first <= f.first and f.last <= o.last and (o.first, o.last) != (f.first, f.last)
                       for o in found)
        ]
        # the same words matched by two phrases (exact duplicates across sets) count once
        unique = {(f.first, f.last): f for f in sorted(kept, key=lambda f: f.score)}
        return sorted(unique.values(), key=lambda f: (f.first, f.last))

    def _occurrences(self, phrase: str, matcher: PhraseMatcher, units: Sequence[Unit], lang: str) -> list[Found]:
        sep = "" if lang == "zh" else " "

        def score(first: int, last: int) -> float | None:
            return self._score(matcher, sep.join(u.text for u in units[first : last + 1]))

        out: list[Found] = []
        start, n = 0, len(units)
        while start < n and score(start, n - 1) is not None:
            last = next(j for j in range(start, n) if score(start, j) is not None)
            best = score(start, last)
            # a tolerant match may be found before the phrase is complete: take words while they help
            while last + 1 < n and (s := score(start, last + 1)) is not None and s > best:
                last, best = last + 1, s
            first = start
            while first < last and (s := score(first + 1, last)) is not None and s >= best:
                first, best = first + 1, s
            out.append(Found(phrase, first, last, best))
            start = last + 1
        return out
