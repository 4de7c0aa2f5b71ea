"""Domain sentences: what callers say about their business, as words the model knows.

The intent classifier's training sentences (``ivr/intents/data/train_<lang>.tsv``) give a command
model the vocabulary of callers' requests (快递, 密码, charged, package...), spoken training sentences
and a language model for free speech (the open question). Mandarin is segmented into words with
jieba (the menu's phrases added as words, digits one character each); a word said only once in the
corpus stays out of the vocabulary and is ``[unk]`` in the transcripts, so the garbage word also
learns from real sentences.

The language model is a backoff bigram with absolute discounting, written as an OpenFst text
acceptor whose backoff arcs are epsilons (as OpenGrm's ``Gr.fst`` of the official Vosk models).
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from .errors import VoskBuildError
from .lexicon import EXTRA_WORDS, UNK, word_pron
from .phrases import PhraseSet, lang_of, normalize_phrase
from .speech import spelled_digits

#: words said fewer times than this in the corpus are [unk] in its transcripts
MIN_COUNT = 2
#: absolute discount of the bigram (mass moved to the unigram backoff)
DISCOUNT = 0.5
#: pseudo-count of a vocabulary word the corpus never says (menu phrases, QA phrases, compounds)
FLOOR_COUNT = 0.5
_ZH_DIGITS = "零一二三四五六七八九幺两"
_HANZI = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class DomainCorpus:
    """Segmented sentences and the vocabulary drawn from them."""

    #: per language: each sentence as its words (before rare words became [unk])
    sentences: dict[str, tuple[tuple[str, ...], ...]]
    #: words said at least ``MIN_COUNT`` times that have a pronunciation, in first-seen order
    vocabulary: tuple[str, ...]

    def transcripts(self, lang: str) -> list[tuple[str, tuple[str, ...]]]:
        """(text to speak, transcript in vocabulary words) per sentence of ``lang``."""
        known = set(self.vocabulary)
        sep = "" if lang == "zh" else " "
        return [(sep.join(words), transcript(words, known)) for words in self.sentences.get(lang, ())]


def transcript(words: Sequence[str], known: set[str]) -> tuple[str, ...]:
    """The words with every unknown one as ``[unk]`` (a run of them as one)."""
    out: list[str] = []
    for w in words:
        w = w if w in known else UNK
        if not (w == UNK and out and out[-1] == UNK):
            out.append(w)
    return tuple(out)


@functools.cache
def _tokenizer(extra_words: tuple[str, ...]):
    try:
        import jieba
    except ImportError as exc:
        raise VoskBuildError("a domain corpus needs jieba for Mandarin: pip install 'hotline[train]'") from exc
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    for w in extra_words:
        tok.add_word(w, freq=100000)
    return tok


def _zh_token(token: str) -> list[str]:
    token = re.sub(r"[0-9]", lambda m: "零一二三四五六七八九"[int(m.group())], token)
    if len(token) > 1 and all(c in _ZH_DIGITS for c in token):
        return list(token)  # a number is said digit by digit: one word per digit
    return [token]


def segment(sentence: str, menu_words: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The words of a normalised sentence: jieba for Mandarin (``menu_words`` kept whole), spaces
    for English (digits spelled out, as the lexicon and the voices read them)."""
    text = normalize_phrase(sentence)
    if lang_of(text) != "zh":
        return tuple(spelled_digits(text).split())
    words: list[str] = []
    for token in _tokenizer(menu_words).cut(text, HMM=False):
        if token.strip():
            words.extend(_zh_token(token.strip()))
    return tuple(words)


def _pronounceable(word: str) -> bool:
    try:
        word_pron(word)
    except VoskBuildError:
        return False
    return True


def domain_corpus(sentences: Iterable[str], phrases: PhraseSet, langs: tuple[str, ...] = ("zh", "en"),
                  min_count: int = MIN_COUNT) -> DomainCorpus:
    """Segment ``sentences`` (any mix of languages; other languages are left out) and draw the
    vocabulary: words said ``min_count`` times or more, plus digits and yes/no."""
    menu_words = tuple(sorted({p for p in phrases.zh if " " not in p}))
    by_lang: dict[str, list[tuple[str, ...]]] = {lang: [] for lang in langs}
    for s in dict.fromkeys(normalize_phrase(s) for s in sentences):
        if s and lang_of(s) in by_lang:
            by_lang[lang_of(s)].append(segment(s, menu_words))
    if not any(by_lang.values()):
        raise VoskBuildError(f"the domain corpus has no sentences in {', '.join(langs)}")
    counts = Counter(w for ss in by_lang.values() for s in ss for w in s)
    vocabulary = [w for w, n in counts.items() if n >= min_count and w != UNK and _pronounceable(w)]
    vocabulary += [w for lang in langs for w in EXTRA_WORDS[lang]]
    return DomainCorpus({lang: tuple(ss) for lang, ss in by_lang.items()}, tuple(dict.fromkeys(vocabulary)))


def bigram_fst_text(sentences: Iterable[Sequence[str]], words: Sequence[str], word_id,
                    discount: float = DISCOUNT, floor: float = FLOOR_COUNT) -> str:
    """A backoff bigram over ``words`` trained on ``sentences`` (vocabulary words and ``[unk]``), as
    OpenFst text: state 0 backs off, state 1 is the sentence start, state 2+i follows word i.
    ``word_id(w)`` gives a word's label. Every word of ``words`` can follow any other through the
    backoff state; a word the sentences never say gets ``floor`` pseudo-counts."""
    words = list(words)
    index = {w: i for i, w in enumerate(words)}
    unigram = Counter({w: floor for w in words})
    bigrams: Counter = Counter()
    ends = 0
    for sentence in sentences:
        seq = [w for w in sentence if w in index]
        if not seq:
            continue
        unigram.update(seq)
        ends += 1
        for a, b in zip(["<s>", *seq], [*seq, "</s>"]):
            bigrams[(a, b)] += 1
    if not ends:
        raise VoskBuildError("the language model has no sentences in its vocabulary")
    total = sum(unigram.values()) + ends
    p_uni = {w: c / total for w, c in unigram.items()}
    p_end = ends / total

    def state(w: str) -> int:
        return 1 if w == "<s>" else 2 + index[w]

    lines = [f"0 {state(w)} {word_id(w)} {word_id(w)} {-math.log(p):.5f}" for w, p in p_uni.items()]
    finals = {0: -math.log(p_end)}
    history: dict[str, list[tuple[str, int]]] = {}
    for (a, b), c in bigrams.items():
        history.setdefault(a, []).append((b, c))
    for a, followers in history.items():
        n = sum(c for _, c in followers)
        backoff = discount * len(followers) / n
        for b, c in followers:
            p = (c - discount) / n + backoff * (p_end if b == "</s>" else p_uni[b])
            if b == "</s>":
                finals[state(a)] = -math.log(p)
            else:
                lines.append(f"{state(a)} {state(b)} {word_id(b)} {word_id(b)} {-math.log(p):.5f}")
        lines.append(f"{state(a)} 0 0 0 {-math.log(backoff):.5f}")
    for w in words:  # words never seen as a history back off at once
        if w not in history:
            lines.append(f"{state(w)} 0 0 0 0")
    if "<s>" not in history:
        lines.append("1 0 0 0 0")
    lines += [f"{s} {cost:.5f}" for s, cost in sorted(finals.items())]
    # the start state must come first in OpenFst text: 1 is the sentence start
    start = [line for line in lines if line.startswith("1 ")]
    rest = [line for line in lines if not line.startswith("1 ")]
    return "\n".join(start + rest) + "\n"
