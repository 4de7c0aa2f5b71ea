"""The emotion timeline chart of a call as SVG geometry (rendered server-side: no chart library,
no script, nothing inline a strict CSP would block). Pure: numbers in, shapes out.

The chart's x axis is the recording (0 .. duration), y is agitation 0..1 (up = more agitated).
Each party gets polylines (a gap in the scores breaks the line rather than drawing across it)
and the stretches its scorer flagged become bands behind the lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.analysis import PartyEmotion

WIDTH = 1000
HEIGHT = 180
#: room for the axis labels
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 10, 10, 24


@dataclass(frozen=True)
class Band:
    x: float
    width: float
    party: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    #: party -> SVG polyline ``points`` strings
    lines: dict[str, list[str]]
    bands: list[Band]
    ticks: list[Tick]
    #: y of agitation 0, 0.5 and 1 (grid lines)
    grid: list[tuple[float, str]]
    plot_left: float
    plot_right: float


def _x(ms: float, duration_ms: int) -> float:
    span = WIDTH - PAD_LEFT - PAD_RIGHT
    return round(PAD_LEFT + span * min(max(ms, 0), duration_ms) / max(duration_ms, 1), 1)


def _y(agitation: float) -> float:
    span = HEIGHT - PAD_TOP - PAD_BOTTOM
    return round(PAD_TOP + span * (1 - min(max(agitation, 0.0), 1.0)), 1)


def clock(ms: int) -> str:
    """``83000`` -> ``1:23`` (minutes:seconds; hours when the call is that long)."""
    seconds = int(ms // 1000)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def tick_step_ms(duration_ms: int) -> int:
    """A round step giving at most ~10 ticks (5 s, 10 s, 30 s, 1 min, 2 min, 5 min, 10 min ...)."""
    for step in (5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000):
        if duration_ms / step <= 10:
            return step
    return 3_600_000


def emotion_chart(emotion: dict[str, PartyEmotion], duration_ms: int,
                  parties: tuple[str, ...] = ("caller", "agent")) -> Chart:
    lines: dict[str, list[str]] = {}
    bands: list[Band] = []
    for party in parties:
        timeline = emotion.get(party)
        if timeline is None:
            continue
        runs: list[list[str]] = [[]]
        for point in timeline.points:
            if point.agitation is None:
                runs.append([])
                continue
            middle = (point.t0_ms + point.t1_ms) / 2
            runs[-1].append(f"{_x(middle, duration_ms)},{_y(point.agitation)}")
            if point.flag:
                x0, x1 = _x(point.t0_ms, duration_ms), _x(point.t1_ms, duration_ms)
                if bands and bands[-1].party == party and x0 <= bands[-1].x + bands[-1].width + 0.5:
                    last = bands.pop()  # overlapping or touching flagged windows are one band
                    x0, x1 = last.x, max(x1, last.x + last.width)
                bands.append(Band(x0, round(x1 - x0, 1), party))
        lines[party] = [" ".join(run) for run in runs if len(run) >= 2]
    step = tick_step_ms(duration_ms)
    ticks = [Tick(_x(ms, duration_ms), clock(ms)) for ms in range(0, duration_ms + 1, step)]
    grid = [(_y(v), f"{v:.1f}") for v in (0.0, 0.5, 1.0)]
    return Chart(WIDTH, HEIGHT, lines, bands, ticks, grid, PAD_LEFT, WIDTH - PAD_RIGHT)
