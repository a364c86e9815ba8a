"""Quiet hours, the send-rate cap and recurring occurrences, in the shop's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.marketing.schedule import after_quiet_hours, next_occurrence, send_slots
from bot.marketing.texts import text_problem

TAIPEI = ZoneInfo("Asia/Taipei")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TAIPEI).astimezone(UTC)


def test_quiet_hours_across_midnight_move_a_send_to_their_end():
    quiet = ("21:00", "09:00")
    assert after_quiet_hours(local(2026, 5, 1, 20, 59), quiet, TAIPEI) == local(2026, 5, 1, 20, 59)
    assert after_quiet_hours(local(2026, 5, 1, 22, 30), quiet, TAIPEI) == local(2026, 5, 2, 9, 0)
    assert after_quiet_hours(local(2026, 5, 2, 3, 0), quiet, TAIPEI) == local(2026, 5, 2, 9, 0)
    assert after_quiet_hours(local(2026, 5, 2, 9, 0), quiet, TAIPEI) == local(2026, 5, 2, 9, 0)
    assert after_quiet_hours(local(2026, 5, 2, 13, 0), ("12:00", "14:00"), TAIPEI) == local(2026, 5, 2, 14, 0)


def test_rate_cap_spaces_rows_by_their_recipients_and_skips_quiet_hours():
    start = local(2026, 5, 1, 20, 50)
    slots = send_slots(start, [500, 500, 1, 1], rate_per_minute=100, quiet=("21:00", "09:00"), zone=TAIPEI)
    assert slots[0] == start
    assert slots[1] == local(2026, 5, 1, 20, 55)  # 500 recipients at 100 a minute = 5 minutes
    assert slots[2] == local(2026, 5, 2, 9, 0)  # 21:00 falls in the quiet hours
    assert (slots[3] - slots[2]).total_seconds() == pytest.approx(0.6)
    assert send_slots(start, [3, 3], None, None, TAIPEI) == [start, start]


def test_next_occurrence_daily_and_weekly():
    after = local(2026, 5, 1, 10, 0)  # a Friday
    assert next_occurrence(after, "daily", None, "09:30", TAIPEI) == local(2026, 5, 2, 9, 30)
    assert next_occurrence(after, "daily", None, "10:30", TAIPEI) == local(2026, 5, 1, 10, 30)
    assert next_occurrence(after, "weekly", 0, "09:00", TAIPEI) == local(2026, 5, 4, 9, 0)  # Monday
    assert next_occurrence(after, "weekly", 4, "10:00", TAIPEI) == local(2026, 5, 8, 10, 0)  # not "now": strictly after


@pytest.mark.parametrize(("text", "problem"), [
    ("Hi {name}, you are {tier}", None), ("Price {{50}}", None), ("", "required"), ("Hi {nmae}", "unknown field {nmae}"),
    ("Hi {", "without its partner"), ("{name!r}", "without a format"), ("{}", "unknown field"),
])
def test_broadcast_text_fields_are_checked(text, problem):
    found = text_problem(text)
    assert (found is None) if problem is None else (problem in found)
