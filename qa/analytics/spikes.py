"""Voice-of-customer spikes: is this hour's count of a series above its own seasonal baseline?

Pure functions over counts; reading the counts from the store is :mod:`qa.analytics.counts`.

A *series* is what is counted per hour: calls with an intent, calls where a QA category fired,
calls in which the caller said a term, each optionally per region (the caller's province). Its
*baseline* is the same hour of the week in each of the previous ``weeks`` weeks, so Monday 9:00
is compared with earlier Mondays at 9:00 and the daily and weekly rhythm of a hotline is not an
alarm.

The test (``exact conditional Poisson test``, Przyborowski & Wilenski 1940): with ``x`` calls
this hour and ``B`` calls in total over the ``n`` baseline hours, if the hourly rate did not
change then, given ``x + B``, ``x`` is Binomial(``x + B``, 1 / (n + 1)). The one-sided p-value
is ``P(X >= x)``. It is exact for small counts, takes the uncertainty of a short baseline into
account (four quiet weeks are weaker evidence than forty), and needs no smoothing for a baseline
of zero (then p = (1 / (n + 1)) ** x). Across all series tested for one hour the p-values are
adjusted with Benjamini-Hochberg, so checking hundreds of terms and regions does not produce
alerts by chance: an alert needs a BH-adjusted p at or below ``alpha``, at least ``min_count``
calls and at least ``min_ratio`` times the baseline mean (a significant rise too small to act
on is not an alert).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Mapping, Sequence

from scipy.stats import binom

#: what a series counts
KINDS = ("intent", "category", "term")


@dataclass(frozen=True)
class SeriesKey:
    """One counted series: ``kind`` (intent, category or term), its ``name``, and a region or None (all)."""

    kind: str
    name: str
    region: str | None = None

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return self.kind, self.name, self.region or ""

    def label(self) -> str:
        return f"{self.kind}:{self.name}" + (f"@{self.region}" if self.region else "")


@dataclass(frozen=True)
class SpikeSettings:
    """How strict the test is; the defaults suit hourly counts of a national hotline."""

    #: previous weeks whose same hour-of-week form the baseline
    weeks: int = 4
    #: false discovery rate across the series tested for one hour (Benjamini-Hochberg)
    alpha: float = 0.01
    #: fewest calls in the hour for an alert
    min_count: int = 5
    #: the hour must have at least this many times the baseline mean
    min_ratio: float = 2.0

    def problems(self) -> list[str]:
        found = []
        if not 1 <= self.weeks <= 52:
            found.append("weeks: must be between 1 and 52")
        if not 0 < self.alpha < 1:
            found.append("alpha: must be between 0 and 1")
        if self.min_count < 1:
            found.append("min_count: must be at least 1")
        if self.min_ratio < 1:
            found.append("min_ratio: must be at least 1")
        return found


@dataclass(frozen=True)
class SeriesTest:
    """One series at one hour: the counts and the test's answer."""

    key: SeriesKey
    #: start of the hour tested (timezone-aware)
    hour: datetime
    count: int
    #: calls in the same hour of each previous week, most recent first
    baseline: tuple[int, ...]
    p_value: float
    #: Benjamini-Hochberg adjusted p-value across the series tested for this hour
    q_value: float = 1.0
    alert: bool = False

    @property
    def baseline_mean(self) -> float:
        return sum(self.baseline) / len(self.baseline) if self.baseline else 0.0

    @property
    def ratio(self) -> float | None:
        """count / baseline mean; None when the baseline is zero."""
        mean = self.baseline_mean
        return self.count / mean if mean > 0 else None


@dataclass(frozen=True)
class SpikeReport:
    """Every series tested at ``hour``; ``alerts`` are the ones that rose."""

    hour: datetime
    settings: SpikeSettings
    tests: tuple[SeriesTest, ...] = field(default_factory=tuple)

    @property
    def alerts(self) -> list[SeriesTest]:
        return sorted((t for t in self.tests if t.alert), key=lambda t: (t.q_value, -t.count, t.key.sort_key))


def baseline_hours(hour: datetime, weeks: int) -> list[datetime]:
    """The same hour of the week in each of the ``weeks`` previous weeks, most recent first."""
    return [hour - timedelta(weeks=w) for w in range(1, weeks + 1)]


def poisson_rise_p(count: int, baseline: Sequence[int]) -> float:
    """One-sided p-value that ``count`` in one hour exceeds the rate of the ``baseline`` hours.

    Exact conditional test: under an unchanged rate, count | (count + sum(baseline)) is
    Binomial(count + sum(baseline), 1 / (len(baseline) + 1)). Returns 1.0 for a count of 0.
    """
    if not baseline:
        raise ValueError("poisson_rise_p needs at least one baseline hour")
    if count <= 0:
        return 1.0
    total = count + sum(baseline)
    return float(binom.sf(count - 1, total, 1.0 / (len(baseline) + 1)))


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """BH-adjusted p-values (q-values), in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        adjusted[i] = min(1.0, running)
    return adjusted


def detect(hourly: Mapping[SeriesKey, Mapping[datetime, int]], hour: datetime,
           settings: SpikeSettings = SpikeSettings()) -> SpikeReport:
    """Test every series at ``hour`` against its own same-hour-of-week baseline.

    ``hourly`` maps each series to its counts by hour start (missing hours count 0). A series
    with no call in the hour is not tested (it cannot have risen); the BH correction runs over
    the series that were.
    """
    problems = settings.problems()
    if problems:
        raise ValueError("; ".join(problems))
    previous = baseline_hours(hour, settings.weeks)
    tests = []
    for key, counts in sorted(hourly.items(), key=lambda kv: kv[0].sort_key):
        count = int(counts.get(hour, 0))
        if count <= 0:
            continue
        baseline = tuple(int(counts.get(h, 0)) for h in previous)
        tests.append(SeriesTest(key, hour, count, baseline, poisson_rise_p(count, baseline)))
    q_values = benjamini_hochberg([t.p_value for t in tests])
    judged = []
    for test, q in zip(tests, q_values):
        mean = test.baseline_mean
        alert = (q <= settings.alpha and test.count >= settings.min_count
                 and test.count >= settings.min_ratio * mean)
        judged.append(SeriesTest(test.key, hour, test.count, test.baseline, test.p_value, q, alert))
    return SpikeReport(hour, settings, tuple(judged))
