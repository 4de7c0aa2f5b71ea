"""Feature extraction per language, as scikit-learn transformers.

Mandarin: character 1-2-grams (no word segmentation needed) plus toneless,
near-homophone-folded pinyin 1-2-grams, so a recogniser's sound-alike character
("退活" for "退货") still lands on the right features. English: word 1-2-grams of
Snowball stems plus character 2-5-grams inside word boundaries, which absorb
misrecognised or misspelt words.

The preprocessors are module-level functions so a trained pipeline pickles.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from ivr.intents.text import en_stems, en_tokens, normalize, zh_syllables


def zh_chars(text: str) -> str:
    return normalize(text, "zh")


def zh_pinyin(text: str) -> str:
    return " ".join(zh_syllables(text))


def en_words(text: str) -> str:
    return normalize(text, "en")


def en_stemmed(text: str) -> str:
    return " ".join(en_stems(en_tokens(text)))


def _tfidf(preprocessor, analyzer: str, ngram_range: tuple[int, int]) -> TfidfVectorizer:
    # sublinear tf: a repeated word ("人工人工") is barely stronger evidence than one
    return TfidfVectorizer(
        preprocessor=preprocessor,
        analyzer=analyzer,
        token_pattern=r"\S+" if analyzer == "word" else None,
        ngram_range=ngram_range,
        sublinear_tf=True,
        dtype=np.float64,
    )


def make_features(lang: str) -> FeatureUnion:
    """A fresh, unfitted feature extractor for ``lang`` (``zh`` or ``en``)."""
    if lang == "zh":
        parts = [("chars", _tfidf(zh_chars, "char", (1, 2))), ("pinyin", _tfidf(zh_pinyin, "word", (1, 2)))]
    else:
        parts = [("stems", _tfidf(en_stemmed, "word", (1, 2))), ("chars", _tfidf(en_words, "char_wb", (2, 5)))]
    return FeatureUnion(parts)
