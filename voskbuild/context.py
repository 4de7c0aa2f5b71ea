"""Recover an acoustic model's triphone -> HMM mapping from its decoding graph.

Vosk models ship ``final.mdl`` and ``HCLr.fst`` but not the decision tree, so a new lexicon cannot be
compiled against their acoustics directly. The graph holds the tree's answers: every forward
transition id on an arc names one phone and its pdfs, and the phones on the arcs before and after it
are its left and right context. Because any path through an arc is a path of the graph, every
(left, right) pair seen around an arc maps to that arc's transition id — so the tree can be read back
for every triphone the original lexicon used, and backed off for the rest.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from .kaldi_io import FstArrays, KaldiTransitionModel, base_phone

_WORDS = 4  # 64-bit words per phone set: phones 0 (boundary) .. 255


@dataclass(frozen=True)
class ContextTable:
    """Per centre phone, the (left set, right set, forward tid, count) entries read from a graph."""

    #: centre phone -> (left sets, right sets, forward tids, counts), one row per distinct arc context
    entries: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    #: phone id -> base phone name, for backing off across word positions (sp_B -> sp, a_E -> a)
    base_of: dict[int, str]
    #: forward tid -> (phone, forward pdf, self-loop pdf), and (phone, forward pdf, self-loop pdf) -> forward tid
    #: for every transition state of the model (the graph uses only some)
    tid_info: dict[int, tuple[int, int, int]]
    tid_of: dict[tuple[int, int, int], int]

    def _base_mask(self, phone: int) -> np.ndarray:
        if phone == 0:
            return _mask(0)
        base = self.base_of[phone]
        return _mask(*(p for p, b in self.base_of.items() if b == base))

    def forward_tid(self, left: int, centre: int, right: int) -> tuple[int, str]:
        """The forward transition id of ``centre`` between ``left`` and ``right``, and how it was found:
        ``exact``; ``base`` (the context phones in another word position: trees ask about base
        phones); ``left``/``right`` (one side matched, by base phone); ``centre`` (the phone's commonest);
        or ``position`` (another word position of the centre phone, on this phone's own transition)."""
        rows = self.entries.get(centre)
        if rows is not None:
            L, R, tids, counts = rows
            lb, rb = self._base_mask(left), self._base_mask(right)
            li, ri = _mask(left), _mask(right)
            has = lambda sets, mask: (sets & mask).any(axis=1)  # noqa: E731
            for how, hit in (("exact", has(L, li) & has(R, ri)), ("base", has(L, lb) & has(R, rb)),
                             ("left", has(L, lb)), ("right", has(R, rb)), ("centre", np.ones(len(tids), bool))):
                if hit.any():
                    votes = np.bincount(tids[hit], weights=counts[hit])
                    return int(votes.argmax()), how
        # another word position of the base phone: its pdfs, on this phone's own transition state (Vosk
        # reads the phone, and so word boundaries, from the transition id)
        base = self.base_of[centre]
        for other, name in self.base_of.items():
            if name == base and other != centre and other in self.entries:
                _, fwd, loop = self.tid_info[self.forward_tid(left, other, right)[0]]
                own = self.tid_of.get((centre, fwd, loop))
                if own is None:
                    own = next((t for (p, f, _), t in self.tid_of.items() if p == centre and f == fwd), None)
                if own is None:
                    own = next((t for (p, _, _), t in self.tid_of.items() if p == centre), None)
                if own is not None:
                    return own, "position"
        raise KeyError(f"phone {centre} ({base}) never occurs in the source graph")


def _mask(*phones: int) -> np.ndarray:
    out = np.zeros(_WORDS, dtype=np.uint64)
    for p in phones:
        out[p >> 6] |= np.uint64(1) << np.uint64(p & 63)
    return out


def _bits(phones: np.ndarray) -> np.ndarray:
    out = np.zeros((len(phones), _WORDS), dtype=np.uint64)
    out[np.arange(len(phones)), phones >> 6] = np.left_shift(np.uint64(1), (phones & 63).astype(np.uint64))
    return out


def _propagate(bits: np.ndarray, frm: np.ndarray, to: np.ndarray) -> None:
    """bits[to] |= bits[frm] along the given arcs, until nothing changes (epsilon closure)."""
    while True:
        before = bits[to].copy()
        np.bitwise_or.at(bits, to, bits[frm])
        if np.array_equal(before, bits[to]):
            return


def recover_context(tm: KaldiTransitionModel, graph: FstArrays, phone_names: dict[int, str]) -> ContextTable:
    """Read the triphone -> forward transition id table out of ``graph`` (an HCLr or HCLG)."""
    transitions = tm.transitions()
    n_tids = len(transitions)
    tid_phone = np.zeros(n_tids + 1, dtype=np.int64)
    tid_forward = np.zeros(n_tids + 1, dtype=bool)
    for t in transitions:
        tid_phone[t.tid], tid_forward[t.tid] = t.phone, not t.self_loop
    src, dst, lab = graph.sources(), graph.nextstate, graph.ilabel
    real = (lab > 0) & (lab <= n_tids)
    fwd = real & tid_forward[np.where(real, lab, 0)]
    silent = ~fwd  # epsilons, disambiguation ids and self-loops carry no phone
    n_states = len(graph.final)

    left = np.zeros((n_states, _WORDS), dtype=np.uint64)  # phones that can end just before a state
    np.bitwise_or.at(left, dst[fwd], _bits(tid_phone[lab[fwd]]))
    left[graph.start] |= _bits(np.array([0]))[0]
    _propagate(left, src[silent], dst[silent])

    right = np.zeros((n_states, _WORDS), dtype=np.uint64)  # phones that can start just after a state
    np.bitwise_or.at(right, src[fwd], _bits(tid_phone[lab[fwd]]))
    right[np.isfinite(graph.final)] |= _bits(np.array([0]))[0]
    _propagate(right, dst[silent], src[silent])

    rows = np.concatenate([lab[fwd, None].astype(np.uint64), left[src[fwd]], right[dst[fwd]]], axis=1)
    unique, counts = np.unique(rows, axis=0, return_counts=True)
    centre_of = tid_phone[unique[:, 0].astype(np.int64)]
    entries = {}
    for c in np.unique(centre_of):
        sel = centre_of == c
        entries[int(c)] = (unique[sel, 1:1 + _WORDS], unique[sel, 1 + _WORDS:], unique[sel, 0].astype(np.int64),
                           counts[sel].astype(np.float64))
    base_of = {pid: base_phone(name) for pid, name in phone_names.items()}
    tid_info = {t.tid: (t.phone, t.pdf, tm.tuples[t.state - 1][3]) for t in transitions if not t.self_loop}
    return ContextTable(entries, base_of, tid_info, {v: k for k, v in tid_info.items()})
