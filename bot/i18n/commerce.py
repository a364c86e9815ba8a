"""The coupon, points and tier texts (section "commerce" of the bot catalog), and how money, dates
and "what a coupon gives" read in each language.

Why a module of its own: these texts are used by handlers, the API's jobs and the scheduler's jobs
alike, and "what a coupon gives" is a rule (10 % off reads "9 折" in Chinese), not a text.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from bot.i18n import pick
from bot.i18n.formats import local_date, money
from bot.i18n.texts import COMMERCE, text_of

__all__ = ["say", "gives", "money", "local_date"]


def say(key: str, language: str, *, n: int | None = None, **fields: object) -> str:
    """A "commerce." text; `n` picks the plural form of one that shows a count."""
    return text_of(COMMERCE, key, language, "zh-TW", n=n, **fields)


def gives(kind: str, value: Decimal | float, item: Mapping[str, str], language: str, default_language: str = "zh-TW") -> str:
    """What a coupon gives: 10% off reads "9 折" in Chinese (you pay 90%), 15% off "85 折"."""
    if kind == "percent":
        percent = Decimal(str(value)).normalize()
        paid = Decimal(100) - percent
        zhe = paid / 10 if paid % 10 == 0 else paid
        return say("gives_percent", language, percent=f"{percent:f}", zhe=f"{zhe.normalize():f}")
    if kind == "amount":
        return say("gives_amount", language, money=money(value, language))
    return say("gives_free_item", language, item=pick(item, language, default_language))
