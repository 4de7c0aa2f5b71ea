"""The call list's query string as a value: parsed leniently (a bad value is dropped, not an
error page), turned into store filters, and written back for links (pages, sorts, saved searches).
Pure: no Flask."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Mapping
from urllib.parse import urlencode

from qa.review import STATES
from qa.store.reviews import SORTS, CallFilters

PER_PAGE = (25, 50, 100)
EMOTIONS = ("calm", "tense", "agitated", "distressed")
PARTIES = ("caller", "agent")
_TEXT = ("q", "skill", "intent", "outcome", "category")


@dataclass(frozen=True)
class ListQuery:
    q: str = ""
    since: str = ""
    until: str = ""
    skill: str = ""
    intent: str = ""
    outcome: str = ""
    category: str = ""
    emotion: str = ""
    #: whose emotion: caller | agent ("": either)
    emotion_party: str = ""
    #: whole seconds
    min_s: str = ""
    max_s: str = ""
    state: str = ""
    assignee: str = ""
    sort: str = "started"
    order: str = "desc"
    page: int = 1
    per_page: int = PER_PAGE[0]

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "ListQuery":
        values: dict = {k: (args.get(k) or "").strip()[:200] for k in _TEXT}
        values["since"] = _date_text(args.get("since"))
        values["until"] = _date_text(args.get("until"))
        values["emotion"] = args.get("emotion") if args.get("emotion") in EMOTIONS else ""
        values["emotion_party"] = args.get("emotion_party") if args.get("emotion_party") in PARTIES else ""
        values["state"] = args.get("state") if args.get("state") in STATES else ""
        values["min_s"] = _int_text(args.get("min_s"))
        values["max_s"] = _int_text(args.get("max_s"))
        values["assignee"] = _int_text(args.get("assignee"))
        values["sort"] = args.get("sort") if args.get("sort") in SORTS else "started"
        values["order"] = "asc" if args.get("order") == "asc" else "desc"
        values["page"] = max(1, int(_int_text(args.get("page")) or 1))
        per_page = int(_int_text(args.get("per_page")) or PER_PAGE[0])
        values["per_page"] = per_page if per_page in PER_PAGE else PER_PAGE[0]
        return cls(**values)

    def filters(self, *, assignee_id: int | None = None, sids: list[str] | None = None,
                tz: tzinfo = timezone.utc) -> CallFilters:
        """Store filters; ``assignee_id`` overrides the query's (a reviewer sees only their calls).
        Dates are days in ``tz`` (the hotline's time zone, not the server's)."""
        since = _start_of(self.since, tz)
        until = _start_of(self.until, tz)
        return CallFilters(
            since=since, until=until + timedelta(days=1) if until else None,  # "until" is inclusive
            skill=self.skill or None, intent=self.intent or None, outcome=self.outcome or None,
            category=self.category or None, emotion=self.emotion or None,
            emotion_party=self.emotion_party or None,
            min_duration_ms=int(self.min_s) * 1000 if self.min_s else None,
            max_duration_ms=int(self.max_s) * 1000 if self.max_s else None,
            state=self.state or None,
            assignee_id=assignee_id if assignee_id is not None else (int(self.assignee) if self.assignee else None),
            sids=sids,
        )

    def args(self, **changes) -> dict[str, str]:
        """The query as URL arguments, without defaults (so links stay short)."""
        current = asdict(replace(self, **changes))
        defaults = asdict(ListQuery())
        return {k: str(v) for k, v in current.items() if v != defaults[k]}

    def url_args(self, **changes) -> str:
        return urlencode(self.args(**changes))

    def saved(self) -> dict[str, str]:
        """What a saved search keeps: the query without its page."""
        return self.args(page=1)


def _date_text(value: str | None) -> str:
    try:
        return date.fromisoformat((value or "").strip()).isoformat()
    except ValueError:
        return ""


def _int_text(value: str | None) -> str:
    value = (value or "").strip()
    return value if value.isdigit() and len(value) < 10 else ""


def _start_of(day: str, tz: tzinfo) -> datetime | None:
    return datetime.combine(date.fromisoformat(day), time(), tzinfo=tz) if day else None
