"""Customer care: [business] hours, [leads], [appointments] and [[services]], [complaints], [sla],
[staff], [surveys]. Checks that span keys of one section sit on that section, each naming its key."""

from __future__ import annotations

import functools
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, model_validator

from bot.config.errors import ConfigError
from bot.config.fields import Int, IntList, LanguageText, TextList, at_least, codes_once, each, problem, rule, section
from bot.config.hours import HoursError, WeeklyHours, parse_holidays, parse_hours
from channels import registry

LEAD_FIELDS = ("name", "email", "phone", "birthday_month", "region", "interests")


def _parsed(parse: Any) -> AfterValidator:
    """The entries must parse (opening hours, holiday dates); the parser says what is wrong."""

    def check(entries: tuple[str, ...]) -> tuple[str, ...]:
        try:
            parse(entries)
        except HoursError as exc:
            raise problem(str(exc)) from None
        return entries

    return AfterValidator(check)


Hours = Annotated[TextList, _parsed(parse_hours)]


@section
class BusinessSettings:
    """When staff work: the SLA clocks run only inside these hours, and services default to them."""

    hours: Annotated[Hours, rule(lambda hours: any(parse_hours(hours).values()),
                                 "at least one opening period is needed for the SLA clocks")] = ("mon-fri 09:00-18:00",)
    holidays: Annotated[TextList, _parsed(parse_holidays)] = ()

    @functools.cached_property
    def weekly(self) -> WeeklyHours:
        return parse_hours(self.hours)

    @functools.cached_property
    def holiday_dates(self) -> frozenset[date]:
        return parse_holidays(self.holidays)


LeadFields = Annotated[TextList, each(lambda name: name in LEAD_FIELDS,
                                     "unknown field {value!r} (use " + ", ".join(LEAD_FIELDS) + ")")]


@section
class LeadSettings:
    fields: Annotated[LeadFields, rule(lambda fields: len(set(fields)) == len(fields), "a field is listed twice")] = (
        "name", "email", "birthday_month", "region", "interests")
    required: Annotated[LeadFields, rule(lambda fields: "phone" not in fields, "phone cannot be required "
                                         "(it only comes from a verified contact share)")] = ("email",)
    incentive_coupon: str = ""
    code_ttl_minutes: Annotated[Int, at_least(1)] = 10
    code_max_attempts: Annotated[Int, at_least(1)] = 5
    codes_per_hour: Annotated[Int, at_least(1)] = 3
    start_words: TextList = ("加入會員", "加入会员", "sign up", "join")
    regions: TextList = ()
    interests: TextList = ()
    # the same choices in the other languages, in the same order (empty: shown as written above);
    # the customer sees their language, the record keeps the words above
    regions_en: TextList = ()
    regions_zh_cn: TextList = ()
    interests_en: TextList = ()
    interests_zh_cn: TextList = ()

    @model_validator(mode="after")
    def _translations_match(self) -> LeadSettings:
        for name in ("regions_en", "regions_zh_cn", "interests_en", "interests_zh_cn"):
            base = self.regions if name.startswith("regions") else self.interests
            if getattr(self, name) and len(getattr(self, name)) != len(base):
                raise ConfigError(f"leads.{name}: must list the same {len(base)} choices, in the same order")
        return self


@section
class AppointmentSettings:
    reminders_minutes_before: Annotated[IntList, rule(lambda minutes: all(m >= 1 for m in minutes),
                                                      "every value must be at least 1 minute")] = (1440, 120)
    days_ahead: Int = 14
    min_notice_minutes: Int = 60
    no_show_after_minutes: Int = 0
    book_words: TextList = ("預約", "预约", "book", "booking", "appointment")
    my_bookings_words: TextList = ("我的預約", "我的预约", "取消預約", "取消预约", "my bookings", "my appointments")

    @model_validator(mode="after")
    def _windows(self) -> AppointmentSettings:
        if self.days_ahead < 1 or self.min_notice_minutes < 0 or self.no_show_after_minutes < 0:
            raise ConfigError("appointments.days_ahead: must be at least 1 "
                              "(and min_notice_minutes, no_show_after_minutes not negative)")
        return self


def _is_code(code: str) -> bool:
    return code.isascii() and code.replace("_", "").replace("-", "").isalnum() and len(code) <= 40


@section
class ServiceSettings:
    """A bookable service from `[[services]]`; the database copy is what the dialogue reads."""

    code: Annotated[str, rule(_is_code, "expected a short ASCII code like 'consult'")]
    name: LanguageText
    duration_minutes: Annotated[Int, at_least(1)]
    capacity: Annotated[Int, at_least(1)]
    hours: Hours = ()


Services = Annotated[tuple[ServiceSettings, ...], AfterValidator(codes_once("services", "is used twice"))]


@section
class ComplaintSettings:
    words: TextList = ("客訴", "投訴", "投诉", "退款", "refund", "terrible", "complaint")
    human_words: TextList = ("找真人", "真人", "human", "agent")
    severe_words: TextList = ("律師", "律师", "lawyer", "police")
    tone_threshold: Annotated[Int, at_least(1)] = 2


Minutes = Annotated[IntList, rule(lambda values: len(values) == 3 and all(v >= 1 for v in values),
                                  "expected three positive numbers (priority 1, 2, 3)")]


@section
class SlaSettings:
    """Business minutes per priority: index 0 is priority 1 (urgent), then 2 (high), 3 (normal)."""

    first_response_minutes: Minutes = (30, 60, 240)
    resolution_minutes: Minutes = (240, 480, 1440)

    @model_validator(mode="after")
    def _resolution_after_response(self) -> SlaSettings:
        if any(f > r for f, r in zip(self.first_response_minutes, self.resolution_minutes, strict=True)):
            raise ConfigError("sla.resolution_minutes: each must be at least the matching first_response_minutes")
        return self


Addresses = Annotated[TextList, each(lambda address: "@" in address, "{value!r} is not an email address")]


def _staff_alert_channel(channel: str) -> str:
    """One of the platforms whose record says it may carry staff alerts (`channels.registry`)."""
    names = registry.staff_alert_names()
    if channel not in names:
        raise problem(f"must be {' or '.join(names)}")
    return channel


@section
class StaffSettings:
    alert_channel: Annotated[str, AfterValidator(_staff_alert_channel)] = "line"
    alert_address: str = ""
    alert_emails: Addresses = ()
    supervisor: str = "supervisor"
    supervisor_address: str = ""
    supervisor_emails: Addresses = ()


@section
class SurveySettings:
    after_ticket_minutes: Int = 5
    after_order_hours: Int = 24
    low_score: Annotated[Int, rule(lambda score: 1 <= score <= 4, "must be between 1 and 4")] = 2
    answer_window_hours: Int = 72
    # at most one post-purchase survey per customer within this many days (0: no limit), so ten
    # orders at once (an import, a backdated batch from the till) ask once, not ten times
    window_days: Annotated[Int, rule(lambda days: days >= 0, "must not be negative (0 turns the limit off)")] = 14

    @model_validator(mode="after")
    def _delays(self) -> SurveySettings:
        if self.after_ticket_minutes < 0 or self.after_order_hours < 0 or self.answer_window_hours < 1:
            raise ConfigError("surveys.after_order_hours: delays must not be negative and answer_window_hours at least 1")
        return self


