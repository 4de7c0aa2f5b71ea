"""Lexical cues in transcripts (Mandarin and English): complaint, escalation, profanity, safety, positive.

Mandarin is matched as substrings of the hanzi text (no segmenter) with a negation check on the two
characters before a term; English on lower-cased word tokens with a three-token negation window. Safety
phrases are never negated away: missing one costs more than a false marker.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib.resources import files

#: categories that count as negative valence (they raise the fused agitation)
NEGATIVE = ("complaint", "escalation", "profanity")
CATEGORIES = ("safety", *NEGATIVE, "positive")
ZH_NEGATORS = "不没别"
EN_NEGATORS = frozenset({"not", "no", "never", "don't", "dont", "isn't", "wasn't", "didn't", "won't", "without"})
_CJK = re.compile(r"[\u4e00-\u9fff]")
_EN_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_EN_CLAUSE = re.compile(r"[,.!?;:]")


@dataclass(frozen=True)
class LexicalHit:
    """One cue phrase found in a transcript."""

    phrase: str
    """the lexicon entry that matched"""
    category: str
    """safety, complaint, escalation, profanity or positive"""
    lang: str
    """'zh' or 'en'"""
    time: float | None = None
    """approximate time of the phrase in the call, seconds (None without timing)"""

    def to_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=1)
def lexicon() -> tuple[tuple[str, str, str], ...]:
    """(lang, category, phrase) rows of the packaged lexicon, longest phrases first."""
    rows = []
    for line in files("emotion").joinpath("lexicon.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, category, phrase = line.split("\t")
        if category not in CATEGORIES:
            raise ValueError(f"lexicon.tsv: unknown category {category!r}")
        rows.append((lang, category, phrase.strip().lower()))
    return tuple(sorted(rows, key=lambda r: -len(r[2])))


def detect_language(text: str) -> str:
    """'zh' when the text has any hanzi, else 'en'."""
    return "zh" if _CJK.search(text) else "en"


def _scan_zh(text: str) -> list[tuple[LexicalHit, float]]:
    """Cues in Mandarin text, each with its relative position (0..1) in the text."""
    taken = [False] * len(text)
    hits = []
    for lang, category, phrase in lexicon():
        if lang != "zh":
            continue
        for m in re.finditer(re.escape(phrase), text):
            a, b = m.start(), m.end()
            if any(taken[a:b]):
                continue  # inside a longer phrase already counted
            if category != "safety" and any(c in ZH_NEGATORS for c in text[max(a - 2, 0) : a]):
                continue
            taken[a:b] = [True] * (b - a)
            hits.append((LexicalHit(phrase, category, "zh"), a / max(len(text), 1)))
    return sorted(hits, key=lambda h: h[1])


def _scan_en(text: str) -> list[tuple[LexicalHit, float]]:
    """Cues in English text, each with its relative position (0..1) in the text.

    Negation looks back three tokens but never across a clause boundary (, . ! ? ; :).
    """
    clauses = [_EN_TOKEN.findall(c) for c in _EN_CLAUSE.split(text.lower())]
    total = max(sum(len(c) for c in clauses), 1)
    hits, offset = [], 0
    for tokens in clauses:
        taken = [False] * len(tokens)
        for lang, category, phrase in lexicon():
            if lang != "en":
                continue
            words = phrase.split()
            n = len(words)
            for i in range(len(tokens) - n + 1):
                if tokens[i : i + n] != words or any(taken[i : i + n]):
                    continue
                if category != "safety" and any(t in EN_NEGATORS for t in tokens[max(i - 3, 0) : i]):
                    continue
                taken[i : i + n] = [True] * n
                hits.append((LexicalHit(phrase, category, "en"), (offset + i) / total))
        offset += len(tokens)
    return sorted(hits, key=lambda h: h[1])


def find_cues_zh(text: str) -> list[LexicalHit]:
    """Cues in Mandarin (hanzi) text, in text order."""
    return [h for h, _ in _scan_zh(text)]


def find_cues_en(text: str) -> list[LexicalHit]:
    """Cues in English text, in text order."""
    return [h for h, _ in _scan_en(text)]


def find_cues(text: str, lang: str | None = None, start: float | None = None, end: float | None = None) -> list[LexicalHit]:
    """Cues in ``text`` (language detected when ``lang`` is None); with ``start``/``end`` (seconds) each hit
    gets a time interpolated from its position in the text."""
    lang = lang or detect_language(text)
    if lang not in ("zh", "en"):
        raise ValueError(f"lexical cues exist for 'zh' and 'en', not {lang!r}")
    found = _scan_zh(text) if lang == "zh" else _scan_en(text)
    out = []
    for hit, pos in found:
        t = None if start is None else start + pos * ((end if end is not None else start) - start)
        out.append(LexicalHit(hit.phrase, hit.category, hit.lang, None if t is None else round(t, 3)))
    return out
