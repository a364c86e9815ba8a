"""Checks for request bodies: each returns the clean value or raises a 422 naming the field.

Why by hand and not a schema library: the bodies are small, and each message should say in plain
words what the shop system must send instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.api.errors import invalid
from bot.safe_text import has_unstorable
from models import utcnow

MAX_AMOUNT = Decimal("9999999999.99")
MAX_ITEMS = 500
MAX_ID = 2**31 - 1  # every id column is INTEGER (32-bit on PostgreSQL)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # before any shop system existed; also keeps UTC conversion in range
UNSTORABLE = "must not contain U+0000 (NUL) or an unpaired UTF-16 surrogate"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KEY = re.compile(r"^[\x21-\x7e]{1,64}$")


def body_object(raw: Any) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise invalid("body", "the body must be a JSON object (Content-Type: application/json)")
    return raw


def keyed_body(raw: Any, allowed: set[str], header: str | None) -> tuple[Mapping[str, Any], str]:
    """A write's body and its idempotency key, checked in one order for every write endpoint, so a
    client gets the same first error whichever endpoint it calls."""
    body = body_object(raw)
    unknown_fields(body, allowed)
    return body, idempotency_key(body, header)


def unknown_fields(body: Mapping[str, Any], allowed: set[str], prefix: str = "") -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise invalid(f"{prefix}{extra[0]}", f"unknown field; expected only {', '.join(sorted(allowed))}")


def _given(body: Mapping[str, Any], name: str, path: str, required: bool) -> Any:
    """The raw value of an optional field, None when absent or null; a required one must be there,
    so every field type reports a missing value with the same words."""
    value = body.get(name)
    if value is None and required:
        raise invalid(path, "is required")
    return value


def text(body: Mapping[str, Any], name: str, *, required: bool = False, max_length: int = 200, path: str | None = None) -> str | None:
    path = path or name
    value = _given(body, name, path, required)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise invalid(path, "must be a non-empty string")
    if has_unstorable(value):
        raise invalid(path, UNSTORABLE)
    if len(value) > max_length:
        raise invalid(path, f"must be at most {max_length} characters")
    return value.strip()


def idempotency_key(body: Mapping[str, Any], header: str | None) -> str:
    value = body.get("idempotency_key", header)
    if value is None:
        raise invalid("idempotency_key", "is required (in the body or the Idempotency-Key header), so a retry counts once")
    if not isinstance(value, str) or not KEY.fullmatch(value):
        raise invalid("idempotency_key", "must be 1-64 printable ASCII characters without spaces")
    if header is not None and header != value:
        raise invalid("idempotency_key", "differs from the Idempotency-Key header")
    return value


def positive_int(body: Mapping[str, Any], name: str, *, required: bool = False, path: str | None = None) -> int | None:
    path = path or name
    value = _given(body, name, path, required)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value > MAX_ID:
        raise invalid(path, f"must be a positive integer no larger than {MAX_ID}")
    return value


def record_id(value: str, path: str) -> int:
    """An id from a URL path: ASCII digits within the INTEGER range (so the database is never
    asked for 99999999999999999999, which PostgreSQL refuses with an error)."""
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_ID)) or not 1 <= int(value) <= MAX_ID:
        raise invalid(path, f"must be a positive integer no larger than {MAX_ID}")
    return int(value)


def amount(body: Mapping[str, Any], name: str = "amount", *, allow_negative: bool = True, path: str | None = None) -> Decimal:
    path = path or name
    value = _given(body, name, path, required=True)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise invalid(path, "must be a number of NT$ (e.g. 1200 or 99.5)")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise invalid(path, "must be a number of NT$ (e.g. 1200 or 99.5)") from None
    if not number.is_finite() or abs(number) > MAX_AMOUNT:
        raise invalid(path, f"must be a finite number no larger than {MAX_AMOUNT}")
    if number != number.quantize(Decimal("0.01")):
        raise invalid(path, "must have at most two decimal places")
    if number == 0 or (number < 0 and not allow_negative):
        raise invalid(path, "must not be zero" if allow_negative else "must be greater than zero")
    return number.quantize(Decimal("0.01"))


def timestamp(body: Mapping[str, Any], name: str, *, path: str | None = None) -> datetime | None:
    path = path or name
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(path, "must be an ISO 8601 date-time string with a time zone, e.g. 2026-11-24T15:30:00+08:00")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(path, "must be an ISO 8601 date-time, e.g. 2026-11-24T15:30:00+08:00") from None
    if moment.tzinfo is None:
        raise invalid(path, "must include a time zone (e.g. +08:00 or Z)")
    if moment < EARLIEST:
        raise invalid(path, "must not be before 2000-01-01")
    if moment > utcnow() + timedelta(days=1):
        raise invalid(path, "must not be in the future")
    return moment


def items(body: Mapping[str, Any], name: str = "items") -> list[dict[str, Any]]:
    value = body.get(name, [])
    if not isinstance(value, list):
        raise invalid(name, "must be a list of objects such as {\"sku\": \"B-1\", \"name\": \"...\", \"quantity\": 1, \"unit_price\": 380}")
    if len(value) > MAX_ITEMS:
        raise invalid(name, f"must have at most {MAX_ITEMS} entries")
    clean = []
    for index, item in enumerate(value):
        path = f"{name}[{index}]"
        if not isinstance(item, Mapping):
            raise invalid(path, "must be an object")
        unknown_fields(item, {"sku", "name", "quantity", "unit_price"}, prefix=f"{path}.")
        sku = text(item, "sku", max_length=100, path=f"{path}.sku")
        label = text(item, "name", max_length=200, path=f"{path}.name")
        if sku is None and label is None:
            raise invalid(path, "needs a sku or a name")
        entry: dict[str, Any] = {"quantity": positive_int(item, "quantity", path=f"{path}.quantity") or 1}
        if sku is not None:
            entry["sku"] = sku
        if label is not None:
            entry["name"] = label
        if item.get("unit_price") is not None:
            entry["unit_price"] = str(amount(item, "unit_price", allow_negative=False, path=f"{path}.unit_price"))
        clean.append(entry)
    return clean


def email(value: Any, path: str) -> str:
    if not isinstance(value, str) or len(value) > 320 or has_unstorable(value) or not EMAIL.fullmatch(value.strip()):
        raise invalid(path, "must be an email address such as name@example.com")
    return value.strip()


def phone(value: Any, path: str) -> str:
    if not isinstance(value, str) or len(value) > 40 or has_unstorable(value):
        raise invalid(path, "must be a phone number as a string, e.g. \"0912-345-678\" or \"+886912345678\"")
    digits = normalize_phone(value)
    if not 6 <= len(digits.lstrip("+")) <= 20 or not (digits.isascii() and digits.lstrip("+").isdigit()):
        raise invalid(path, "must be a phone number: digits, optionally with +, spaces, dashes or brackets")
    return value.strip()


def normalize_phone(value: str) -> str:
    return "".join(ch for ch in value.strip() if ch not in " -()")
