"""Per-customer fields in a broadcast's text: `{name}`, `{tier}`, `{points}`, `{coupon}` (the code of
the coupon the broadcast issues to each recipient).

Why checked before saving: a typo such as `{nmae}` must be refused at the form, not discovered
as a crash halfway through planning 100,000 messages.
"""

from __future__ import annotations

import string

from bot.crm.text import fields_text_problem

FIELDS = ("name", "tier", "points", "coupon")
MAX_TEXT = 5000


def fields_used(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def text_problem(text: str) -> str | None:
    """Why the text cannot be used, or None. Write {{ and }} for literal braces."""
    return fields_text_problem(text, FIELDS, MAX_TEXT)


def render(text: str, values: dict[str, object]) -> str:
    return text.format_map(values)
