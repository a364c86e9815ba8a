"""When a broadcast's messages may go out: quiet hours, a send-rate cap, recurring occurrences.

Why at planning time: each outbox row gets its own `next_attempt_at`, so the delivery job (shared
with replies, knowing nothing of broadcasts) paces a broadcast without any new moving part.
Times of day are in the shop's time zone; everything stored is UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.forms import parse_hhmm


def in_quiet_hours(local: datetime, start: time, end: time) -> bool:
    now = local.time()
    if start == end:
        return False
    if start < end:
        return start <= now < end
    return now >= start or now < end  # spans midnight, e.g. 21:00-09:00


def after_quiet_hours(moment: datetime, quiet: tuple[str, str] | None, zone: ZoneInfo) -> datetime:
    """`moment`, or the end of the quiet hours it falls in."""
    if not quiet:
        return moment
    start, end = parse_hhmm(quiet[0]), parse_hhmm(quiet[1])
    local = moment.astimezone(zone)
    if not in_quiet_hours(local, start, end):
        return moment
    candidate = datetime.combine(local.date(), end, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=zone)
    return candidate.astimezone(moment.tzinfo)


def send_slots(start: datetime, sizes: Sequence[int], rate_per_minute: int | None, quiet: tuple[str, str] | None,
               zone: ZoneInfo) -> list[datetime]:
    """The earliest send time of each row, in order: rows carrying `sizes[i]` recipients go out no
    faster than the rate cap allows, and never inside quiet hours."""
    slots = []
    moment = start
    for size in sizes:
        moment = after_quiet_hours(moment, quiet, zone)
        slots.append(moment)
        if rate_per_minute:
            moment = moment + timedelta(minutes=size / rate_per_minute)
    return slots


def next_occurrence(after: datetime, kind: str, weekday: int | None, at: str, zone: ZoneInfo) -> datetime:
    """The first daily or weekly occurrence of the local time `at` strictly after `after`."""
    local = after.astimezone(zone)
    clock = parse_hhmm(at)
    day = local.date()
    for _ in range(9):
        candidate = datetime.combine(day, clock, tzinfo=zone)
        if candidate > local and (kind == "daily" or candidate.weekday() == weekday):
            return candidate.astimezone(after.tzinfo)
        day += timedelta(days=1)
    raise ValueError(f"no {kind} occurrence found for weekday {weekday}")
