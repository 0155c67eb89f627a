"""Weekly opening hours as minute-of-week intervals in the place's own time zone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
EVENING_STARTS = 18 * 60
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """One schedule row reduced to what open-now needs (HSDS weekly RRULE + opens/closes)."""

    byday: str | None
    opens_at: time | None
    closes_at: time | None
    freq: str | None = "WEEKLY"


def _minute(value: time) -> int:
    return value.hour * 60 + value.minute


def intervals(rows: Iterable[WeeklyHours]) -> tuple[tuple[int, int], ...]:
    """Local [start, end) minute-of-week intervals (Monday 00:00 = 0); past midnight wraps."""
    found: list[tuple[int, int]] = []
    for row in rows:
        if row.opens_at is None or row.closes_at is None:
            continue
        if row.freq not in (None, "WEEKLY"):
            # Monthly patterns cannot be told from a weekly grid; never claim they are open.
            continue
        days = [d.strip().upper()[-2:] for d in (row.byday or "").split(",") if d.strip()]
        indexes = [_DAYS.index(d) for d in days if d in _DAYS] if days else list(range(7))
        opens, closes = _minute(row.opens_at), _minute(row.closes_at)
        if row.closes_at >= time(23, 59):
            closes = MINUTES_PER_DAY  # "until 23:59" means until midnight
        # Equal times mean all day; a closing time before the opening one is past midnight.
        length = (closes - opens) % MINUTES_PER_DAY or MINUTES_PER_DAY
        for day in indexes:
            start = day * MINUTES_PER_DAY + opens
            end = start + length
            if end <= MINUTES_PER_WEEK:
                found.append((start, end))
            else:
                # Sunday night into Monday morning: split at the end of the week.
                found.append((start, MINUTES_PER_WEEK))
                found.append((0, end - MINUTES_PER_WEEK))
    return tuple(sorted(set(found)))


def open_evenings(spans: Iterable[tuple[int, int]]) -> bool:
    """True when some opening runs past 18:00 local time."""
    for start, end in spans:
        day_start = (start // MINUTES_PER_DAY) * MINUTES_PER_DAY
        if end - day_start > EVENING_STARTS:
            return True
    return False


# ZoneInfo keeps only 8 zones strongly: an open-now search over a national index (dozens of
# zones) would read zone files from disk on every search.
@cache
def zone(name: str | None) -> ZoneInfo | None:
    """The IANA zone, or None when the name is missing or unknown."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def minute_of_week(moment: datetime, timezone_name: str) -> int | None:
    """Local minute-of-week of an aware moment in a zone (None for an unknown zone)."""
    tz = zone(timezone_name)
    if tz is None:
        return None
    local = moment.astimezone(tz)
    return local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute


def is_open(spans: Iterable[tuple[int, int]], moment: datetime, timezone_name: str | None) -> bool:
    """Whether the place is open at `moment` (pure; the backends implement the same rule)."""
    if timezone_name is None:
        return False
    minute = minute_of_week(moment, timezone_name)
    return minute is not None and any(start <= minute < end for start, end in spans)
