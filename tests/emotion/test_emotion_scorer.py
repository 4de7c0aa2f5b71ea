"""Scorer behaviour on synthetic telephone calls (research note 5.2, item 3)."""

from __future__ import annotations

import numpy as np
import pytest

import emotion

SR = 16000
LANGS = ["en", "zh"]


def _score(y):
    return emotion.score_file(y, sr=SR)


def _segment_windows(tl, start, end):
    """Windows lying wholly inside start..end (s)."""
    return [w for w in tl.windows if w.t0 >= start - 1e-6 and w.t1 <= end + 1e-6 and w.score is not None]


@pytest.fixture(scope="module", params=LANGS)
def calls(request, stimuli, calm_style, agitated_style):
    """Per language: calm-only, calm->agitated->calm and single-cue calls, scored once."""
    lang = request.param
    calm = [("calm", calm_style)]
    out = {"lang": lang}
    y, spans = stimuli.call(lang, calm * 10)
    out["calm"] = (_score(y), spans)
    y, spans = stimuli.call(lang, calm * 5 + [("agitated", agitated_style)] * 4 + calm * 3)
    out["cac"] = (_score(y), spans)
    singles = {"loud": {"a": 150}, "rate": {"s": 215}, "pitch": {"p": 70}}
    for name, change in singles.items():
        # pitch and rate alone: every sentence at one level (espeak's pitch and rate settings move it too)
        level = None if name == "loud" else 0.05
        y, spans = stimuli.call(lang, calm * 5 + [(name, {**calm_style, **change})] * 3 + calm, level_rms=level)
        out[name] = (_score(y), spans)
    return out


def test_calm_call_raises_no_flag(calls):
    tl, _ = calls["calm"]
    scores = [w.score for w in tl.windows if w.score is not None]
    assert len(scores) > 25
    assert not any(w.flag for w in tl.windows)
    assert np.percentile(scores, 95) <= 0.35
    assert tl.summary.label == "calm"
    assert tl.summary.confidence == "high"


def test_agitated_stretch_is_flagged_fast_and_released(calls):
    tl, spans = calls["cac"]
    agit = [s for s in spans if s[2] == "agitated"]
    start, end = agit[0][0], agit[-1][1]
    flagged = [w.t1 for w in tl.windows if w.flag]
    assert flagged, "the agitated stretch was never flagged"
    onset = flagged[0] - start
    assert 0 < onset <= 4.0
    inside = _segment_windows(tl, start, end)
    assert sum(w.flag for w in inside) >= 0.8 * len(inside)
    released = [w.t1 for w in tl.windows if w.t1 > end and not w.flag]
    assert released and released[0] - end <= 8.0
    assert not any(w.flag for w in tl.windows if w.t1 > end + 8.0)
    assert not any(w.flag for w in tl.windows if w.t1 < start)
    assert tl.summary.label == "agitated"
    peak = max(inside, key=lambda w: w.score)
    assert {"pitch", "energy"} <= {k for k, v in peak.families.items() if v > 1}
    assert any("louder" in r or "higher pitch" in r for r in tl.summary.reasons)


@pytest.mark.parametrize("cue", ["loud", "rate", "pitch"])
def test_single_cue_never_flags(calls, cue):
    tl, _ = calls[cue]
    assert not any(w.flag for w in tl.windows)
