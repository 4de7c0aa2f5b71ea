"""When a promise is due, from the words that made it.

``parse_due("我们二十四小时内给您回复") == 86400``; ``parse_due("I'll call you back tomorrow") == 86400``.
The agent's words are the only deadline the call states, so the follow-up a promise creates
(:mod:`qa.rules`) is due when the agent said it would be. Pure functions, no I/O.

What is understood (Vosk's spaced Mandarin, digits or number words alike):

* minutes / hours: N分钟, 24小时内, 两个小时, 半小时, 一个半小时, N个钟头; in N minutes, within 24
  hours, within twenty four hours, in two hours, an hour, half an hour, a couple of hours
* days / weeks / months: 三天内, 三日内, 一周内, 两个星期, 三个月; within 3 days, a day, in two
  weeks, a week, N months
* business days: 三个工作日内; within 3 business / working days, next business day
* end of today: 今天, 今天下班前, 下班前, 当天, 今晚; by end of day, end of today, today, eod,
  close of business, this afternoon, tonight
* tomorrow, the day after: 明天, 明日, 后天; tomorrow, the day after tomorrow
* next week: 下周, 下个星期, 下礼拜; next week

Calendar words need a clock. With ``now`` (the local time the words were said) they are exact:
"end of today" is :data:`CLOSE_OF_BUSINESS` today (midnight once that has passed), "tomorrow" and
"后天" are close of business that day, N business days is close of business on the N-th weekday
after today (Saturdays and Sundays skipped; public holidays are not known), "next week" is close
of business on next week's Friday. Without ``now`` they are fixed lengths: end of today
:data:`END_OF_DAY_S` (8 h), tomorrow 24 h, 后天 48 h, next week 7 days, N business days
``ceil(N * 7 / 5)`` calendar days. Durations ("2 hours", "三天") never need the clock.

When the text names several times the earliest is kept (the strictest thing promised). Vague
words ("尽快", "稍后", "as soon as possible", "later") name no time: ``None``, and the rule
falls back on its own default.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import datetime, time, timedelta

#: business hours end here: "today" / "tomorrow" / business-day deadlines fall at this time
CLOSE_OF_BUSINESS = time(18, 0)
#: without a clock, "by the end of today" is this many seconds away (a working day's remainder)
END_OF_DAY_S = 8 * 3600
_MINUTE, _HOUR, _DAY = 60, 3600, 86400

# ---- Mandarin ---------------------------------------------------------------------------

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_NUM = r"(\d+(?:\.\d+)?|[零〇一幺二两三四五六七八九十百千]+|半)"
_ZH_DURATIONS = (
    # (pattern, seconds per unit); a trailing 半 ("一个半小时") adds half a unit
    (re.compile(_ZH_NUM + r"个?(半)?(?:小时|钟头)"), _HOUR),
    (re.compile(_ZH_NUM + r"(半)?分钟"), _MINUTE),
    # 日 alone is also a date ("25日"): only "N日内" counts
    (re.compile(_ZH_NUM + r"(半)?(?:天|日(?=之内|以内|内))"), _DAY),
    (re.compile(_ZH_NUM + r"个?(半)?(?:周|星期|礼拜)"), 7 * _DAY),
    # 月 without 个 is a month name ("三月")
    (re.compile(_ZH_NUM + r"个(半)?月"), 30 * _DAY),
)
_ZH_BUSINESS_DAYS = re.compile(_ZH_NUM + r"个?工作日")
_ZH_CALENDAR = (
    (re.compile(r"后天"), "day_after"),
    (re.compile(r"明天|明日"), "tomorrow"),
    (re.compile(r"下周|下个?星期|下个?礼拜"), "next_week"),
    (re.compile(r"今天|今日|当天|今晚|下班前"), "today"),
)


def _zh_number(text: str) -> float | None:
    """``"二十四"`` -> 24, ``"两"`` -> 2, ``"24"`` -> 24, ``"半"`` -> 0.5; None if unreadable."""
    if text == "半":
        return 0.5
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    total, digit = 0, None
    for ch in text:
        if ch in _ZH_DIGITS:
            if digit is not None:  # 二四: digits read one by one
                digit = digit * 10 + _ZH_DIGITS[ch]
            else:
                digit = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            total += (1 if digit is None else digit) * _ZH_UNITS[ch]
            digit = None
        else:
            return None
    total += digit or 0
    return float(total) if total else None


def _zh_times(text: str, now: datetime | None) -> list[float]:
    text = "".join(unicodedata.normalize("NFKC", text).split())
    found: list[float] = []
    for pattern, unit in _ZH_DURATIONS:
        for m in pattern.finditer(text):
            n = _zh_number(m.group(1))
            if n is not None:
                found.append((n + (0.5 if m.group(2) else 0)) * unit)
    for m in _ZH_BUSINESS_DAYS.finditer(text):
        n = _zh_number(m.group(1))
        if n is not None and n >= 1:
            found.append(_business_days(int(n), now))
    found += _calendar_words(_ZH_CALENDAR, text, now)
    return found


# ---- English ----------------------------------------------------------------------------

_EN_ONES = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_EN_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_EN_UNITS = (
    (r"min(?:ute)?s?", _MINUTE),
    (r"h(?:ou)?rs?", _HOUR),
    (r"days?", _DAY),
    (r"weeks?", 7 * _DAY),
    (r"months?", 30 * _DAY),
)
_EN_DURATIONS = tuple(
    (re.compile(r"\b(\d+(?:\.\d+)?|an?)( and a half)? " + unit + r"\b"), seconds) for unit, seconds in _EN_UNITS
)
_EN_HALF_HOUR = re.compile(r"\bhalf an? hour\b|\bhalf hour\b")
_EN_BUSINESS_DAYS = re.compile(r"\b(\d+|an?) (?:business|working) days?\b")
_EN_CALENDAR = (
    (re.compile(r"\bday after tomorrow\b"), "day_after"),
    (re.compile(r"\btomorrow\b"), "tomorrow"),
    (re.compile(r"\bnext week\b"), "next_week"),
    (re.compile(r"\bnext (?:business|working) day\b"), "next_business_day"),
    (re.compile(r"\bend of (?:the )?(?:business )?day\b|\bend of today\b|\beod\b|\bclose of business\b"
                r"|\btoday\b|\btonight\b|\bthis (?:afternoon|evening)\b"), "today"),
)


def _en_words_to_digits(text: str) -> str:
    """Number words become digits: ``"within twenty four hours"`` -> ``"within 24 hours"``."""
    out: list[str] = []
    value: int | None = None
    for word in text.split():
        if value is not None and value >= 20 and value % 10 == 0 and 0 < _EN_ONES.get(word, 0) < 10:
            value += _EN_ONES[word]  # "twenty" "four"
            continue
        if value is not None:
            out.append(str(value))
            value = None
        if word in _EN_TENS:
            value = _EN_TENS[word]
        elif word in _EN_ONES:
            value = _EN_ONES[word]
        else:
            out.append(word)
    if value is not None:
        out.append(str(value))
    return " ".join(out)


def _en_normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    text = re.sub(r"[^a-z0-9.' ]+", " ", text.replace("-", " "))
    text = re.sub(r"\ba couple of\b", "2", " ".join(text.split()))
    return _en_words_to_digits(text)


def _en_count(token: str) -> float:
    return 1.0 if token in ("a", "an") else float(token)


def _en_times(text: str, now: datetime | None) -> list[float]:
    text = _en_normalise(text)
    found: list[float] = []
    if _EN_HALF_HOUR.search(text):
        found.append(_HOUR / 2)
    for m in _EN_BUSINESS_DAYS.finditer(text):
        found.append(_business_days(int(_en_count(m.group(1))), now))
    for pattern, unit in _EN_DURATIONS:
        # a number right before the unit: "3 business days" is not read as 3 calendar days
        for m in pattern.finditer(text):
            found.append((_en_count(m.group(1)) + (0.5 if m.group(2) else 0)) * unit)
    found += _calendar_words(_EN_CALENDAR, text, now)
    return found


# ---- calendar arithmetic ----------------------------------------------------------------


def _close_of_business(day: datetime) -> datetime:
    return day.replace(hour=CLOSE_OF_BUSINESS.hour, minute=CLOSE_OF_BUSINESS.minute, second=0, microsecond=0)


def _seconds_until(now: datetime, then: datetime) -> float:
    return max(0.0, (then - now).total_seconds())


def _business_days(n: int, now: datetime | None) -> float:
    if now is None:
        return math.ceil(n * 7 / 5) * _DAY
    day, left = now, n
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return _seconds_until(now, _close_of_business(day))


def _calendar_words(patterns, text: str, now: datetime | None) -> list[float]:
    """Calendar words in ``text``, longest first: "the day after tomorrow" is not also "tomorrow"."""
    found = []
    for pattern, word in patterns:
        if pattern.search(text):
            found.append(_calendar(word, now))
            text = pattern.sub(" ", text)
    return found


def _calendar(word: str, now: datetime | None) -> float:
    if now is None:
        return {"today": END_OF_DAY_S, "tomorrow": _DAY, "day_after": 2 * _DAY, "next_week": 7 * _DAY,
                "next_business_day": _business_days(1, None)}[word]
    if word == "today":
        close = _close_of_business(now)
        if now >= close:  # after hours "today" still means before midnight
            close = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        return _seconds_until(now, close)
    if word == "next_business_day":
        return _business_days(1, now)
    if word == "next_week":
        friday = now + timedelta(days=7 - now.weekday() + 4)
        return _seconds_until(now, _close_of_business(friday))
    days = 1 if word == "tomorrow" else 2
    return _seconds_until(now, _close_of_business(now + timedelta(days=days)))


def parse_due(text: str, lang: str | None = None, *, now: datetime | None = None) -> int | None:
    """Seconds from when ``text`` was said until what it promises is due; None if it names no time.

    ``lang`` is ``"zh"``/``"en"`` or a locale (``"zh-CN"``); None reads both languages. ``now``
    is the local wall-clock time the words were said (naive or aware), for calendar words
    ("明天", "by end of day", business days); see the module docstring for what is understood
    and for the fixed lengths used without it.
    """
    lang = lang.split("-", 1)[0].lower() if lang else None
    found: list[float] = []
    if lang in (None, "zh"):
        found += _zh_times(text, now)
    if lang in (None, "en"):
        found += _en_times(text, now)
    return math.ceil(min(found)) if found else None
