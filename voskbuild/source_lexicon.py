"""Pronunciations of a Vosk model's own words, read from its decoding graph.

A Vosk model ships words (in ``Gr.fst``'s symbol table) and ``HCLr.fst`` but no lexicon. On any path
of HCLr the forward transition ids spell phones, whose word-position markers (``_B ... _E``, ``_S``)
cut them into words, and the output labels name those words in the same order. Random paths from
the start state therefore give (word, phones) pairs; a word's commonest phones over many paths is its
pronunciation. Short, frequent words (every Hangul syllable of a Korean model) come out reliably.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from .kaldi_io import FstArrays, KaldiTransitionModel, base_phone

#: a pronunciation must be seen this often to be trusted (a path may pair a word with its neighbour)
MIN_SEEN = 3


def sample_pronunciations(tm: KaldiTransitionModel, graph: FstArrays, phone_names: dict[int, str],
                          words: dict[int, str], walks: int = 20000, max_steps: int = 400, seed: int = 0,
                          skip: frozenset[str] = frozenset({"sp", "spn"})) -> dict[str, tuple[str, ...]]:
    """word -> base phones, for every word seen at least ``MIN_SEEN`` times with one pronunciation."""
    forward_phone = {t.tid: phone_names[t.phone] for t in tm.transitions() if not t.self_loop}
    seen: dict[str, Counter] = defaultdict(Counter)
    rng = random.Random(seed)
    first_arc, num_arcs = graph.first_arc.tolist(), graph.num_arcs.tolist()
    ilabel, olabel, nextstate = graph.ilabel, graph.olabel, graph.nextstate
    for _ in range(walks):
        state, phones, labels = graph.start, [], []
        for _ in range(max_steps):
            n = num_arcs[state]
            if not n:
                break
            arc = first_arc[state] + rng.randrange(n)
            if olabel[arc]:
                labels.append(int(olabel[arc]))
            name = forward_phone.get(int(ilabel[arc]))
            if name is not None and base_phone(name) not in ("sp",):
                phones.append(name)
            state = int(nextstate[arc])
        for k, pron in enumerate(_split_words(phones)):
            if k >= len(labels) - 1:  # the last word of a cut path may be unfinished
                break
            seen[words.get(labels[k], "")][pron] += 1
    out = {}
    for word, prons in seen.items():
        pron, count = prons.most_common(1)[0]
        if word and count >= MIN_SEEN and not any(p in skip for p in pron):
            out[word] = pron
    return out


def _split_words(phones: list[str]) -> list[tuple[str, ...]]:
    words, current = [], []
    for name in phones:
        current.append(base_phone(name))
        if name.endswith(("_E", "_S")) or "_" not in name:
            words.append(tuple(current))
            current = []
    return words
