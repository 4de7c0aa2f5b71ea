"""The spike test on its own: known p-values, the BH correction, and alerts on counts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from scipy.stats import poisson

from qa.analytics import SeriesKey, SpikeSettings, detect, poisson_rise_p
from qa.analytics.spikes import baseline_hours, benjamini_hochberg

HOUR = datetime(2026, 11, 30, 2, tzinfo=timezone.utc)


def test_zero_baseline_p_is_one_over_weeks_plus_one_to_the_count():
    assert poisson_rise_p(5, [0, 0, 0, 0]) == pytest.approx(0.2 ** 5)
    assert poisson_rise_p(0, [3, 3]) == 1.0


def test_a_long_baseline_approaches_the_poisson_test_on_its_mean():
    # with 2000 weeks at mean 2 the baseline rate is known: P(X >= 6 | lambda = 2)
    assert poisson_rise_p(6, [2] * 2000) == pytest.approx(poisson.sf(5, 2.0), rel=0.02)


def test_a_short_baseline_is_weaker_evidence_than_a_long_one():
    assert poisson_rise_p(8, [2] * 2) > poisson_rise_p(8, [2] * 20)


def test_benjamini_hochberg_known_values():
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])


def test_baseline_is_the_same_hour_of_previous_weeks():
    assert baseline_hours(HOUR, 2) == [HOUR - timedelta(days=7), HOUR - timedelta(days=14)]


def _counts(rng, rates: dict[SeriesKey, float], weeks: int) -> dict:
    hours = [HOUR, *baseline_hours(HOUR, weeks)]
    return {key: {h: int(rng.poisson(rate)) for h in hours} for key, rate in rates.items()}


RATES = {SeriesKey("intent", f"i{n}", region): rate
         for n, rate in enumerate([0.3, 1.0, 2.0, 4.0, 8.0, 15.0])
         for region in (None, "Beijing", "Guangdong", "Jiangsu")}


def test_flat_poisson_noise_raises_no_alert_over_many_seeds():
    settings = SpikeSettings()
    tested = 0
    for seed in range(300):
        report = detect(_counts(np.random.default_rng(seed), RATES, settings.weeks), HOUR, settings)
        tested += len(report.tests)
        assert report.alerts == [], (seed, [t.key for t in report.alerts])
    assert tested > 300 * len(RATES) * 0.6  # the series really were tested


def test_a_planted_rise_is_found_in_its_series_and_false_alerts_stay_within_the_fdr():
    key = SeriesKey("intent", "i2", "Guangdong")  # ~2 calls an hour, 22 this hour
    false_alerts = 0
    for seed in range(50):
        counts = _counts(np.random.default_rng(seed), RATES, 4)
        counts[key][HOUR] += 20
        alerts = detect(counts, HOUR).alerts
        assert alerts[0].key == key and alerts[0].hour == HOUR and alerts[0].count >= 20, seed
        false_alerts += len(alerts) - 1
    # BH at 1%: false alerts are at most ~1% of all alerts (50 true ones here)
    assert false_alerts <= 2


def test_small_counts_need_min_count_even_from_nothing():
    counts = {SeriesKey("term", "暴雨"): {HOUR: 4}}
    assert detect(counts, HOUR).alerts == []
    counts = {SeriesKey("term", "暴雨"): {HOUR: 5}}
    assert [a.count for a in detect(counts, HOUR).alerts] == [5]


def test_a_significant_but_small_rise_is_not_an_alert():
    # 60 against a steady 40: significant over hundreds of calls, but not twice the usual
    counts = {SeriesKey("intent", "order_status"): {HOUR: 60, **{h: 40 for h in baseline_hours(HOUR, 4)}}}
    report = detect(counts, HOUR)
    assert report.tests[0].p_value < 0.01 and report.alerts == []


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="weeks"):
        detect({}, HOUR, SpikeSettings(weeks=0))


def test_public_surface():
    import qa.analytics

    assert sorted(qa.analytics.__all__) == qa.analytics.__all__
    assert all(hasattr(qa.analytics, name) for name in qa.analytics.__all__)
    assert {"summarize", "find_alerts", "detect", "post", "Summary", "SpikeReport"} <= set(qa.analytics.__all__)
