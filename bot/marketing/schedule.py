"""When a broadcast's messages may go out: a send-rate cap around the quiet hours, recurring occurrences.

Why at planning time: each outbox row gets its own `next_attempt_at`, so the delivery job (shared
with replies, knowing nothing of broadcasts) paces a broadcast without any new moving part.
Times of day are in the shop's time zone; everything stored is UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.forms import parse_hhmm


def send_slots(start: datetime, sizes: Sequence[int], rate_per_minute: int | None,
               earliest: Callable[[datetime], datetime]) -> list[datetime]:
    """The earliest send time of each row, in order: rows carrying `sizes[i]` recipients go out no
    faster than the rate cap allows, and never before `earliest` allows (the quiet hours, which
    live in `bot.crm.pacing` for everything marketing sends)."""
    slots = []
    moment = start
    for size in sizes:
        moment = earliest(moment)
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
