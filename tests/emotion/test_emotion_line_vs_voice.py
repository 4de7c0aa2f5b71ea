"""A line-level change is not emotion, a raised voice is; sustained tension flags (issue 19, items 1-2)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

import emotion
from emotion.scorer import ArousalScorer, is_line_change
from emotion.window import WindowFeatures
from synth import add_noise

SR = 16000
LANGS = ["en", "zh"]
#: line noise under the whole call (active speech level minus noise RMS, dB): a real line has a floor
LINE_SNR_DB = 35.0


def features(t1: float, **over) -> WindowFeatures:
    """A valid window of steady calm speech, with ``over`` changed."""
    base = dict(t0=t1 - 3.0, t1=t1, speech_s=2.5, voiced_s=2.0, tonal_s=0.0, f0_med_hz=180.0, f0_med_st=32.0,
                f0_range_st=4.0, f0_slope_st_s=0.0, loud_db=-26.0, floor_db=-62.0, alpha_db=-12.0,
                hammarberg_db=20.0, slope_db_khz=-6.0, syllables=10, rate_syl_s=4.0, pause_ratio=0.2,
                jitter_pct=2.0, shimmer_pct=12.0, hnr_db=10.0, reason=None)
    return WindowFeatures(**{**base, **over})


def test_floor_that_moves_with_the_speech_is_the_line():
    before = features(10.0)
    assert is_line_change(before, features(13.0, loud_db=-18.0, floor_db=-54.5))  # +8 dB, floor +7.5
    assert is_line_change(before, features(13.0, loud_db=-34.0, floor_db=-70.0))  # -8 dB both
    # louder speech over a floor that stayed put is the voice, even with pitch and tilt unchanged
    assert not is_line_change(before, features(13.0, loud_db=-18.0, floor_db=-62.0))
    assert not is_line_change(before, features(13.0, loud_db=-18.0, floor_db=-66.0))


def test_without_a_floor_the_voice_decides():
    before = features(10.0, floor_db=math.nan)
    louder = dict(loud_db=-18.0, floor_db=math.nan)
    assert is_line_change(before, features(13.0, **louder))
    assert is_line_change(before, features(13.0, **louder, f0_med_st=31.0))  # lower pitch: not effort
    assert not is_line_change(before, features(13.0, **louder, f0_med_st=34.0))  # higher
    assert not is_line_change(before, features(13.0, **louder, alpha_db=-9.0))  # brighter
    assert not is_line_change(before, features(13.0, **louder, hammarberg_db=16.0))  # flatter
    assert not is_line_change(before, features(13.0, **louder, f0_range_st=7.0))  # wider


def _feed(scorer: ArousalScorer, rows: list[WindowFeatures]):
    return [scorer.update(wf, new_speech_s=1.0) for wf in rows]


def _baseline(n: int = 14) -> list[WindowFeatures]:
    return [features(3.0 + i, f0_med_st=32.0 + 0.3 * (-1) ** i) for i in range(n)]


def test_sustained_tension_flags_though_it_never_peaks():
    scorer = ArousalScorer()
    _feed(scorer, _baseline())
    # 1.7 SD higher and louder, tilt as the F0 coupling predicts (no extra effort): tense, not agitated
    tense = [features(17.0 + i, f0_med_st=33.7, loud_db=-22.6, alpha_db=-11.4, hammarberg_db=19.4) for i in range(6)]
    out = _feed(scorer, tense)
    assert all(0.4 <= s.score < 0.6 for s in out[1:]), [s.score for s in out]  # "tense", never a peak
    assert max(s.smooth for s in out) < 0.6
    assert not out[0].flag and not out[1].flag
    assert out[-1].flag  # time spent at the tense level flagged it
    assert out[-1].level_step_db == 0.0  # the floor stayed: the voice, not the line


def test_a_short_tense_moment_does_not_flag():
    scorer = ArousalScorer()
    _feed(scorer, _baseline())
    blip = [features(17.0 + i, f0_med_st=34.0, loud_db=-22.0) for i in range(2)]
    calm = [features(19.0 + i) for i in range(6)]
    assert not any(s.flag for s in _feed(scorer, blip + calm))


@pytest.fixture(scope="module", params=LANGS)
def calm_speech(request, stimuli, calm_style):
    y, spans = stimuli.call(request.param, [("calm", calm_style)] * 8, tel=False)
    return request.param, y, spans


@pytest.mark.parametrize("step_db", [8.0, -8.0])
def test_gain_step_on_a_noisy_line_is_not_emotion(calm_speech, tel, step_db):
    """A real gain step scales the noise floor too: it is taken out of loudness and raises no flag."""
    lang, y, spans = calm_speech
    noisy = add_noise(y, SR, "pink", LINE_SNR_DB, seed=3)
    step = int(spans[4][0] * SR) - int(0.2 * SR)
    noisy[step:] *= 10 ** (step_db / 20)
    tl = emotion.score_file(tel(np.clip(noisy, -1, 1)), sr=SR)
    assert not any(w.flag for w in tl.windows)
    assert tl.windows[-1].level_step_db == pytest.approx(step_db, abs=2.5)
    assert any("channel level change" in r for r in tl.summary.reasons)
    floors = [w.features["floor_db"] for w in tl.windows if w.features["floor_db"] is not None]
    assert len(floors) >= 0.5 * len(tl.windows)  # the floor was measurable, so it decided


@pytest.mark.parametrize("lang", LANGS)
def test_raised_voice_on_a_noisy_line_is_flagged_not_rebaselined(stimuli, calm_style, agitated_style, tel, lang):
    """Louder and higher and tenser over a floor that stays put: flagged, and no level change is assumed."""
    y, spans = stimuli.call(lang, [("calm", calm_style)] * 5 + [("agitated", agitated_style)] * 4, tel=False)
    tl = emotion.score_file(tel(np.clip(add_noise(y, SR, "pink", LINE_SNR_DB, seed=4), -1, 1)), sr=SR)
    start = next(s[0] for s in spans if s[2] == "agitated")
    flagged = [w.t1 for w in tl.windows if w.flag]
    assert flagged and flagged[0] > start and flagged[0] - start <= 6.0
    assert all(w.level_step_db == 0.0 for w in tl.windows)
    assert not any("channel level change" in r for r in tl.summary.reasons)
    assert tl.summary.flagged_spans and tl.summary.flagged_spans[0]["start"] >= start - 1.0


def test_window_features_report_the_floor(stimuli, tel):
    """The floor is measured between words and is absent over digital silence."""
    y = stimuli.say("en")
    gap = np.zeros(SR, dtype=np.float32)
    quiet = np.concatenate([gap, y, gap])
    noisy = add_noise(quiet, SR, "white", 30.0, seed=5)
    plain = emotion.clip_features(tel(quiet), sr=SR)
    lined = emotion.clip_features(tel(noisy), sr=SR)
    assert plain.floor_db != plain.floor_db or plain.floor_db < -75  # NaN or near-silent
    assert -75 < lined.floor_db < lined.loud_db - 20
    louder = emotion.clip_features(tel(np.clip(noisy * 10 ** (6 / 20), -1, 1)), sr=SR)
    assert louder.floor_db - lined.floor_db == pytest.approx(6.0, abs=1.5)
    assert replace(lined, reason=None).valid
