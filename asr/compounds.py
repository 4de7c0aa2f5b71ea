"""Compound words: multi-word phrases a model knows as one vocabulary word ("main menu" -> ``main_menu``).

Vosk turns a runtime grammar into a backoff *bigram* over the words of its phrases, so with
"main menu" and "previous menu" in a grammar, "menu" alone or "[unk] menu" is nearly as cheap
as either phrase, and callers' phrases come back with their first word lost. A model whose
vocabulary holds the whole phrase as one word (hotline's command models do) is given that word
instead: the grammar then offers whole phrases only. Results are written back as the phrase.

Any Vosk model works: a phrase whose joined form is not in the vocabulary is passed as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Mapping

from asr.results import RecognitionResult

#: joins the words of a phrase into one vocabulary word
JOINER = "_"
WORDS_FILE = "graph/words.txt"


def compound_word(phrase: str) -> str:
    """The single vocabulary word standing for ``phrase`` ("main menu" -> "main_menu")."""
    return JOINER.join(phrase.split())


def compounds_in(vocabulary: Iterable[str]) -> dict[str, str]:
    """word -> phrase, for every vocabulary word made of other vocabulary words joined by JOINER."""
    vocab = set(vocabulary)
    out = {}
    for word in vocab:
        parts = word.split(JOINER)
        if len(parts) > 1 and all(parts) and all(p in vocab for p in parts):
            out[word] = " ".join(parts)
    return out


def read_vocabulary(model_dir: str | Path) -> list[str]:
    """The words of a model's ``graph/words.txt`` (empty when it has none, e.g. a static graph only)."""
    path = Path(model_dir) / WORDS_FILE
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", errors="replace") as f:
        return [line.split(maxsplit=1)[0] for line in f if line.strip()]


@dataclass(frozen=True)
class Compounds:
    """A model's compound words: how grammars go in and results come out."""

    #: vocabulary word -> the phrase it stands for
    phrases: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of_model(cls, model_dir: str | Path) -> "Compounds":
        return cls.of_vocabulary(read_vocabulary(model_dir))

    @classmethod
    def of_vocabulary(cls, vocabulary: Iterable[str]) -> "Compounds":
        return cls(compounds_in(vocabulary))

    def grammar(self, phrases: Iterable[str]) -> list[str]:
        """The grammar to hand Vosk: each phrase as its compound word when the model has one."""
        out = []
        for p in phrases:
            word = compound_word(p)
            out.append(word if word in self.phrases else p)
        return out

    def text(self, text: str) -> str:
        """Recognised text with compound words written out as their phrases."""
        if not self.phrases or JOINER not in text:
            return text
        return " ".join(self.phrases.get(w, w) for w in text.split())

    def result(self, result: RecognitionResult) -> RecognitionResult:
        """A result with compound words written out (a compound stays one timed word)."""
        if not self.phrases or JOINER not in result.text:
            return result
        words = tuple(replace(w, text=self.phrases.get(w.text, w.text)) for w in result.words)
        return replace(result, text=self.text(result.text), words=words)
