"""Match what a caller said against the current menu node's phrases.

Two passes, strongest evidence first:

* **exact** — a phrase occurs in the utterance (Mandarin: as characters, spaces
  ignored; English: as whole words).
* **tolerant** — Mandarin: the same or near-homophone pinyin (退活 for 退货, zh/z,
  n/l, -ng/-n folded), or, for phrases of three syllables or more, one or two
  syllables added, dropped or misheard; English: the same Snowball stems with
  function words ignored ("cancelling the orders"), or, for phrases with a content
  word of four letters or more, a small edit distance ("refunt").

An utterance that only names a key ("按二", "press two") selects that key.

Weak evidence never matches: a short phrase must match in full (sound-alike at
most), and when two options match equally well the result is ``None`` so the engine
asks the statistical classifier instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping, Sequence

from rapidfuzz.distance import Levenshtein

from ivr.intents.errors import DataError
from ivr.intents.keys import spoken_key
from ivr.intents.text import EN_STOPWORDS, en_stems, en_tokens, normalize, zh_syllables
from ivr.intents.vocabulary import lang_of_locale

#: score of a tolerant match whose units (syllables / stems) agree exactly
_TOLERANT_TOP = 0.9
#: least character similarity (0..1) of an English window to a phrase for a fuzzy match
_EN_MIN_SIMILARITY = 0.8


@dataclass(frozen=True)
class PhraseMatch:
    """The option a caller's words select."""

    #: option key, e.g. the DTMF key ``"1"``
    key: str
    #: the configured phrase that matched, as written in the flow
    phrase: str
    #: strength of the evidence, 0..1 (1.0 = the phrase occurs verbatim)
    score: float
    method: Literal["exact", "tolerant"]


@dataclass(frozen=True)
class _Phrase:
    key: str
    text: str
    #: normalised surface form (zh: characters; en: space-joined words)
    surface: str
    #: comparison units: fuzzy pinyin syllables (zh) or content-word stems (en)
    units: tuple[str, ...]
    #: en only: every word's stem, function words included
    stems: tuple[str, ...] = ()
    #: en only: content words as written (a typo can hide the stem: "shpping")
    words: tuple[str, ...] = ()


def _contains(seq: Sequence[str], sub: Sequence[str]) -> bool:
    n = len(sub)
    return n > 0 and any(tuple(seq[i : i + n]) == tuple(sub) for i in range(len(seq) - n + 1))


def _min_window_distance(text: Sequence[str], phrase: Sequence[str]) -> int:
    """Fewest unit edits turning some window of ``text`` into ``phrase``."""
    n = len(phrase)
    best = n
    for size in (n - 1, n, n + 1):
        if size < 1:
            continue
        for i in range(max(1, len(text) - size + 1)):
            best = min(best, Levenshtein.distance(list(phrase), list(text[i : i + size])))
    return best


def _allowed_edits(n_syllables: int) -> int:
    """Mandarin: how many syllables may differ before the evidence is too weak."""
    if n_syllables < 3:
        return 0
    return 1 if n_syllables < 6 else 2


class PhraseMatcher:
    """Matches utterances to one menu node's options.

    ``options`` maps an option key to its phrases in ``lang`` (``"zh"``/``"en"``, or a
    locale such as ``"zh-CN"``). Raises :class:`DataError` for an empty key or phrase.
    """

    def __init__(self, options: Mapping[str, Sequence[str]], lang: str):
        self.lang = lang_of_locale(lang)
        phrases: list[_Phrase] = []
        for key, texts in options.items():
            if not str(key):
                raise DataError("option key must not be empty")
            if isinstance(texts, str):
                raise DataError(f"option {key!r}: phrases must be a list, not a string")
            for text in texts:
                phrase = self._compile(str(key), str(text))
                if not phrase.surface:
                    raise DataError(f"option {key!r}: phrase {text!r} has no words")
                phrases.append(phrase)
        self._phrases = tuple(phrases)
        self._keys = frozenset(str(key) for key in options)

    def _compile(self, key: str, text: str) -> _Phrase:
        surface = normalize(text, self.lang)
        if self.lang == "zh":
            return _Phrase(key, text, surface, tuple(zh_syllables(text)))
        tokens = en_tokens(text)
        stems = tuple(en_stems(tokens))
        content = tuple(s for s in stems if s not in EN_STOPWORDS) or stems
        words = tuple(t for t in tokens if t not in EN_STOPWORDS) or tuple(tokens)
        return _Phrase(key, text, surface, content, stems, words)

    def match(self, text: str) -> PhraseMatch | None:
        """The best option for ``text``, or ``None`` when no option is clearly meant."""
        surface = normalize(text, self.lang)
        if not surface:
            return None
        key = spoken_key(text, self.lang)
        if key is not None and key in self._keys:
            return PhraseMatch(key, text.strip(), 1.0, "exact")
        exact = [
            PhraseMatch(p.key, p.text, 1.0, "exact")
            for p in self._phrases
            if self._occurs(p.surface, surface)
        ]
        if exact:
            return self._decide_exact(exact)
        if self.lang == "zh":
            tolerant = self._tolerant_zh(zh_syllables(text))
        else:
            tolerant = self._tolerant_en(en_tokens(text))
        return self._decide(tolerant) if tolerant else None

    def _occurs(self, phrase: str, surface: str) -> bool:
        if self.lang == "zh":
            return phrase in surface
        return f" {phrase} " in f" {surface} "

    def _tolerant_zh(self, syllables: list[str]) -> list[tuple[int, PhraseMatch]]:
        found = []
        for p in self._phrases:
            if _contains(syllables, p.units):
                found.append((len(p.units), PhraseMatch(p.key, p.text, _TOLERANT_TOP, "tolerant")))
                continue
            allowed = _allowed_edits(len(p.units))
            if allowed and len(syllables) >= len(p.units) - allowed:
                edits = _min_window_distance(syllables, p.units)
                if edits <= allowed:
                    score = _TOLERANT_TOP * (1 - edits / len(p.units))
                    found.append((len(p.units), PhraseMatch(p.key, p.text, round(score, 3), "tolerant")))
        return found

    def _tolerant_en(self, tokens: list[str]) -> list[tuple[int, PhraseMatch]]:
        stems = en_stems(tokens)
        content = [s for s in stems if s not in EN_STOPWORDS]
        words = [t for t in tokens if t not in EN_STOPWORDS]
        found = []
        for p in self._phrases:
            if _contains(stems, p.stems) or _contains(content, p.units):
                found.append((len(p.units), PhraseMatch(p.key, p.text, _TOLERANT_TOP, "tolerant")))
                continue
            if max(len(u) for u in p.units) < 4:
                continue  # short words differ by one letter from too many others
            similarity = max(
                self._best_window_similarity(content, p.units),
                self._best_window_similarity(words, p.words),
            )
            if similarity >= _EN_MIN_SIMILARITY:
                score = round(_TOLERANT_TOP * similarity, 3)
                found.append((len(p.units), PhraseMatch(p.key, p.text, score, "tolerant")))
        return found

    @staticmethod
    def _best_window_similarity(content: list[str], units: tuple[str, ...]) -> float:
        """Character similarity of the phrase to the best window of content words.

        Windows one word shorter or longer absorb ASR splits and merges ("re fund").
        """
        target = "".join(units)
        n = len(units)
        best = 0.0
        for size in {max(1, n - 1), n, n + 1}:
            for i in range(max(1, len(content) - size + 1)):
                window = "".join(content[i : i + size])
                best = max(best, Levenshtein.normalized_similarity(target, window))
        return best

    @staticmethod
    def _decide_exact(candidates: list[PhraseMatch]) -> PhraseMatch | None:
        """Phrases inside a longer matched phrase yield to it ("订单客服" over "客服");
        two options named side by side ("return or exchange") are no match."""
        surfaces = {m.phrase: m.phrase.lower() for m in candidates}
        kept = [
            m
            for m in candidates
            if not any(
                surfaces[m.phrase] != surfaces[o.phrase] and surfaces[m.phrase] in surfaces[o.phrase]
                for o in candidates
            )
        ]
        if len({m.key for m in kept}) > 1:
            return None
        return max(kept, key=lambda m: len(m.phrase))

    @staticmethod
    def _decide(candidates: list[tuple[int, PhraseMatch]]) -> PhraseMatch | None:
        """Best tolerant match by matched material (score x units), then score.

        A longer phrase heard almost right is better evidence than a short one heard
        right inside it; a tie between two keys is no match.
        """

        def rank(c: tuple[int, PhraseMatch]) -> tuple[float, float]:
            units, m = c
            return (round(m.score * units, 3), m.score)

        candidates.sort(key=rank, reverse=True)
        best = candidates[0]
        for other in candidates[1:]:
            if rank(other) < rank(best):
                break
            if other[1].key != best[1].key:
                return None
        return best[1]
