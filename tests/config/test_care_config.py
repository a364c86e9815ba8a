"""Opening hours, business-time arithmetic and the care settings: pure functions, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import DEFAULT_CONFIG_PATH, ConfigError, load_settings
from bot.config.hours import HoursError, parse_holidays, parse_hours
from bot.crm.hours import add_business_minutes
from jobs.runs import daily_due, interval_due

TAIPEI = ZoneInfo("Asia/Taipei")
WEEK = parse_hours(["mon-fri 09:00-18:00", "sat 10:00-14:00"])


def taipei(*args: int) -> datetime:
    return datetime(*args, tzinfo=TAIPEI)


def test_parse_hours_reads_ranges_lists_and_daily():
    assert parse_hours(["mon-fri 09:00-18:00"])[4] == ((540, 1080),)
    assert set(parse_hours(["sat,sun 14:00-16:00"])) == {5, 6}
    assert parse_hours(["fri-mon 10:00-11:00"]).keys() == {4, 5, 6, 0}
    assert parse_hours(["daily 00:00-24:00"])[6] == ((0, 1440),)
    assert parse_hours(["tue 14:00-18:00", "tue 11:00-12:00"])[1] == ((660, 720), (840, 1080))


@pytest.mark.parametrize("entry, complaint", [
    ("monday 09:00-18:00", "is not a day"),
    ("mon 9-18", "is not like"),
    ("mon 18:00-09:00", "ends before it starts"),
    ("mon 09:00-25:00", "is not a time of day"),
])
def test_parse_hours_says_what_is_wrong(entry, complaint):
    with pytest.raises(HoursError, match=complaint):
        parse_hours([entry])
    with pytest.raises(HoursError, match="overlapping"):
        parse_hours(["mon 09:00-12:00", "mon 11:00-13:00"])


def test_business_minutes_inside_one_day():
    due = add_business_minutes(taipei(2026, 3, 2, 10, 0), 60, WEEK, frozenset(), TAIPEI)
    assert due == taipei(2026, 3, 2, 11, 0) and due.tzinfo == UTC


def test_business_minutes_carry_over_the_night_and_the_weekend():
    # Monday 17:30 + 60 min: 30 today, 30 from Tuesday 09:00
    assert add_business_minutes(taipei(2026, 3, 2, 17, 30), 60, WEEK, frozenset(), TAIPEI) == taipei(2026, 3, 3, 9, 30)
    # Friday 17:00 + 5 h: 1 h Friday, 4 h Saturday 10:00-14:00 ends exactly at close
    assert add_business_minutes(taipei(2026, 3, 6, 17, 0), 300, WEEK, frozenset(), TAIPEI) == taipei(2026, 3, 7, 14, 0)
    # ... one minute more runs into Monday
    assert add_business_minutes(taipei(2026, 3, 6, 17, 0), 301, WEEK, frozenset(), TAIPEI) == taipei(2026, 3, 9, 9, 1)
    # Sunday night counts from Monday morning
    assert add_business_minutes(taipei(2026, 3, 8, 23, 0), 30, WEEK, frozenset(), TAIPEI) == taipei(2026, 3, 9, 9, 30)


def test_business_minutes_skip_holidays():
    holidays = parse_holidays(["2026-03-03"])
    assert add_business_minutes(taipei(2026, 3, 2, 17, 30), 60, WEEK, holidays, TAIPEI) == taipei(2026, 3, 4, 9, 30)
    with pytest.raises(HoursError, match="not a date"):
        parse_holidays(["3/3"])


def test_due_times_are_the_same_for_every_process():
    now = datetime(2026, 3, 2, 1, 2, 37, tzinfo=UTC)
    assert interval_due(now, 60) == datetime(2026, 3, 2, 1, 2, tzinfo=UTC)
    assert interval_due(now, 1) == datetime(2026, 3, 2, 1, 2, 37, tzinfo=UTC)
    # 02:30 Taipei is 18:30 UTC the day before; at 09:02 Taipei the latest 02:30 is today's
    assert daily_due(now, (2, 30), TAIPEI) == datetime(2026, 3, 1, 18, 30, tzinfo=UTC)
    assert daily_due(now, (10, 0), TAIPEI) == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def write_config(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    return path


def test_the_shipped_config_loads_with_services_and_hours():
    settings = load_settings(environ={})
    assert [s.code for s in settings.services] == ["consult", "bookbinding"]
    assert settings.leads.fields[0] == "name" and settings.appointments.reminders_minutes_before == (1440, 120)
    assert settings.business.holiday_dates and settings.business.weekly[5] == ((600, 840),)


def test_lists_can_be_overridden_from_the_environment():
    settings = load_settings(environ={"BOT_LEADS_FIELDS": "email, name", "BOT_APPOINTMENTS_REMINDERS_MINUTES_BEFORE": "60"})
    assert settings.leads.fields == ("email", "name")
    assert settings.appointments.reminders_minutes_before == (60,)
    with pytest.raises(ConfigError, match=r"appointments.reminders_minutes_before\[0\]: expected an integer"):
        load_settings(environ={"BOT_APPOINTMENTS_REMINDERS_MINUTES_BEFORE": "soon"})


@pytest.mark.parametrize("environ, key", [
    ({"BOT_LEADS_FIELDS": "name,shoe_size"}, "leads.fields: unknown field 'shoe_size'"),
    ({"BOT_LEADS_REQUIRED": "phone"}, "leads.required: phone cannot be required"),
    ({"BOT_BUSINESS_HOURS": "weekdays 9-5"}, "business.hours"),
    ({"BOT_BUSINESS_HOLIDAYS": "Christmas"}, "business.holidays"),
    ({"BOT_SLA_FIRST_RESPONSE_MINUTES": "30,60"}, "sla.first_response_minutes: expected three"),
    ({"BOT_SLA_RESOLUTION_MINUTES": "10,480,1440"}, "sla.resolution_minutes: each must be at least"),
    ({"BOT_STAFF_ALERT_CHANNEL": "fax"}, "staff.alert_channel"),
    ({"BOT_STAFF_ALERT_EMAILS": "support"}, "staff.alert_emails: 'support' is not an email"),
    ({"BOT_SURVEYS_LOW_SCORE": "5"}, "surveys.low_score"),
    ({"BOT_APP_TIMEZONE": "Mars/Olympus"}, "app.timezone"),
])
def test_bad_care_settings_name_the_key(environ, key):
    with pytest.raises(ConfigError, match=key.replace("[", r"\[")):
        load_settings(environ=environ)


@pytest.mark.parametrize("table, key", [
    ('code = "x"\nname = "X"\nduration_minutes = 0\ncapacity = 1', r"services\[2\].duration_minutes"),
    ('code = "x"\nname = "X"\nduration_minutes = 30\ncapacity = 1\nhours = ["tue 9-5"]', r"services\[2\].hours"),
    ('code = "consult"\nname = "X"\nduration_minutes = 30\ncapacity = 1', r"services\[2\].code: 'consult' is used twice"),
    ('code = "x"\nduration_minutes = 30\ncapacity = 1', r"services\[2\].name: missing"),
    ('code = "x"\nname = "X"\nduration_minutes = 30\ncapacity = 1\nseats = 3', r"services\[2\].seats: unknown key"),
])
def test_bad_services_name_the_entry_and_key(tmp_path, table, key):
    with pytest.raises(ConfigError, match=key):
        load_settings(write_config(tmp_path, f"[[services]]\n{table}\n"), environ={})


def test_dates_in_config_are_real_dates():
    assert date(2026, 1, 1) in load_settings(environ={}).business.holiday_dates
