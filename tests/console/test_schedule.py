"""Quiet hours, the send-rate cap and recurring occurrences, in the shop's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.marketing.schedule import next_occurrence, send_slots
from bot.marketing.texts import text_problem

TAIPEI = ZoneInfo("Asia/Taipei")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TAIPEI).astimezone(UTC)


def test_rate_cap_spaces_rows_by_their_recipients_and_skips_quiet_hours():
    def earliest(moment):  # 21:00-09:00 quiet, as bot.crm.pacing would answer
        hour = moment.astimezone(TAIPEI).hour
        return local(2026, 5, 2, 9, 0) if hour >= 21 or hour < 9 else moment
    start = local(2026, 5, 1, 20, 50)
    slots = send_slots(start, [500, 500, 1, 1], 100, earliest)
    assert slots[0] == start
    assert slots[1] == local(2026, 5, 1, 20, 55)  # 500 recipients at 100 a minute = 5 minutes
    assert slots[2] == local(2026, 5, 2, 9, 0)  # 21:00 falls in the quiet hours
    assert (slots[3] - slots[2]).total_seconds() == pytest.approx(0.6)
    assert send_slots(start, [3, 3], None, lambda moment: moment) == [start, start]


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
