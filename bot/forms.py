"""Form checking shared by the console and the services behind it: field -> reason, no framework."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class FormErrors(dict[str, str]):
    """Field name -> why its value was refused; shown next to the field."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, message)


def int_field(errors: FormErrors, name: str, value: Any, *, low: int | None = None, high: int | None = None,
              required: bool = False, message: str | None = None) -> int | None:
    """A whole number in [low, high]. `message`, when given, is the one error for every way the
    value can be wrong (a form that explains the field in one sentence)."""
    text = str(value or "").strip()
    if not text:
        if required:
            errors.add(name, message or "required")
        return None
    try:
        number = int(text)
    except ValueError:
        errors.add(name, message or f"{text!r} is not a whole number")
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        errors.add(name, message or (f"must be between {low} and {high}" if high is not None else f"must be at least {low}"))
        return None
    return number


def hhmm_field(errors: FormErrors, name: str, value: Any) -> str | None:
    """A time of day as HH:MM (24 h), normalised with a leading zero."""
    text = str(value or "").strip()
    if not text:
        return None
    match = HHMM.match(text)
    if not match:
        errors.add(name, f"{text!r} is not a time like 21:30")
        return None
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))
