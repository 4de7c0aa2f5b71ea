"""Decoding graphs, the Python equivalent of Kaldi's ``mkgraph.sh``.

Writes ``HCLr.fst`` (H∘C∘L determinized, self-loops added, disambiguation tids kept) plus ``Gr.fst``
(a unigram loop over all words, or a bigram language model over a domain corpus) and
``disambig_tid.int``, so Vosk composes per-menu grammars at run time; optionally a static
``HCLG.fst`` for a fixed word loop (which disables runtime grammars).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .domain import bigram_fst_text
from .lexicon import SIL, UNK, Lexicon
from .phones import PhoneTable, phone_table

SIL_PROB = 0.5


@dataclass(frozen=True)
class WordTable:
    """Word ids as in ``words.txt``: <eps>=0, words 1..N, then #0, <s>, </s>."""

    words: tuple[str, ...]

    def word_id(self, w: str) -> int:
        return self._ids[w]

    @functools.cached_property
    def _ids(self) -> dict[str, int]:
        return {w: i + 1 for i, w in enumerate(self.words)}

    def words_txt(self) -> str:
        n = len(self.words)
        lines = ["<eps> 0"] + [f"{w} {i + 1}" for i, w in enumerate(self.words)]
        lines += [f"#0 {n + 1}", f"<s> {n + 2}", f"</s> {n + 3}"]
        return "\n".join(lines) + "\n"


def positional_prons(lexicon: Lexicon) -> dict[str, tuple[str, ...]]:
    out = {}
    for w, pron in lexicon.prons.items():
        if len(pron) == 1:
            out[w] = (f"{pron[0]}_S",)
        else:
            out[w] = (f"{pron[0]}_B", *(f"{p}_I" for p in pron[1:-1]), f"{pron[-1]}_E")
    return out


def disambiguate(prons: dict[str, tuple[str, ...]], reserve_unk: bool = True) -> dict[str, int]:
    """Disambiguation symbol index per word (0 = none), as Kaldi's add_lex_disambig.pl does.

    Homophones get #1, #2, ...; a pronunciation that is a proper prefix of another gets one too.
    #0 stays reserved for language-model backoff.
    """
    prefixes = {pron[:k] for pron in prons.values() for k in range(1, len(pron))}
    counts: dict[tuple[str, ...], int] = {}
    for pron in prons.values():
        counts[pron] = counts.get(pron, 0) + 1
    next_k: dict[tuple[str, ...], int] = {}
    out = {}
    for w, pron in prons.items():
        if counts[pron] > 1 or pron in prefixes:
            next_k[pron] = next_k.get(pron, 0) + 1
            out[w] = next_k[pron]
        else:
            out[w] = 0
    if reserve_unk and UNK in prons:
        # a symbol of its own for the phone-loop garbage word (see _unk_loop)
        out[UNK] = max(out.values()) + 1
    return out


def lexicon_fst_text(lexicon: Lexicon, table: PhoneTable, words: WordTable, disambig: dict[str, int],
                     unk_cost: float = 0.0, unk_phone_cost: float | None = None, word_cost: float = 0.0) -> str:
    """L with optional silence between words, in OpenFst text format (integer labels).

    ``[unk]`` is a garbage word: with ``unk_phone_cost`` None it is the single trained garbage phone;
    otherwise it is a free loop over every phone (garbage included) costing ``unk_phone_cost`` per
    phone, so speech that matches no menu word is better explained by the loop than by a forced word.
    ``unk_cost`` (-log prob) is added once per ``[unk]``; together they trade false rejects against
    false accepts. ``word_cost`` is a word insertion penalty on every other word (Vosk's grammar is a
    backoff bigram, so without it extra short words creep in around a phrase).
    """
    sil = table.phone_id(SIL)
    no_sil_cost, sil_cost = -math.log(1 - SIL_PROB), -math.log(SIL_PROB)
    start, loop, sil_state = 0, 1, 2
    lines = [f"{start} {loop} 0 0 {no_sil_cost}", f"{start} {sil_state} 0 0 {sil_cost}", f"{sil_state} {loop} {sil} 0"]
    next_state = 3
    disambig_ids = table.disambig_ids()
    for w, pron in positional_prons(lexicon).items():
        if w == UNK and unk_phone_cost is not None:
            continue
        labels = [table.phone_id(p) for p in pron]
        if disambig[w]:
            labels.append(disambig_ids[disambig[w]])
        src = loop
        for i, label in enumerate(labels):
            out = words.word_id(w) if i == 0 else 0
            cost = 0.0 if i else (unk_cost if w == UNK else word_cost)
            if len(labels) == 1:
                lines.append(f"{src} {loop} {label} {out} {no_sil_cost + cost}")
                lines.append(f"{src} {sil_state} {label} {out} {sil_cost + cost}")
            elif i < len(labels) - 1:
                lines.append(f"{src} {next_state} {label} {out} {cost}")
                src, next_state = next_state, next_state + 1
            else:
                lines.append(f"{src} {loop} {label} {out} {no_sil_cost}")
                lines.append(f"{src} {sil_state} {label} {out} {sil_cost}")
    if unk_phone_cost is not None:
        lines += _unk_loop(table, words.word_id(UNK), disambig_ids[disambig[UNK]], next_state, loop, sil_state,
                           unk_cost, unk_phone_cost)
    lines.append(f"{loop}")
    return "\n".join(lines) + "\n"


def _unk_loop(table: PhoneTable, unk_id: int, marker: int, first: int, loop: int, sil_state: int,
              unk_cost: float, phone_cost: float) -> list[str]:
    """Arcs of the phone-loop garbage word: marker:[unk], then p_S, or p_B p_I* p_E, back to the loop."""
    no_sil_cost, sil_cost = -math.log(1 - SIL_PROB), -math.log(SIL_PROB)
    entry, middle, end = first, first + 1, first + 2
    # the disambiguation marker keeps "[unk] over these phones" apart from a real word with the same phones
    lines = [f"{loop} {entry} {marker} {unk_id} {unk_cost}"]
    for base in table.base_phones:
        if base == SIL:
            continue
        ids = {pos: table.phone_id(f"{base}_{pos}") for pos in "BIES"}
        lines += [f"{entry} {end} {ids['S']} 0 {phone_cost}", f"{entry} {middle} {ids['B']} 0 {phone_cost}",
                  f"{middle} {middle} {ids['I']} 0 {phone_cost}", f"{middle} {end} {ids['E']} 0 {phone_cost}"]
    lines += [f"{end} {loop} 0 0 {no_sil_cost}", f"{end} {sil_state} 0 0 {sil_cost}"]
    return lines


def unigram_loop_text(words: WordTable) -> str:
    """A free loop over every word, equal probability (the default grammar)."""
    cost = math.log(len(words.words))
    lines = [f"0 0 {i} {i} {cost}" for i in range(1, len(words.words) + 1)]
    return "\n".join(lines + ["0"]) + "\n"


@dataclass(frozen=True)
class GraphParts:
    """What the graph build produced (FSTs are kaldifst objects)."""

    table: PhoneTable
    words: WordTable
    hclr: object
    gr: object
    disambig_tids: list[int]
    tm: object
    #: the sentences the language model in ``gr`` was trained on (None: a unigram loop)
    lm_sentences: tuple[tuple[str, ...], ...] | None = None


def build_graphs(lexicon: Lexicon, unk_cost: float = 0.0, unk_phone_cost: float | None = None,
                 word_cost: float = 0.0, self_loop_scale: float = 1.0, transition_scale: float = 1.0,
                 lm_sentences: Sequence[Sequence[str]] | None = None) -> GraphParts:
    """The graphs of ``lexicon``; ``Gr.fst`` is a bigram over ``lm_sentences`` when given (free
    speech then follows the domain's word order), else a loop over every word."""
    import kaldi_hmm_gmm as khg
    import kaldifst

    from .hmm import make_transition_model

    prons = positional_prons(lexicon)
    disambig = disambiguate(prons, reserve_unk=unk_phone_cost is not None)
    table = phone_table(lexicon, num_disambig=max(disambig.values()) + 1)
    words = WordTable(tuple(lexicon.prons))
    ctx, tm = make_transition_model(table)

    lfst = kaldifst.compile(lexicon_fst_text(lexicon, table, words, disambig, unk_cost, unk_phone_cost, word_cost))
    kaldifst.arcsort(lfst, sort_type="olabel")
    clfst, ilabels = kaldifst.compose_context(table.disambig_ids(), 1, 0, lfst)
    kaldifst.arcsort(clfst, sort_type="ilabel")
    hfst, disambig_tids = khg.get_h_transducer(ilabels, ctx, tm, khg.HTransducerConfig(transition_scale))
    kaldifst.arcsort(hfst, sort_type="olabel")
    hcl = kaldifst.compose(hfst, clfst)
    kaldifst.determinize_star(hcl, use_log=True)
    kaldifst.minimize_encoded(hcl)
    hcl = khg.add_self_loops(self_loop_scale=self_loop_scale, disambig_syms=disambig_tids, reorder=True,
                             trans_model=tm, ifst=hcl)
    kaldifst.arcsort(hcl, sort_type="olabel")

    if lm_sentences:
        lm_sentences = tuple(tuple(s) for s in lm_sentences)
        gr = kaldifst.compile(bigram_fst_text(lm_sentences, words.words, words.word_id))
    else:
        gr = kaldifst.compile(unigram_loop_text(words))
    kaldifst.arcsort(gr, sort_type="ilabel")
    return GraphParts(table, words, hcl, gr, list(disambig_tids), tm, lm_sentences or None)


def write_const(fst, path: Path) -> None:
    import kaldifst

    kaldifst.StdConstFst(fst).write(str(path))
