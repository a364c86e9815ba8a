"""Settings for customer care: leads, appointments and services, complaints, SLA, staff, surveys.

Why a module of its own: `bot/config/__init__.py` holds the loader and the foundation's sections; these
sections are many and each is a plain frozen dataclass the loader fills the same way (TOML value
or `BOT_<SECTION>_<KEY>`; lists come from the environment comma-separated). The few checks that
span keys live in `validate_care`, and each names the key it refuses.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.crm.hours import HoursError, WeeklyHours, parse_holidays, parse_hours

LEAD_FIELDS = ("name", "email", "phone", "birthday_month", "region", "interests")


@dataclass(frozen=True)
class BusinessSettings:
    """When staff work: the SLA clocks run only inside these hours, and services default to them."""

    hours: tuple[str, ...] = ("mon-fri 09:00-18:00",)
    holidays: tuple[str, ...] = ()

    @functools.cached_property
    def weekly(self) -> WeeklyHours:
        return parse_hours(self.hours)

    @functools.cached_property
    def holiday_dates(self) -> frozenset:
        return parse_holidays(self.holidays)


@dataclass(frozen=True)
class LeadSettings:
    fields: tuple[str, ...] = ("name", "email", "birthday_month", "region", "interests")
    required: tuple[str, ...] = ("email",)
    incentive_coupon: str = ""
    code_ttl_minutes: int = 10
    code_max_attempts: int = 5
    codes_per_hour: int = 3
    start_words: tuple[str, ...] = ("加入會員", "加入会员", "sign up", "join")
    regions: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    # the same choices in the other languages, in the same order (empty: shown as written above);
    # the customer sees their language, the record keeps the words above
    regions_en: tuple[str, ...] = ()
    regions_zh_cn: tuple[str, ...] = ()
    interests_en: tuple[str, ...] = ()
    interests_zh_cn: tuple[str, ...] = ()


@dataclass(frozen=True)
class AppointmentSettings:
    reminders_minutes_before: tuple[int, ...] = (1440, 120)
    days_ahead: int = 14
    min_notice_minutes: int = 60
    no_show_after_minutes: int = 0
    book_words: tuple[str, ...] = ("預約", "预约", "book", "booking", "appointment")
    my_bookings_words: tuple[str, ...] = ("我的預約", "我的预约", "取消預約", "取消预约", "my bookings", "my appointments")


@dataclass(frozen=True)
class ServiceSettings:
    """A bookable service from `[[services]]`; the database copy is what the dialogue reads."""

    code: str
    name: Mapping[str, str]
    duration_minutes: int
    capacity: int
    hours: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComplaintSettings:
    words: tuple[str, ...] = ("客訴", "投訴", "投诉", "退款", "refund", "terrible", "complaint")
    human_words: tuple[str, ...] = ("找真人", "真人", "human", "agent")
    severe_words: tuple[str, ...] = ("律師", "律师", "lawyer", "police")
    tone_threshold: int = 2


@dataclass(frozen=True)
class SlaSettings:
    """Business minutes per priority: index 0 is priority 1 (urgent), then 2 (high), 3 (normal)."""

    first_response_minutes: tuple[int, ...] = (30, 60, 240)
    resolution_minutes: tuple[int, ...] = (240, 480, 1440)


@dataclass(frozen=True)
class StaffSettings:
    alert_channel: str = "line"
    alert_address: str = ""
    alert_emails: tuple[str, ...] = ()
    supervisor: str = "supervisor"
    supervisor_address: str = ""
    supervisor_emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class SurveySettings:
    after_ticket_minutes: int = 5
    after_order_hours: int = 24
    low_score: int = 2
    answer_window_hours: int = 72
    # at most one post-purchase survey per customer within this many days (0: no limit), so ten
    # orders at once (an import, a backdated batch from the till) ask once, not ten times
    window_days: int = 14


CARE_SECTIONS = ("business", "leads", "appointments", "complaints", "sla", "staff", "surveys")
CARE_DEFAULTS: dict[str, type] = {
    "business": BusinessSettings, "leads": LeadSettings, "appointments": AppointmentSettings,
    "complaints": ComplaintSettings, "sla": SlaSettings, "staff": StaffSettings, "surveys": SurveySettings,
}


def build_services(entries: Any, language_map: Any, error: type[Exception]) -> tuple[ServiceSettings, ...]:
    """`[[services]]` tables -> ServiceSettings; `language_map` and `error` come from the loader."""
    if not isinstance(entries, list):
        raise error("services: must be a list of [[services]] tables")
    services, codes = [], set()
    allowed = {"code", "name", "duration_minutes", "capacity", "hours"}
    for index, entry in enumerate(entries):
        key = f"services[{index}]"
        if not isinstance(entry, Mapping):
            raise error(f"{key}: must be a table")
        unknown = set(entry) - allowed
        if unknown:
            raise error(f"{key}.{sorted(unknown)[0]}: unknown key")
        code = entry.get("code")
        if not isinstance(code, str) or not code.isascii() or not code.replace("_", "").replace("-", "").isalnum() or len(code) > 40:
            raise error(f"{key}.code: expected a short ASCII code like 'consult'")
        if code in codes:
            raise error(f"{key}.code: {code!r} is used twice")
        codes.add(code)
        if "name" not in entry:
            raise error(f"{key}.name: missing")
        numbers = {}
        for name in ("duration_minutes", "capacity"):
            value = entry.get(name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise error(f"{key}.{name}: expected a whole number of at least 1, got {value!r}")
            numbers[name] = value
        hours = entry.get("hours", [])
        if not isinstance(hours, list) or not all(isinstance(h, str) for h in hours):
            raise error(f"{key}.hours: expected a list like [\"tue-sun 11:00-18:00\"]")
        try:
            parse_hours(hours)
        except HoursError as exc:
            raise error(f"{key}.hours: {exc}") from None
        services.append(ServiceSettings(code, types.MappingProxyType(language_map(f"{key}.name", entry["name"])),
                                        numbers["duration_minutes"], numbers["capacity"], tuple(hours)))
    return tuple(services)


def validate_care(settings: Any, error: type[Exception]) -> None:
    """Checks that span keys; `settings` is the loader's Settings."""
    try:
        ZoneInfo(settings.app.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise error(f"app.timezone: unknown time zone {settings.app.timezone!r}") from None
    for name in ("hours", "holidays"):
        try:
            getattr(settings.business, "weekly" if name == "hours" else "holiday_dates")
        except HoursError as exc:
            raise error(f"business.{name}: {exc}") from None
    if not any(settings.business.weekly.values()):
        raise error("business.hours: at least one opening period is needed for the SLA clocks")
    leads = settings.leads
    for name in ("fields", "required"):
        bad = [f for f in getattr(leads, name) if f not in LEAD_FIELDS]
        if bad:
            raise error(f"leads.{name}: unknown field {bad[0]!r} (use {', '.join(LEAD_FIELDS)})")
    if len(set(leads.fields)) != len(leads.fields):
        raise error("leads.fields: a field is listed twice")
    if "phone" in leads.required:
        raise error("leads.required: phone cannot be required (it only comes from a verified contact share)")
    for name in ("regions_en", "regions_zh_cn", "interests_en", "interests_zh_cn"):
        base = leads.regions if name.startswith("regions") else leads.interests
        if getattr(leads, name) and len(getattr(leads, name)) != len(base):
            raise error(f"leads.{name}: must list the same {len(base)} choices, in the same order")
    for name in ("code_ttl_minutes", "code_max_attempts", "codes_per_hour"):
        if getattr(leads, name) < 1:
            raise error(f"leads.{name}: must be at least 1")
    appointments = settings.appointments
    if any(m < 1 for m in appointments.reminders_minutes_before):
        raise error("appointments.reminders_minutes_before: every value must be at least 1 minute")
    if appointments.days_ahead < 1 or appointments.min_notice_minutes < 0 or appointments.no_show_after_minutes < 0:
        raise error("appointments.days_ahead: must be at least 1 (and min_notice_minutes, no_show_after_minutes not negative)")
    for name in ("first_response_minutes", "resolution_minutes"):
        values = getattr(settings.sla, name)
        if len(values) != 3 or any(v < 1 for v in values):
            raise error(f"sla.{name}: expected three positive numbers (priority 1, 2, 3)")
    if any(f > r for f, r in zip(settings.sla.first_response_minutes, settings.sla.resolution_minutes, strict=True)):
        raise error("sla.resolution_minutes: each must be at least the matching first_response_minutes")
    if settings.staff.alert_channel not in ("line", "telegram"):
        raise error("staff.alert_channel: must be line or telegram")
    for name in ("alert_emails", "supervisor_emails"):
        bad = [e for e in getattr(settings.staff, name) if "@" not in e]
        if bad:
            raise error(f"staff.{name}: {bad[0]!r} is not an email address")
    surveys = settings.surveys
    if not 1 <= surveys.low_score <= 4:
        raise error("surveys.low_score: must be between 1 and 4")
    if surveys.after_ticket_minutes < 0 or surveys.after_order_hours < 0 or surveys.answer_window_hours < 1:
        raise error("surveys.after_order_hours: delays must not be negative and answer_window_hours at least 1")
    if surveys.window_days < 0:
        raise error("surveys.window_days: must not be negative (0 turns the limit off)")
    if settings.complaints.tone_threshold < 1:
        raise error("complaints.tone_threshold: must be at least 1")
