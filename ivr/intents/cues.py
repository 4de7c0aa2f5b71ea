"""Cue words: the words of callers' requests that point to a set of intents.

A menu's grammar holds its options' phrases; a caller who answers "我的快递怎么还没到" or "I was
charged twice" says none of them, yet 快递 and charged name the business. ``CueWords`` finds, in
the classifier's training sentences, the words (English) and character strings of 2-4 characters
(Mandarin, which has no spaces to split on) said mostly in requests for the intents an option
leads to, so the recogniser can listen for them and hand them to the classifier.

Candidates are not restricted to any vocabulary here: the recogniser keeps those its model knows.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Collection, Iterable, Mapping

from ivr.intents.data import Example
from ivr.intents.text import normalize

#: a cue must be said in at least this many training sentences of the option's intents
MIN_SUPPORT = 3
#: ... and at least this share of the sentences that say it must be about those intents
MIN_PRECISION = 0.8
#: at most this many cues per option (the most often said first): a big grammar hears menu
#: choices in out-of-menu speech
MAX_PER_OPTION = 30
#: Mandarin cue lengths in characters (one character is too ambiguous to listen for)
ZH_LENGTHS = (2, 3, 4)
#: English cues need this many letters ("pay" and "bill" yes, "it" and "my" no)
EN_MIN_LETTERS = 3


def _candidates(text: str, lang: str) -> set[str]:
    if lang != "zh":
        return {w for w in normalize(text, lang).split() if sum(c.isalpha() for c in w) >= EN_MIN_LETTERS}
    found = set()
    for run in re.findall(r"[\u3400-\u9fff]+|[a-z]+", normalize(text, lang)):
        if run.isascii():  # a Latin word in Mandarin ("plus会员"): whole or not at all
            found.update([run] if len(run) >= EN_MIN_LETTERS else [])
        else:
            found.update(run[i:i + n] for n in ZH_LENGTHS for i in range(len(run) - n + 1))
    return found


@dataclass(frozen=True)
class CueWords:
    """How many training sentences of each intent say each candidate word, per language."""

    #: lang -> word -> intent -> sentences
    counts: Mapping[str, Mapping[str, Mapping[str, int]]]

    @classmethod
    def from_examples(cls, examples: Iterable[Example]) -> "CueWords":
        counts: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        for ex in examples:
            for word in _candidates(ex.text, ex.lang):
                counts[ex.lang][word][ex.intent] += 1
        return cls({lang: {w: dict(c) for w, c in words.items()} for lang, words in counts.items()})

    def for_intents(self, intents: Iterable[str], lang: str, known: Collection[str] | None = None) -> tuple[str, ...]:
        """Cues of ``intents`` in ``lang``, most often said first (at most ``MAX_PER_OPTION``); with
        ``known``, only those words (a recogniser's vocabulary) are candidates."""
        wanted = frozenset(intents)
        if not wanted:
            return ()
        found = []
        for word, by_intent in self.counts.get(lang, {}).items():
            if known is not None and word not in known:
                continue
            support = sum(n for intent, n in by_intent.items() if intent in wanted)
            if support >= MIN_SUPPORT and support >= MIN_PRECISION * sum(by_intent.values()):
                found.append((-support, word))
        return tuple(word for _, word in sorted(found)[:MAX_PER_OPTION])
