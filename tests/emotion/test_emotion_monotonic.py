"""Controlled espeak-ng stimuli (research note 5.2): each feature follows its control, the others hold still.

Levels stop where the control itself stops working by the Praat reference (note 5.2): roughness above 4
and flutter above 30 plateau in Praat's shimmer and jitter too.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

import emotion

SR = 16000
#: family -> (espeak settings per level, feature, expected sign of rho)
FAMILIES = {
    "pitch": ([{"p": p} for p in (40, 55, 70, 90)], "f0_med_st", +1),
    "range": ([{"variant": f"range{t}"} for t in (100, 118, 160, 220)], "f0_range_st", +1),
    "rate": ([{"s": s} for s in (100, 140, 175, 220, 280)], "rate_syl_s", +1),
    "amplitude": ([{"a": a} for a in (25, 50, 100, 150)], "loud_db", +1),
    "tilt": ([{"variant": f"tone{a}"} for a in (40, 80, 110, 170, 255)], "alpha_db", +1),
    "breath": ([{"variant": f"breath{b}"} for b in (0, 10, 25, 50, 100)], "hnr_db", -1),
    "roughness": ([{"variant": f"rough{r}"} for r in (0, 2, 4)], "shimmer_pct", +1),
    "flutter": ([{"variant": f"flutter{f}"} for f in (0, 10, 30)], "jitter_pct", +1),
}
CONDITIONS = [(lang, ch) for lang in ("en", "zh") for ch in ("wb", "tel")]


@pytest.fixture(scope="module", params=CONDITIONS, ids=lambda c: f"{c[0]}-{c[1]}")
def features(request, stimuli, tel):
    """Whole-clip features of every family level for one language x channel."""
    lang, ch = request.param
    out = {}
    for fam, (levels, _, _) in FAMILIES.items():
        clips = [stimuli.say(lang, **kw) for kw in levels]
        out[fam] = [emotion.clip_features(tel(y) if ch == "tel" else y, SR) for y in clips]
    return out


@pytest.mark.parametrize("family", list(FAMILIES))
def test_feature_follows_its_control(features, family):
    _, feature, sign = FAMILIES[family]
    values = [getattr(f, feature) for f in features[family]]
    assert all(np.isfinite(values)), values
    rho = spearmanr(range(len(values)), values).statistic
    assert sign * rho >= 0.9, (family, feature, values)


@pytest.mark.parametrize("family", ["amplitude", "tilt"])
def test_f0_level_holds_under_loudness_and_tilt(features, family):
    f0 = [f.f0_med_st for f in features[family]]
    assert max(f0) - min(f0) <= 0.3, f0


@pytest.mark.parametrize("family", ["pitch", "range", "tilt", "amplitude"])
def test_syllable_count_holds_when_rate_does_not_change(features, family):
    counts = [f.syllables for f in features[family]]
    assert max(counts) <= 1.1 * min(counts), counts


def test_tilt_holds_under_loudness(features):
    alpha = [f.alpha_db for f in features["amplitude"]]
    assert max(alpha) - min(alpha) <= 1.0, alpha
