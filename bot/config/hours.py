"""Opening hours as config.toml writes them: parsing "mon-fri 09:00-18:00" and holiday dates.

Why in bot.config: validating the settings ([business] hours, [[services]] hours, holidays) needs
the parser, and the settings sit below the domain; `bot.crm.hours` counts business time on what
this returns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ENTRY = re.compile(r"^\s*(?P<days>[a-z,\-]+)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$")
# weekday (0 = Monday) -> sorted (start, end) minutes after local midnight
WeeklyHours = Mapping[int, tuple[tuple[int, int], ...]]


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
