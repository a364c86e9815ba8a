"""Money and dates as the reader's locale writes them, formatted by Babel.

Why fixed patterns: the shop prints prices as "NT$1,250" (whole dollars without decimals) in every
language, while Babel's own zh_TW currency pattern writes "$1,250.00"; and coupon dates read
"2026-03-31" everywhere. The pattern is the shop's, the digits and separators the locale's.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from bot.i18n.catalogs import locale_of

WHOLE, CENTS = "NT$#,##0", "NT$#,##0.00"
DATE = "yyyy-MM-dd"
DATE_TIME = "yyyy-MM-dd HH:mm"


def money(amount: Decimal | float | int, language: str = "zh-TW") -> str:
    """NT$1,250 or NT$99.50: whole dollars without decimals, as prices are written in Taiwan."""
    value = Decimal(str(amount))
    pattern = WHOLE if value == value.to_integral_value() else CENTS
    return format_currency(value, "TWD", format=pattern, locale=locale_of(language), currency_digits=False)


def amount_figure(amount: Decimal | float | int, language: str = "zh-TW") -> str:
    """The figure of an amount as staff typed or the ledger holds it ("1000.00", "400"), with the
    locale's digits and decimal sign: the console writes a record's own precision back, not a price."""
    value = Decimal(str(amount))
    places = max(0, -int(value.as_tuple().exponent))
    return format_decimal(value, "0." + "0" * places if places else "0", locale=locale_of(language))


def local_date(moment: datetime, timezone: str, language: str = "zh-TW") -> str:
    """The day of a moment in the shop's time zone, "2026-03-31"."""
    return format_date(moment.astimezone(ZoneInfo(timezone)).date(), DATE, locale=locale_of(language))


def local_datetime(moment: datetime, timezone: str, language: str = "zh-TW", pattern: str = DATE_TIME) -> str:
    """A moment in the shop's time zone, "2026-03-31 14:00" (or another Babel pattern, e.g. "HH:mm")."""
    return format_datetime(moment, pattern, tzinfo=ZoneInfo(timezone), locale=locale_of(language))
