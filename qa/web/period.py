"""The dashboard's period as a value: which days (on the hotline's clock) and which hour's alerts.
Parsed leniently from the query string (a bad value falls back to the default, never an error page).
Pure: no Flask, ``today`` and ``now`` are given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Mapping
from urllib.parse import urlencode

#: preset -> days it covers, ending today
PRESETS = {"day": 1, "week": 7, "month": 30}
DEFAULT = "week"
#: the longest custom range (a year of daily buckets)
MAX_DAYS = 366
#: a period up to this many days is charted per hour, longer ones per day
HOURLY_UP_TO_DAYS = 2
#: the alerts shown: of this many hours, ending with the alerts hour
ALERT_HOURS = 24


@dataclass(frozen=True)
class Period:
    #: first and last day shown (inclusive), on the hotline's clock
    since: date
    until: date
    #: "day" | "week" | "month", or "" for a custom range
    preset: str
    #: the hour whose alerts are shown (its start, timezone-aware)
    alerts_hour: datetime

    @classmethod
    def from_args(cls, args: Mapping[str, str], now: datetime, tz: tzinfo) -> "Period":
        today = now.astimezone(tz).date()
        since, until = _day(args.get("since")), _day(args.get("until"))
        preset = args.get("period") if args.get("period") in PRESETS else ""
        if since and until and not preset and since <= until and (until - since).days < MAX_DAYS:
            chosen = ""
        else:
            chosen = preset or DEFAULT
            since, until = today - timedelta(days=PRESETS[chosen] - 1), today
        end = datetime.combine(until + timedelta(days=1), time(), tzinfo=tz)
        # the alerts of the hour asked for, else of the last complete hour (now, or the period's last)
        at = _moment(args.get("at"), tz) or min(now.astimezone(tz), end) - timedelta(hours=1)
        return cls(since, until, chosen, at.replace(minute=0, second=0, microsecond=0))

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    @property
    def hourly(self) -> bool:
        return self.days <= HOURLY_UP_TO_DAYS

    @property
    def alert_hours(self) -> list[datetime]:
        """The hours whose alerts are shown: ALERT_HOURS of them, the alerts hour last."""
        return [self.alerts_hour - timedelta(hours=n) for n in range(ALERT_HOURS - 1, -1, -1)]

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """[start of ``since``, start of the day after ``until``) in ``tz``."""
        return (datetime.combine(self.since, time(), tzinfo=tz),
                datetime.combine(self.until + timedelta(days=1), time(), tzinfo=tz))

    def buckets(self, tz: tzinfo) -> list:
        """The chart's x axis: every local hour start (hourly) or every day of the period."""
        if not self.hourly:
            return [self.since + timedelta(days=n) for n in range(self.days)]
        start, end = self.bounds(tz)
        hours, at = [], start
        while at < end:
            hours.append(at)
            at = (at + timedelta(hours=1)).astimezone(tz)
        return hours

    def url_args(self, **changes: str) -> str:
        """This period as URL arguments (custom dates unless a preset is chosen)."""
        values = {"period": self.preset} if self.preset else {"since": self.since.isoformat(),
                                                             "until": self.until.isoformat()}
        values["at"] = self.alerts_hour.strftime("%Y-%m-%dT%H:%M")
        values.update(changes)
        if "period" in changes:
            values.pop("since", None), values.pop("until", None), values.pop("at", None)
        return urlencode(values)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _moment(value: str | None, tz: tzinfo) -> datetime | None:
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)
