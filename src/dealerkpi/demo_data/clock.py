"""Time in the generator: minutes since day 1 of the proleptic calendar, written out as Shanghai time."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")
WARMUP_DAYS = 90
DAY = 1440  # minutes; times are minutes since day 1 of the proleptic calendar until written out
NOON = 12 * 60
OPEN, CLOSE = 9 * 60, 18 * 60
NEVER = 10**9


def month_start(day: datetime.date, back: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month ``months`` months earlier (the month's last day if it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = index // 12, index % 12 + 1
    last = (datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last))


def first_of_month_after(ordinal: int) -> int:
    """The 1st of the month after the day ``ordinal`` (as an ordinal)."""
    return month_start(datetime.date.fromordinal(ordinal), back=-1).toordinal()


def month_end_on_or_before(ordinal: int, latest: int) -> int:
    """The last day of the month of ``ordinal``, or of the month before when that is after ``latest``."""
    end = first_of_month_after(ordinal) - 1
    return end if end <= latest else month_start(datetime.date.fromordinal(ordinal)).toordinal() - 1
