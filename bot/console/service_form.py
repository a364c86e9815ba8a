"""Checking and saving a bookable service edited in the console (name, length, seats, opening hours).

Why an edited service stops following config.toml: `bot.crm.booking.sync_services` rewrites the
rows that config created whenever config differs, so an edit made here would silently vanish on the
next booking. Saving a service here marks it `source = 'console'`: from then on the console owns it
and config's `[[services]]` entry with the same code is no longer applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import LANGUAGES
from bot.config.hours import HoursError, parse_hours
from bot.forms import FormErrors, int_field
from models import Service

MAX_DURATION_MINUTES, MAX_CAPACITY = 24 * 60, 1000


@dataclass(frozen=True)
class ServiceValues:
    name: dict[str, str]
    duration_minutes: int
    capacity: int
    hours: list[str]
    active: bool


def hours_lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("；", "\n").replace(";", "\n").splitlines() if line.strip()]


def check(form: Mapping[str, Any]) -> tuple[ServiceValues | None, FormErrors]:
    """The form's values, or the reasons per field (names as in the form)."""
    errors = FormErrors()
    name = {lang: str(form.get(f"name_{lang}", "")).strip()[:100] for lang in LANGUAGES}
    name = {lang: text for lang, text in name.items() if text}
    if not name:
        errors.add("name_zh-TW", "Give the name in at least one language.")
    duration = int_field(errors, "duration_minutes", form.get("duration_minutes"), low=5, high=MAX_DURATION_MINUTES, required=True)
    capacity = int_field(errors, "capacity", form.get("capacity"), low=1, high=MAX_CAPACITY, required=True)
    hours = hours_lines(str(form.get("hours", "")))
    try:
        parse_hours(hours)
    except HoursError as exc:
        errors.add("hours", str(exc))
    if errors:
        return None, errors
    assert duration is not None and capacity is not None
    return ServiceValues(name, duration, capacity, hours, form.get("active") == "on"), errors


def check_code(session: Session, code: str, errors: FormErrors) -> str:
    code = code.strip()
    if not code or len(code) > 40 or not code.isascii() or not code.replace("_", "").replace("-", "").isalnum():
        errors.add("code", "Use a short code of letters, digits, - and _ (like consult).")
    elif session.scalar(select(Service.id).where(Service.code == code)) is not None:
        errors.add("code", "A service with this code exists.")
    return code


def save(session: Session, service: Service | None, code: str, values: ServiceValues) -> Service:
    """Create or update the row; either way the console owns it from now on (see the module docstring)."""
    if service is None:
        service = Service(code=code)
        session.add(service)
    service.name, service.duration_minutes, service.capacity = values.name, values.duration_minutes, values.capacity
    service.hours, service.active, service.source = values.hours, values.active, "console"
    session.flush()
    return service
