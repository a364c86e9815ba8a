"""Opening hours and business time: parsing "mon-fri 09:00-18:00" and counting business minutes.

Why one small module: services (when a seat can be booked) and SLA clocks (when the staff's clock
runs) both need "is the shop open at this moment, and when does N minutes of open time end", in
the shop's own time zone and skipping holidays. Config keeps the human-readable form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ENTRY = re.compile(r"^\s*(?P<days>[a-z,\-]+)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$")
# weekday (0 = Monday) -> sorted (start, end) minutes after local midnight
WeeklyHours = Mapping[int, tuple[tuple[int, int], ...]]
MAX_SEARCH_DAYS = 400


class HoursError(ValueError):
    """An opening-hours entry that cannot be read; the message says which part is wrong."""


def _minutes(text: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise HoursError(f"{text!r} is not a time of day")
    return hours * 60 + minutes


def _days(text: str) -> list[int]:
    if text in ("daily", "all"):
        return list(range(7))
    days: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise HoursError(f"{part!r} is not a day or range of days (use mon..sun, e.g. mon-fri)")
        start, end = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        days.extend(range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)])
    return days


def parse_hours(entries: Iterable[str]) -> dict[int, tuple[tuple[int, int], ...]]:
    """["mon-fri 09:00-18:00", "sat 10:00-14:00"] -> {0: ((540, 1080),), ...}; raises HoursError."""
    week: dict[int, list[tuple[int, int]]] = {}
    for entry in entries:
        match = ENTRY.match(entry.lower())
        if not match:
            raise HoursError(f"{entry!r} is not like 'mon-fri 09:00-18:00'")
        start, end = _minutes(match["start"]), _minutes(match["end"])
        if end <= start:
            raise HoursError(f"{entry!r} ends before it starts")
        for day in _days(match["days"]):
            week.setdefault(day, []).append((start, end))
    result = {}
    for day, intervals in week.items():
        intervals.sort()
        for (_, previous_end), (next_start, _) in zip(intervals, intervals[1:], strict=False):
            if next_start < previous_end:
                raise HoursError(f"{DAY_NAMES[day]} has overlapping hours")
        result[day] = tuple(intervals)
    return result


def parse_holidays(entries: Iterable[str]) -> frozenset[date]:
    days = set()
    for entry in entries:
        try:
            days.add(date.fromisoformat(entry.strip()))
        except ValueError:
            raise HoursError(f"{entry!r} is not a date like 2026-01-01") from None
    return frozenset(days)


def local_moment(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The aware moment `minute` minutes after local midnight of `day` (24:00 is the next midnight)."""
    return datetime.combine(day, time(0), zone) + timedelta(minutes=minute)


def open_intervals(day: date, hours: WeeklyHours, holidays: frozenset[date], zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    if day in holidays:
        return []
    return [(local_moment(day, s, zone), local_moment(day, e, zone)) for s, e in hours.get(day.weekday(), ())]


def add_business_minutes(start: datetime, minutes: float, hours: WeeklyHours, holidays: frozenset[date],
                         zone: ZoneInfo) -> datetime:
    """The moment when `minutes` of open time have passed after `start` (aware, returned in UTC).

    Time outside the hours and on holidays does not count, so a complaint at 17:50 with a
    30-minute target is due 20 minutes into the next open day.
    """
    if not any(hours.values()):
        raise HoursError("no opening hours are configured")
    local = start.astimezone(zone)
    remaining = timedelta(minutes=minutes)
    day = local.date()
    for _ in range(MAX_SEARCH_DAYS):
        for opens, closes in open_intervals(day, hours, holidays, zone):
            begin = max(opens, local)
            if begin >= closes:
                continue
            if begin + remaining <= closes:
                return (begin + remaining).astimezone(UTC)
            remaining -= closes - begin
        day += timedelta(days=1)
    raise HoursError(f"fewer than {minutes} open minutes in the next {MAX_SEARCH_DAYS} days (holidays?)")
