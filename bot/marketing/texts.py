"""Per-customer fields in a broadcast's text: `{name}`, `{tier}`, `{points}`, `{coupon}` (the code of
the coupon the broadcast issues to each recipient).

Why checked before saving: a typo such as `{nmae}` must be refused at the form, not discovered
as a crash halfway through planning 100,000 messages.
"""

from __future__ import annotations

import string

FIELDS = ("name", "tier", "points", "coupon")
MAX_TEXT = 5000


def fields_used(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def text_problem(text: str) -> str | None:
    """Why the text cannot be used, or None. Write {{ and }} for literal braces."""
    if not text.strip():
        return "required"
    if len(text) > MAX_TEXT:
        return f"at most {MAX_TEXT} characters"
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return "a { or } without its partner (write {{ or }} for a brace)"
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in FIELDS:
            return f"unknown field {{{name}}}; use {', '.join('{' + f + '}' for f in FIELDS)}"
        if spec or conversion:
            return f"write the field as {{{name}}}, without a format"
    return None


def render(text: str, values: dict[str, object]) -> str:
    return text.format_map(values)
