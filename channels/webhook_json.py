"""Webhook bodies read as JSON that can never fail later, and the checks that keep one bad event alone.

Why: a platform sends many events in one body, and one of them carrying a number no column can
hold (`NaN`, `1e400`, 5,000 digits) must not cost the others. `bot.safe_json` reads such a number as
an `OutOfRange` marker, so the body still parses and only the event that carries it is rejected
(`problem`); deep nesting that Python cannot parse at all refuses the body with 400, since no retry
of it can ever succeed. What is the webhook's own: the 400s, the event paths, and `record`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bot.safe_json import INT64_MAX, INT64_MIN, TooDeep, first_problem, loads
from bot.safe_text import clean_text
from channels.base import WebhookRejected

# No platform event nests deeper than a handful of levels; deeper is an attack or a bug.
MAX_EVENT_DEPTH = 16
# What a rejected event keeps for the record: enough to see what came, bounded in size.
RECORD_DEPTH = 6
RECORD_STRING_CHARS = 500
RECORD_ITEMS = 50


def load(body: bytes) -> Any:
    """The body as JSON; a body that is not JSON, or nests too deep to read, is refused with 400."""
    try:
        return loads(body)
    except TooDeep:
        raise WebhookRejected(400, "body is nested too deeply to read") from None
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise WebhookRejected(400, f"body is not valid JSON: {exc}"[:300]) from None


def problem(value: Any, where: str = "event") -> str | None:
    """Why `value` (one event as `load` read it) cannot be stored as it is, or None when it can.

    Strings are not judged here: text is cleaned where it is stored, ids are checked where they
    are used (`bot.events.storable`)."""
    found = first_problem(value, max_depth=MAX_EVENT_DEPTH)
    if found is None:
        return None
    where += "".join(f"[{step}]" if isinstance(step, int) else f".{clean_text(step)[:40]}" for step in found.path)
    if found.kind == "too_deep":
        return f"{where}: nested deeper than {MAX_EVENT_DEPTH} levels"
    return f"{where}: {found.value}"

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
