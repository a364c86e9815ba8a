"""The one lookup every reply text goes through: `text(key, language, default_language, n=..., **fields)`.

Why keys as msgids ("booking.confirm", "welcome") and not the English text: the bot speaks three
languages as equals and the shop's default language is Chinese, so no language is the source; a key
stays stable when a translation is reworded (a documented gettext practice for such applications).
The English catalog (`locales/en/LC_MESSAGES/bot.po`) is the reference list of keys.

Plurals: a text that shows a count is a gettext plural entry; pass the count as `n` and gettext
picks the form by the language's plural rule (English two forms, Chinese one). Fields are filled
with `str.format` after the lookup, so customer-supplied values are inserted as they are, never
parsed again.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n.catalogs import catalog, translations

DOMAIN = "bot"
REFERENCE_LANGUAGE = "en"


def _lookup(key: str, language: str, n: int | None) -> str | None:
    found = translations(DOMAIN, language)
    result = found.gettext(key) if n is None else found.ngettext(key, key, n)
    return None if result == key else result


def text(key: str, language: str, default_language: str = "zh-TW", *, n: int | None = None, **fields: object) -> str:
    """The text in the customer's language, else in the shop's default language, fields filled in.

    `n` selects the plural form of a text that shows a count (it is not a field: pass the count
    under its own name too). An unknown key raises KeyError, as a missing dict entry did."""
    found = _lookup(key, language, n) or _lookup(key, default_language, n)
    if found is None:
        raise KeyError(key)
    return found.format(**fields)


def has(key: str) -> bool:
    """Whether the reference catalog holds the key."""
    reference = catalog(DOMAIN, REFERENCE_LANGUAGE)
    return reference is not None and key in reference


@dataclass(frozen=True)
class Section:
    """The keys of one feature, so a handler writes `say(ctx, TEXTS, "confirm")` for "booking.confirm"."""

    name: str

    def key(self, key: str) -> str:
        return f"{self.name}.{key}" if self.name else key

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and has(self.key(key))


def text_of(section: Section, key: str, language: str, default_language: str = "zh-TW", **fields: object) -> str:
    """`text` for a key of a section (the handlers' `say` and `render` come through here, passing
    their fields on untyped; a field `n` is the count that picks the plural form)."""
    n = fields.pop("n", None)
    if n is not None and not isinstance(n, int):
        raise TypeError(f"n must be a whole number, not {n!r}")
    return text(section.key(key), language, default_language, n=n, **fields)


# The sections of the bot catalog: one per feature, as the handlers' texts were grouped.
REPLIES = Section("")  # welcome, fallback, help, language switch: the engine's own (`ctx.t`)
COMMERCE = Section("commerce")  # coupons, points, tiers (handlers, the API's and the scheduler's jobs)
BOOKING = Section("booking")  # the booking dialogue, "my bookings", reminders
CARE = Section("care")  # complaints, tickets, staff alerts, satisfaction surveys
CONSENT = Section("consent")  # opt-out and opt-in, "my data", deletion requests
DIALOGUE = Section("dialogue")  # small talk
LEADS = Section("leads")  # the welcome, lead capture, email codes, referrals
LOYALTY = Section("loyalty")  # the points reply's stamp card
