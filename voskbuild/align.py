"""Frame labels for training: flat start from the known speech region, then Viterbi realignment.

Alignment works on 10 ms frames over a left-to-right chain of phones (optional silence between words,
at least ``MIN_FRAMES`` frames per phone, matching one 30 ms frame of the decoding topology).
"""

from __future__ import annotations

import numpy as np

MIN_FRAMES = 3
_NEG = -1e30


def state_chain(word_prons: list[tuple[int, ...]], sil_pdf: int) -> tuple[np.ndarray, np.ndarray]:
    """(pdf per state, optional flag per state) for [SIL?] w1 [SIL?] w2 ... [SIL?]; each phone is
    MIN_FRAMES states, the last with a self-loop."""
    pdfs: list[int] = []
    optional: list[bool] = []
    units: list[tuple[int, bool]] = [(sil_pdf, True)]
    for pron in word_prons:
        units += [(p, False) for p in pron]
        units.append((sil_pdf, True))
    for pdf, opt in units:
        pdfs += [pdf] * MIN_FRAMES
        optional += [opt] * MIN_FRAMES
    return np.asarray(pdfs), np.asarray(optional)


def viterbi(loglik: np.ndarray, pdfs: np.ndarray, optional: np.ndarray) -> np.ndarray | None:
    """Best pdf per frame through the chain, or None if the utterance is too short for it.

    loglik: (T, num_pdfs) frame log-likelihoods. A state may be entered from the previous state, from
    itself if it ends a phone, or by skipping an optional block (3 states) before it.
    """
    T, S = loglik.shape[0], len(pdfs)
    k = MIN_FRAMES
    is_last = np.zeros(S, bool)
    is_last[k - 1::k] = True
    is_first = np.zeros(S, bool)
    is_first[::k] = True
    # skip source: a first state whose preceding block is optional can be entered from the last state
    # before that block
    skip_src = np.full(S, -1)
    for s in range(k, S, k):
        if optional[s - 1] and s - k - 1 >= 0:
            skip_src[s] = s - k - 1
    score = np.full(S, _NEG)
    score[0] = loglik[0, pdfs[0]]
    if optional[0] and S > k:
        score[k] = loglik[0, pdfs[k]]
    back = np.zeros((T, S), np.int8)  # 0 stay, 1 from previous, 2 skip
    emit = loglik[:, pdfs]
    for t in range(1, T):
        stay = np.where(is_last, score, _NEG)
        prev = np.concatenate([[_NEG], score[:-1]])
        skip = np.where(skip_src >= 0, score[np.maximum(skip_src, 0)], _NEG)
        best = np.maximum(np.maximum(stay, prev), skip)
        back[t] = np.where(best == stay, 0, np.where(best == prev, 1, 2))
        score = best + emit[t]
    ends = [S - 1] + ([S - k - 1] if optional[-1] and S > k else [])
    end = max(ends, key=lambda s: score[s])
    if score[end] < _NEG / 2:
        return None
    path = np.empty(T, int)
    s = end
    for t in range(T - 1, -1, -1):
        path[t] = s
        move = back[t, s]
        s = s if move == 0 else (s - 1 if move == 1 else skip_src[s])
    return pdfs[path]


def flat_start(num_frames: int, speech: tuple[int, int], word_prons: list[tuple[int, ...]], sil_pdf: int,
               garbage_pdf: int, garbage_weight: int = 4) -> np.ndarray:
    """Silence outside the known speech frames, phones spread evenly inside (garbage counts as several)."""
    labels = np.full(num_frames, sil_pdf)
    start, end = max(0, speech[0]), min(num_frames, speech[1])
    units = [p for pron in word_prons for p in pron]
    if not units or end <= start:
        return labels
    weights = np.array([garbage_weight if p == garbage_pdf else 1 for p in units], float)
    bounds = start + np.round(np.concatenate([[0], np.cumsum(weights)]) / weights.sum() * (end - start)).astype(int)
    for p, a, b in zip(units, bounds[:-1], bounds[1:]):
        labels[a:b] = p
    return labels
