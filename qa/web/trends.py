"""The supervisor dashboard's numbers shaped for the page: trend charts as SVG geometry (rendered
server-side like :mod:`qa.web.chart`: no chart library, no script), emotion shares as stacked bars.
Pure: a :class:`qa.analytics.Summary`'s rows in, shapes out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Sequence

from qa.web.chart import Tick

#: drawn at about this size in a half-width card, so the axis text stays readable
WIDTH = 640
HEIGHT = 250
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 34, 8, 10, 24
#: lines drawn; smaller series are summed into "other"
MAX_SERIES = 6
OTHER = "other"
NONE = "none"
#: the order emotion labels are stacked in (calm first)
EMOTIONS = ("calm", "tense", "agitated", "distressed")


@dataclass(frozen=True)
class Line:
    name: str
    total: int
    #: SVG polyline ``points``
    points: str
    #: (x, y, calls) of each bucket, for markers and tooltips
    dots: tuple[tuple[float, float, int], ...]
    #: colour slot (CSS class ``series-<n>``)
    slot: int


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    lines: tuple[Line, ...]
    ticks: tuple[Tick, ...]
    #: (y, label) of the horizontal grid lines
    grid: tuple[tuple[float, str], ...]
    plot_left: float
    plot_right: float
    total: int


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (at least 1)."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def grid_step(top: int) -> int:
    """Whole-number grid lines for a :func:`nice_ceiling` top: fifths of a 5 (0 1 2 3 4 5), else halves."""
    return top // 5 if str(top)[0] == "5" else max(top // 2, 1)


def _label(bucket: date | datetime, hourly: bool) -> str:
    return bucket.strftime("%H:%M") if hourly else bucket.strftime("%m-%d")


def trend_chart(rows: Iterable, buckets: Sequence[date | datetime], by: str) -> TrendChart:
    """Calls per bucket for each value of ``by`` ("intent" or "skill") from :class:`DayCount` or
    :class:`HourCount` rows; the biggest series get their own line, the rest are "other"."""
    hourly = bool(buckets) and isinstance(buckets[0], datetime)
    index = {b: i for i, b in enumerate(buckets)}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(buckets))
    for row in rows:
        bucket = row.hour if hourly else row.day
        if bucket in index:
            counts[getattr(row, by) or NONE][index[bucket]] += row.calls
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    if len(ranked) > MAX_SERIES:
        rest = [sum(values) for values in zip(*(v for _, v in ranked[MAX_SERIES - 1:]))]
        ranked = ranked[:MAX_SERIES - 1] + [(OTHER, rest)]
    top = nice_ceiling(max((max(v) for _, v in ranked), default=1))
    span_x, span_y = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(i: int) -> float:
        return round(PAD_LEFT + span_x * (i + 0.5) / max(len(buckets), 1), 1)

    def y(n: float) -> float:
        return round(PAD_TOP + span_y * (1 - n / top), 1)

    lines = []
    for slot, (name, values) in enumerate(ranked):
        dots = tuple((x(i), y(n), n) for i, n in enumerate(values))
        lines.append(Line(name, sum(values), " ".join(f"{px},{py}" for px, py, _ in dots), dots, slot))
    every = max(1, -(-len(buckets) // 8))  # at most 8 labels
    ticks = tuple(Tick(x(i), _label(b, hourly)) for i, b in enumerate(buckets) if i % every == 0)
    grid = tuple((y(v), str(v)) for v in range(0, top + 1, grid_step(top)))
    return TrendChart(WIDTH, HEIGHT, tuple(lines), ticks, grid, PAD_LEFT, WIDTH - PAD_RIGHT,
                      sum(line.total for line in lines))


@dataclass(frozen=True)
class AlertList:
    """Alerts of several hours: the latest hour first, the strongest first within an hour."""

    first: datetime
    last: datetime
    alerts: tuple
    #: series tested over all the hours
    tested: int
    settings: object


def alert_list(reports: Sequence) -> AlertList:
    """:class:`SpikeReport` s of consecutive hours (in time order) as one list for the page."""
    return AlertList(reports[0].hour, reports[-1].hour,
                     tuple(a for report in reversed(reports) for a in report.alerts),
                     sum(len(r.tests) for r in reports), reports[0].settings)


@dataclass(frozen=True)
class Segment:
    label: str
    calls: int
    share: float
    #: x and width in a 0..100 bar
    x: float
    width: float


@dataclass(frozen=True)
class ShareRow:
    skill: str
    calls: int
    segments: tuple[Segment, ...]


def emotion_rows(emotions: Iterable) -> list[ShareRow]:
    """:class:`EmotionShare` rows as one stacked bar per skill (calm .. distressed), busiest skill first."""
    by_skill: dict[str, dict[str, tuple[int, float]]] = defaultdict(dict)
    for e in emotions:
        by_skill[e.skill][e.label] = (e.calls, e.share)
    rows = []
    for skill, labels in by_skill.items():
        order = [label for label in EMOTIONS if label in labels] + sorted(set(labels) - set(EMOTIONS))
        at, segments = 0.0, []
        for label in order:
            calls, share = labels[label]
            segments.append(Segment(label, calls, share, round(at, 2), round(share * 100, 2)))
            at += share * 100
        rows.append(ShareRow(skill, sum(c for c, _ in labels.values()), tuple(segments)))
    return sorted(rows, key=lambda r: (-r.calls, r.skill))
