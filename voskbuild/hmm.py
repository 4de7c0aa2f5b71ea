"""HMM topology and TransitionModel (kaldi-hmm-gmm), written in Kaldi text format.

One emitting state with a self-loop per phone: with ``--frame-subsampling-factor=3`` a phone lasts at
least one 30 ms output frame, and vosk 0.3.45's hard-coded 0.03 s per frame gives true word times.

kaldi-hmm-gmm and kaldifst must never share a process with vosk (each ships its own OpenFst).
"""

from __future__ import annotations

from .phones import PhoneTable

SELF_LOOP_PROB = 0.5


def topology_text(num_phones: int) -> str:
    ids = " ".join(str(i) for i in range(1, num_phones + 1))
    p = SELF_LOOP_PROB
    return (
        "<Topology>\n<TopologyEntry>\n<ForPhones>\n"
        f"{ids}\n</ForPhones>\n"
        f"<State> 0 <PdfClass> 0 <Transition> 0 {p} <Transition> 1 {1 - p} </State>\n"
        "<State> 1 </State>\n</TopologyEntry>\n</Topology>\n"
    )


def make_transition_model(table: PhoneTable):
    """(ContextDependency, TransitionModel) with all position variants of a base phone sharing one pdf."""
    import kaldi_hmm_gmm as khg

    topo = khg.HmmTopology()
    topo.read(topology_text(len(table.phones)))
    num_pdf_classes = [0] + [1] * len(table.phones)
    ctx = khg.monophone_context_dependency_shared(table.pdf_classes(), num_pdf_classes)
    tm = khg.TransitionModel(ctx, topo)
    return ctx, tm


def transition_model_text(tm) -> str:
    """Kaldi text form of the TransitionModel (``<Triples>`` layout, which Kaldi still reads)."""
    return str(tm)
