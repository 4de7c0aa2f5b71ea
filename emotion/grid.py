"""The frame grid every track shares: 10 ms hop at 16 kHz, frames centred on ``i * HOP``.

Invariant (tested): a signal of ``n`` samples has exactly ``n_frames(n) == 1 + n // HOP`` frames in every track.
Frames are cut from an explicitly zero-padded segment, never with a library's own centring, so no two
extractors can disagree by one frame.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .audio import ANALYSIS_RATE

#: frame hop in samples (10 ms at 16 kHz)
HOP = ANALYSIS_RATE // 100
#: frame rate in frames per second
FRAME_RATE = ANALYSIS_RATE // HOP
#: the widest analysis window in samples (64 ms); segments carry half of it on each side
MAX_WIN = 1024
PAD = MAX_WIN // 2


def n_frames(n_samples: int) -> int:
    """Number of frames on the grid for a signal of ``n_samples`` samples."""
    return 1 + n_samples // HOP


def segment(y: np.ndarray, first_frame: int, count: int) -> np.ndarray:
    """Samples around frames ``first_frame .. first_frame + count - 1``: ``PAD`` samples either side of the
    first and last centre, zero outside the signal (so frames at the edges see silence, as centred framing does)."""
    start = first_frame * HOP - PAD
    stop = (first_frame + count - 1) * HOP + PAD
    out = np.zeros(stop - start, dtype=np.float32)
    lo, hi = max(start, 0), min(stop, len(y))
    if hi > lo:
        out[lo - start : hi - start] = y[lo:hi]
    return out


def frames(seg: np.ndarray, width: int, count: int) -> np.ndarray:
    """``count`` frames of ``width`` samples centred on the grid of a :func:`segment` (shape count x width)."""
    if width > MAX_WIN or width % 2:
        raise ValueError(f"frame width must be even and <= {MAX_WIN}, got {width}")
    off = PAD - width // 2
    view = sliding_window_view(seg[off : off + (count - 1) * HOP + width], width)
    return view[::HOP][:count]
