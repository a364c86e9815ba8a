"""The gettext catalogs under `locales/<locale>/LC_MESSAGES/<domain>.po`, read once per process.

Why the `.po` files are read at run time and nothing compiled is committed: `babel.messages.pofile`
parses them and `babel.messages.mofile` turns them into a `babel.support.Translations` in memory,
so a plain clone runs (`make run`, `make test`) without a `pybabel compile` step, and a compiled
file can never be stale next to the text it came from. Reading the ~300 messages takes a few
milliseconds, once.

Two domains: `bot` (what customers and staff read in a chat or an email; msgids are keys such as
"booking.confirm") and `console` (the staff console; msgids are the English text).
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = Path(__file__).resolve().parents[2] / "locales"
DOMAINS = ("bot", "console")


def locale_of(language: str) -> str:
    """The gettext locale of one of the bot's language codes: "zh-TW" -> "zh_TW"."""
    return language.replace("-", "_")


def po_path(domain: str, language: str) -> Path:
    return LOCALES / locale_of(language) / "LC_MESSAGES" / f"{domain}.po"


@cache
def catalog(domain: str, language: str) -> Catalog | None:
    """The parsed `.po` of a domain in a language, or None when that language has none."""
    path = po_path(domain, language)
    if not path.is_file():
        return None
    with path.open("rb") as po:
        return read_po(po, locale=locale_of(language), domain=domain)


@cache
def translations(domain: str, language: str) -> NullTranslations:
    """gettext's view of a catalog; empty (every lookup misses) for a language without one."""
    parsed = catalog(domain, language)
    if parsed is None:
        return NullTranslations()
    compiled = BytesIO()
    write_mo(compiled, parsed)
    compiled.seek(0)
    return Translations(compiled, domain=domain)


def reload() -> None:
    """Forget what was read, for a test that points LOCALES elsewhere."""
    catalog.cache_clear()
    translations.cache_clear()
