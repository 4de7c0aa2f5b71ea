"""A timeline picture for people: arousal over time, flagged stretches, lexical hits. Needs matplotlib."""

from __future__ import annotations

from os import PathLike

from .fusion import TENSE_AT
from .timeline import EmotionTimeline

_LABEL_COLOURS = {"calm": "#4caf50", "tense": "#ffb300", "agitated": "#e53935", "distressed": "#6a1b9a"}


def plot_timeline(tl: EmotionTimeline, path: str | PathLike, title: str = "") -> None:
    """Write ``tl`` as a PNG to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6.0, min(20.0, tl.duration_s / 4)), 3.2), dpi=110)
    try:
        t = [w.t1 for w in tl.windows]
        ax.plot(t, [w.score if w.score is not None else float("nan") for w in tl.windows], ".", color="#90a4ae", label="window score")
        ax.plot(t, [w.smooth if w.smooth is not None else float("nan") for w in tl.windows], "-", color="#1e88e5", label="smoothed")
        ax.plot(t, [w.agitation if w.agitation is not None else float("nan") for w in tl.windows], "-", color="#e53935", lw=1, alpha=0.7, label="fused")
        for i, span in enumerate(tl.summary.flagged_spans):
            ax.axvspan(span["start"], span["end"], color="#e53935", alpha=0.14, lw=0,
                       label="flagged" if i == 0 else None)
        for w in tl.windows:
            if w.score is None:
                ax.axvspan(w.t1 - 1.0, w.t1, color="#cfd8dc", alpha=0.35, lw=0)
            if w.label:
                ax.plot([w.t1 - 1.0, w.t1], [-0.06, -0.06], color=_LABEL_COLOURS[w.label], lw=5, solid_capstyle="butt")
        for h in tl.hits:
            if h.time is not None:
                ax.axvline(h.time, color="#6a1b9a" if h.category == "safety" else "#fb8c00", lw=1, ls="--")
                # the default fonts have no hanzi: name the category for non-ASCII phrases
                name = h.phrase if h.phrase.isascii() else h.category
                ax.text(h.time, 1.02, name, rotation=45, fontsize=7, ha="left", va="bottom")
        ax.axhline(TENSE_AT, color="#ffb300", lw=0.6, ls=":")
        ax.set_ylim(-0.1, 1.05)
        ax.set_xlim(0, max(tl.duration_s, 1.0))
        ax.set_xlabel("time (s)")
        ax.set_ylabel("arousal")
        s = tl.summary
        ax.set_title(title or f"{s.label} (peak {s.peak if s.peak is not None else '-'}, {s.confidence} confidence)", fontsize=9)
        ax.legend(loc="upper left", fontsize=7, frameon=False)
        fig.tight_layout()
        fig.savefig(str(path))
    finally:
        plt.close(fig)
