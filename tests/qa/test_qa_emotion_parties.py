"""The QA back end scores each party with its own baseline: an agent who turns agitated is flagged too."""

from __future__ import annotations

import numpy as np

import synth
from qa.pipeline.emotions import score_party
from synth.callsets import render_call


def test_agent_who_turns_agitated_is_flagged_and_a_calm_one_is_not():
    reg = synth.EngineRegistry()
    angry = render_call("zh", "espeak:cmn+m3", calm=4, agitated=4, seed=31, noise_snr_db=30.0,
                        agitation=synth.agitated(), registry=reg)
    calm = render_call("zh", "espeak:cmn+m3", calm=8, seed=31, noise_snr_db=30.0, registry=reg)
    start_ms = 2000  # the agent joins 2 s into the recording: times stay on the file's clock
    lead = np.zeros(start_ms * 8, dtype=np.int16)
    agent, _ = score_party(np.concatenate([lead, angry.pcm_8k]), 8000, "agent", [], start_ms=start_ms)
    assert agent.flagged_ms > 0
    first = min(p.t1_ms for p in agent.points if p.flag)
    assert first > start_ms + angry.agitated_from * 1000
    assert agent.label == "agitated"
    quiet, _ = score_party(np.concatenate([lead, calm.pcm_8k]), 8000, "agent", [], start_ms=start_ms)
    assert quiet.flagged_ms == 0 and not any(p.flag for p in quiet.points)
