"""JSON from outside read so that one bad value can be named instead of failing the whole body.

Why: Python's `json` turns `NaN`, `Infinity` and `1e400` into floats no database column or JSONB
value accepts, raises on an integer of more than 4,300 digits (failing the whole body for one
field) and raises `RecursionError`, not a decode error, on deep nesting. Webhooks and the shop API
both read such bodies; here a number that cannot be stored becomes an `OutOfRange` marker, so the
body still parses, deep nesting becomes `TooDeep`, and `first_problem` finds the first value that
cannot be stored with its path. What to do about it (reject one event, answer 422) is the caller's.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.safe_text import has_unstorable

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1  # what a BIGINT column holds

Path = tuple[str | int, ...]


class OutOfRange(str):
    """Stands in for a JSON number nothing can hold. It is a string saying what the number was
    ("integer of 25 digits", "number NaN"), so a rejected body can still be recorded as text;
    `kind` ("integer", "float" or "constant") and `source` (the number as sent, cut) let a caller
    word its own message."""

    kind: str
    source: str

    def __new__(cls, description: str, kind: str, source: str) -> OutOfRange:
        marker = super().__new__(cls, description)
        marker.kind, marker.source = kind, source[:30]
        return marker

    def __getnewargs__(self) -> tuple[str, str, str]:  # type: ignore[override]
        """What `copy.deepcopy` and pickle pass back to `__new__`: a rejected event holding a marker
        is deep-copied on its way to storage (`dataclasses.asdict`)."""
        return str(self), self.kind, self.source


class TooDeep(ValueError):
    """The text nests deeper than Python's parser can recurse; no retry of it can ever succeed."""


def _parse_float(text: str) -> float | OutOfRange:
    value = float(text)
    return value if math.isfinite(value) else OutOfRange(f"number {text[:30]} out of range", "float", text)


def _parse_constant(name: str) -> OutOfRange:
    return OutOfRange(f"number {name}", "constant", name)


def loads(text: str | bytes, *, int_range: tuple[int, int] = (INT64_MIN, INT64_MAX)) -> Any:
    """`text` as JSON, each number outside `int_range` or not finite an `OutOfRange` marker.

    Raises TooDeep on nesting the parser cannot follow; other errors are `json.loads`'s own."""
    low, high = int_range
    max_digits = len(str(max(-low, high)))  # longer cannot be in range; int() of 4,300+ digits raises

    def parse_int(number: str) -> int | OutOfRange:
        digits = len(number.lstrip("-"))
        if digits <= max_digits and low <= (value := int(number)) <= high:
            return value
        return OutOfRange(f"integer of {digits} digits", "integer", number)

    try:
        return json.loads(text, parse_int=parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except RecursionError:
        raise TooDeep("nested too deeply to read") from None


@dataclass(frozen=True)
class Problem:
    """The first value that cannot be stored: its keys and indexes from the top, and why.

    `value` is the `OutOfRange` marker, the string or the key at fault (None when too deep)."""

    path: Path
    kind: Literal["too_deep", "number", "text", "key"]
    value: Any = None


def first_problem(value: Any, *, max_depth: int, check_text: bool = False, max_key_length: int | None = None) -> Problem | None:
    """The first problem in `value` (as `loads` read it), depth first, or None when all is storable.

    Strings and keys are judged only with `check_text` (NUL, lone surrogates): the API refuses
    them, webhooks clean text where it is stored. Keys longer than `max_key_length` are refused."""

    def walk(item: Any, path: Path) -> Problem | None:
        if len(path) > max_depth:
            return Problem(path, "too_deep")
        if isinstance(item, OutOfRange):
            return Problem(path, "number", item)
        if isinstance(item, str):
            return Problem(path, "text", item) if check_text and has_unstorable(item) else None
        if isinstance(item, Mapping):
            for key, child in item.items():
                if (check_text and has_unstorable(key)) or (max_key_length is not None and len(key) > max_key_length):
                    return Problem((*path, key), "key", key)
                if found := walk(child, (*path, key)):
                    return found
        elif isinstance(item, list):
            for index, child in enumerate(item):
                if found := walk(child, (*path, index)):
                    return found
        return None

    return walk(value, ())
