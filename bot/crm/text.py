"""Text and time helpers the domain shares with the dialogue: how typed words are compared, how a
moment reads in the shop's time zone, how customer text is shortened for staff, and how a reply
text is looked up with the shop's name filled in.

Why in the domain and not in `handlers/`: tickets, bookings, complaint phrases and the jobs apply
the same rules as the dialogue, and the domain may not import handlers.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.config import Settings
from bot.i18n import Catalog, text_of
from bot.i18n.catalogs import locale_of

PUNCTUATION = " \t\r\n.,!?;:。，！？；：、~～"
DAY_PATTERNS = {"en": "EEE M/d", "zh-CN": "M/d（EEEEE）"}  # Babel: "Tue 3/3", "3/3（二）" (narrow weekday)
DAY_PATTERN = "M/d（EEEEE）"  # zh-TW, and any other language


def render(texts: Catalog, key: str, language: str, settings: Settings, **fields: object) -> str:
    """A text in a language; customer-supplied `fields` are inserted as they are, never re-parsed."""
    return text_of(texts, key, language, settings.app.default_language, shop=settings.shop.name, **fields)


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, collapsed spaces, no surrounding punctuation."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"\s+", " ", folded).strip(PUNCTUATION)


def zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.app.timezone)


def local_label(moment: datetime, language: str, settings: Settings, *, with_time: bool = True) -> str:
    """"3/3（二）14:00" or "Tue 3/3 14:00" in the shop's time zone."""
    pattern = DAY_PATTERNS.get(language, DAY_PATTERN) + (" HH:mm" if with_time else "")
    locale = locale_of(language if language in DAY_PATTERNS else "zh-TW")
    return format_datetime(moment, pattern, tzinfo=zone(settings), locale=locale)


def safe_excerpt(text: str | None, limit: int = 200) -> str:
    """Customer text for a staff alert: control characters removed, one line, bounded."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in (text or ""))
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def fields_text_problem(text: object, fields: Sequence[str], max_length: int) -> str | None:
    """Why a text with per-customer fields (`{name}`...) cannot be used, or None: the one rule
    broadcasts and journeys share, checked before saving so a typo such as `{nmae}` is refused at
    the form, not found half way through sending. Write {{ and }} for literal braces."""
    if not isinstance(text, str) or not text.strip():
        return "required"
    if len(text) > max_length:
        return f"at most {max_length} characters"
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return "a { or } without its partner (write {{ or }} for a brace)"
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in fields:
            return f"unknown field {{{name}}}; use {', '.join('{' + f + '}' for f in fields)}"
        if spec or conversion:
            return f"write the field as {{{name}}}, without a format"
    return None
