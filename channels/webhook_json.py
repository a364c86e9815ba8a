"""Webhook bodies read as JSON that can never fail later, and the checks that keep one bad event alone.

Why a loader of our own: Python's `json` turns `NaN`, `Infinity` and `1e400` into floats no
database column or JSONB value accepts, raises on an integer of more than 4,300 digits (failing the
whole body for one field) and raises `RecursionError`, not a decode error, on deep nesting. Here a
number that cannot be stored becomes an `UnstorableNumber` marker, so the body still parses and
only the event that carries it is rejected (`problem`); deep nesting that Python cannot parse at
all refuses the body with 400, since no retry of it can ever succeed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from bot.safe_text import clean_text
from channels.base import WebhookRejected

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1
# No platform event nests deeper than a handful of levels; deeper is an attack or a bug.
MAX_EVENT_DEPTH = 16
# What a rejected event keeps for the record: enough to see what came, bounded in size.
RECORD_DEPTH = 6
RECORD_STRING_CHARS = 500
RECORD_ITEMS = 50


class UnstorableNumber(str):
    """Stands in for a JSON number no column or JSONB value can hold; its text says what it was."""


def _parse_int(text: str) -> int | UnstorableNumber:
    digits = len(text.lstrip("-"))
    if digits > 19:
        return UnstorableNumber(f"integer of {digits} digits")
    value = int(text)
    return value if INT64_MIN <= value <= INT64_MAX else UnstorableNumber(f"integer of {digits} digits")


def _parse_float(text: str) -> float | UnstorableNumber:
    value = float(text)
    return value if math.isfinite(value) else UnstorableNumber(f"number {text[:30]} out of range")


def _parse_constant(name: str) -> UnstorableNumber:
    return UnstorableNumber(f"number {name}")


def load(body: bytes) -> Any:
    """The body as JSON; a body that is not JSON, or nests too deep to read, is refused with 400."""
    try:
        return json.loads(body, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except RecursionError:
        raise WebhookRejected(400, "body is nested too deeply to read") from None
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise WebhookRejected(400, f"body is not valid JSON: {exc}"[:300]) from None


def problem(value: Any, where: str = "event", depth: int = 0) -> str | None:
    """Why `value` (one event as `load` read it) cannot be stored as it is, or None when it can.

    Strings are not judged here: text is cleaned where it is stored, ids are checked where they
    are used (`bot.events.storable`)."""
    if depth > MAX_EVENT_DEPTH:
        return f"{where}: nested deeper than {MAX_EVENT_DEPTH} levels"
    if isinstance(value, UnstorableNumber):
        return f"{where}: {value}"
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = problem(item, f"{where}.{clean_text(str(key))[:40]}", depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = problem(item, f"{where}[{index}]", depth + 1)
            if found:
                return found
    return None


def record(value: Any, depth: int = 0) -> Any:
    """A bounded, storable copy of a rejected event: strings cleaned and cut, nesting and lists cut."""
    if isinstance(value, str):
        text = clean_text(value)
        return text if len(text) <= RECORD_STRING_CHARS else text[:RECORD_STRING_CHARS] + "…"
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if INT64_MIN <= value <= INT64_MAX else "integer out of range"
    if isinstance(value, float):
        return value if math.isfinite(value) else "number out of range"
    if depth >= RECORD_DEPTH:
        return "…"
    if isinstance(value, Mapping):
        items = list(value.items())[:RECORD_ITEMS]
        return {record(str(k)): record(v, depth + 1) for k, v in items}
    if isinstance(value, list):
        return [record(v, depth + 1) for v in value[:RECORD_ITEMS]]
    return record(str(value))
