"""Reading one cell: dates, phones, emails, numbers and lists as spreadsheets write them.

Each parser returns the clean value or raises CellError with an English message (a msgid the
console translates, placeholders in braces), so the report says exactly what is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LINE_USER = re.compile(r"^U[0-9a-f]{32}$")
DATE = re.compile(r"^(?:民國)?\s*(\d{2,4})\s*[/\-.年]\s*(\d{1,2})\s*[/\-.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
LIST_SEPARATORS = re.compile(r"[,，;；、|]")
YES = {"yes", "y", "true", "1", "是", "同意", "有", "v", "ok"}
NO = {"no", "n", "false", "0", "否", "不同意", "無", "无"}
ROC_OFFSET = 1911  # ROC year 113 is 2024


class CellError(ValueError):
    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params


def clean(cell: str) -> str:
    """NFKC (full-width digits and letters to ASCII), no surrounding spaces or quotes Excel adds."""
    return unicodedata.normalize("NFKC", cell).strip().strip("'").strip()


def parse_date(cell: str) -> date:
    match = DATE.match(clean(cell))
    if match is None:
        raise CellError("not a date: write 2024-01-05, 2024/1/5 or 113/01/05 (ROC)")
    year, month, day = (int(part) for part in match.groups())
    if year < 1000:
        year += ROC_OFFSET
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError("not a date that exists: {value}", value=clean(cell)) from None


def parse_email(cell: str) -> str:
    value = clean(cell).lower()
    if len(value) > 320 or not EMAIL.fullmatch(value):
        raise CellError("not an email address")
    return value


def parse_phone(cell: str) -> str:
    """A Taiwan mobile number as 09xxxxxxxx, from 0912-345-678, +886 912 345 678, 886912345678, 912345678."""
    digits = "".join(ch for ch in clean(cell) if ch.isdigit() or ch == "+")
    if digits.startswith("+886"):
        digits = "0" + digits[4:].lstrip("0")
    elif digits.startswith("886") and len(digits) == 12:
        digits = "0" + digits[3:]
    elif len(digits) == 9 and digits.startswith("9"):
        digits = "0" + digits  # Excel dropped the leading zero
    if not re.fullmatch(r"09\d{8}", digits):
        raise CellError("phone is not a Taiwan mobile number (09xx-xxx-xxx or +886 9xx xxx xxx)")
    return digits


def normalize_phone(value: str | None) -> str | None:
    """An existing customer's phone in the form imports compare (None when it is not a mobile)."""
    if not value:
        return None
    try:
        return parse_phone(value)
    except CellError:
        return None


def parse_line_user(cell: str) -> str:
    value = clean(cell)
    if not LINE_USER.fullmatch(value):
        raise CellError("not a LINE user id (U followed by 32 hexadecimal characters)")
    return value


def parse_telegram(cell: str) -> str:
    value = clean(cell)
    if not value.isdigit() or len(value) > 20:
        raise CellError("not a Telegram user id (digits only)")
    return value


def parse_int(cell: str, low: int, high: int) -> int:
    value = clean(cell).replace(",", "")
    if not re.fullmatch(r"-?\d+", value):
        raise CellError("not a whole number")
    number = int(value)
    if not low <= number <= high:
        raise CellError("must be between {low} and {high}", low=low, high=high)
    return number


def parse_month(cell: str) -> int:
    return parse_int(clean(cell).removesuffix("月"), 1, 12)


def parse_amount(cell: str) -> Decimal:
    value = clean(cell).replace(",", "").removeprefix("NT$").removeprefix("$").strip()
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise CellError("not an amount of money (e.g. 1200 or 99.5)") from None
    if not amount.is_finite() or abs(amount) > Decimal("9999999999.99") or amount != amount.quantize(Decimal("0.01")):
        raise CellError("not an amount of money (e.g. 1200 or 99.5)")
    if amount == 0:
        raise CellError("must not be zero")
    return amount.quantize(Decimal("0.01"))


def parse_yes_no(cell: str) -> bool:
    value = clean(cell).lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise CellError("write yes or no (是 / 否)")


def parse_list(cell: str, max_length: int = 50) -> list[str]:
    items = sorted({item.strip()[:max_length] for item in LIST_SEPARATORS.split(clean(cell)) if item.strip()})
    return items[:50]


def parse_text(cell: str, max_length: int) -> str:
    value = clean(cell)
    if len(value) > max_length:
        raise CellError("longer than {limit} characters", limit=max_length)
    return value


TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_moment(cell: str) -> tuple[date, tuple[int, int, int]]:
    """A date with an optional time of day (2024/1/5 14:30, 113/01/05, 2024-01-05T09:00:00)."""
    text = clean(cell)
    day = parse_date(text)
    found = TIME.search(text.split(" ", 1)[1] if " " in text else text.split("T", 1)[1] if "T" in text else "")
    if found is None:
        return day, (12, 0, 0)
    hour, minute, second = int(found.group(1)), int(found.group(2)), int(found.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise CellError("not a time of day: {value}", value=found.group(0))
    return day, (hour, minute, second)


ITEM = re.compile(r"^(?P<sku>[^*×@]+?)\s*(?:[*×]\s*(?P<quantity>\d+))?\s*(?:@\s*(?P<price>[\d.,]+))?$")
ITEM_SEPARATORS = re.compile(r"[;；|\n]")


def parse_items(cell: str, valid_sku: Callable[[str], bool]) -> list[dict[str, Any]]:
    """`BK-1001*2@380; BK-1002`: SKU, optional *quantity, optional @unit price; separated by ; or |."""
    items: list[dict[str, Any]] = []
    for part in ITEM_SEPARATORS.split(clean(cell)):
        if not part.strip():
            continue
        match = ITEM.match(part.strip())
        if match is None or not valid_sku(match.group("sku").strip()):
            raise CellError("not an item: write SKU*quantity@price, e.g. BK-1001*2@380; items separated by ;")
        item: dict[str, Any] = {"sku": match.group("sku").strip(), "quantity": int(match.group("quantity") or 1)}
        if item["quantity"] < 1 or item["quantity"] > 100000:
            raise CellError("not an item: write SKU*quantity@price, e.g. BK-1001*2@380; items separated by ;")
        if match.group("price"):
            item["unit_price"] = str(parse_amount(match.group("price")))
        items.append(item)
    if len(items) > 500:
        raise CellError("more than {limit} items", limit=500)
    return items
