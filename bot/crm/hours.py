"""Opening hours and business time: counting business minutes on the parsed hours.

Why one small module: services (when a seat can be booked) and SLA clocks (when the staff's clock
runs) both need "is the shop open at this moment, and when does N minutes of open time end", in
the shop's own time zone and skipping holidays. Config keeps the human-readable form and its
parser (`bot.config.hours`), which validating the settings needs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config.hours import HoursError, WeeklyHours

MAX_SEARCH_DAYS = 400


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
