"""Due times parsed from promises, in Mandarin and English, with and without a clock."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from qa.followups import END_OF_DAY_S, parse_due

H, D = 3600, 86400


@pytest.mark.parametrize("text, seconds", [
    ("24小时内", 24 * H),
    ("我们二十四小时内给您回复", 24 * H),
    ("我们 二十四 小时 内 给 您 回复", 24 * H),  # Vosk's spaced Mandarin
    ("两个小时", 2 * H),
    ("两个 小时 之内", 2 * H),
    ("半小时", H // 2),
    ("半个小时后给您回电", H // 2),
    ("一个半小时", 3 * H // 2),
    ("十分钟内", 600),
    ("三天内", 3 * D),
    ("三日内", 3 * D),
    ("明天给您回电", D),
    ("后天", 2 * D),
    ("三个工作日内", 5 * D),  # ceil(3 * 7 / 5) = 5 calendar days without a clock
    ("五个工作日", 7 * D),
    ("一周内", 7 * D),
    ("两个星期", 14 * D),
    ("下周", 7 * D),
    ("今天下班前", END_OF_DAY_S),
    ("十二个小时", 12 * H),
    ("明天上午或者两个小时内", 2 * H),  # the earliest time promised
])
def test_mandarin(text, seconds):
    assert parse_due(text, "zh") == seconds
    assert parse_due(text) == seconds  # no language: both are read


@pytest.mark.parametrize("text, seconds", [
    ("within 24 hours", 24 * H),
    ("within twenty four hours", 24 * H),
    ("within twenty-four hours", 24 * H),
    ("I'll call you back tomorrow", D),
    ("Tomorrow.", D),
    ("the day after tomorrow", 2 * D),
    ("in two hours", 2 * H),
    ("in an hour", H),
    ("in half an hour", H // 2),
    ("within a couple of hours", 2 * H),
    ("in 15 minutes", 15 * 60),
    ("within 3 days", 3 * D),
    ("by end of day", END_OF_DAY_S),
    ("before the end of the day", END_OF_DAY_S),
    ("within 3 business days", 5 * D),
    ("within three working days", 5 * D),
    ("next business day", 2 * D),  # ceil(7 / 5) = 2
    ("next week", 7 * D),
    ("in two weeks", 14 * D),
])
def test_english(text, seconds):
    assert parse_due(text, "en-US") == seconds
    assert parse_due(text) == seconds


@pytest.mark.parametrize("text", [
    "我们会尽快处理", "稍后给您回电", "请稍等", "三月十二日", "", "as soon as possible", "I'll get back to you",
    "have a nice day", "press one for orders",
])
def test_no_time_named(text):
    assert parse_due(text) is None


def test_language_limits_what_is_read():
    assert parse_due("明天", "en") is None
    assert parse_due("tomorrow", "zh") is None
    assert parse_due("明天 tomorrow", None) == D


# the clock: Friday 4 December 2026

FRIDAY_10 = datetime(2026, 12, 4, 10, 0)


@pytest.mark.parametrize("text, now, seconds", [
    # business days skip the weekend: Fri + 3 -> Wednesday 18:00
    ("三个工作日内", FRIDAY_10, 5 * D + 8 * H),
    ("within 3 business days", FRIDAY_10, 5 * D + 8 * H),
    ("一个工作日", FRIDAY_10, 3 * D + 8 * H),  # Monday 18:00
    ("next business day", datetime(2026, 12, 1, 10, 0), D + 8 * H),  # Tuesday -> Wednesday 18:00
    # end of today: close of business, or midnight once business is closed
    ("今天下班前", FRIDAY_10, 8 * H),
    ("by end of day", datetime(2026, 12, 4, 20, 0), 4 * H),
    # tomorrow / 后天: close of business that day
    ("明天", FRIDAY_10, D + 8 * H),
    ("后天", FRIDAY_10, 2 * D + 8 * H),
    # next week: Friday of next week, 18:00
    ("next week", FRIDAY_10, 7 * D + 8 * H),
    ("下周", datetime(2026, 11, 30, 9, 0), 11 * D + 9 * H),  # Monday -> the Friday after next Monday
    # durations do not need the clock
    ("两个小时", FRIDAY_10, 2 * H),
    # aware times work the same
    ("明天", datetime(2026, 12, 4, 10, 0, tzinfo=timezone.utc), D + 8 * H),
])
def test_calendar_words_with_a_clock(text, now, seconds):
    assert parse_due(text, now=now) == seconds
