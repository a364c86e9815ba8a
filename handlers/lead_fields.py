"""The capture dialogue's fields: how each is asked, read and stored.

Why each parser returns a value or the key of a specific complaint: the customer must hear what
was wrong with *this* answer ("that is not an email address"), and a bad value must never reach
the customer record.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.engine import Context
from bot.events import Button, Outbound
from bot.i18n.texts import LEADS as TEXTS
from handlers.common import say

# Channels that can share the user's own, platform-verified phone number.
CONTACT_SHARE_CHANNELS = frozenset({"telegram"})
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
MONTHS_EN = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
CHINESE_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12}
SPLIT_INTERESTS = re.compile(r"[,，、;；/]+")


@dataclass(frozen=True)
class Invalid:
    key: str


def _has_letter(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def parse_name(raw: str) -> str | Invalid:
    name = " ".join(raw.split())
    if not 1 <= len(name) <= 50 or not _has_letter(name) or "@" in name or "://" in name:
        return Invalid("bad_name")
    return name


def parse_email(raw: str) -> str | Invalid:
    email = unicodedata.normalize("NFKC", raw).strip()
    if len(email) > 254 or not EMAIL.match(email):
        return Invalid("bad_email")
    return email.lower()


def parse_birthday_month(raw: str) -> int | Invalid:
    text = unicodedata.normalize("NFKC", raw).strip().lower().removesuffix("月").removesuffix("份").strip()
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    if text in CHINESE_NUMBERS:
        return CHINESE_NUMBERS[text]
    if len(text) >= 3 and text[:3] in MONTHS_EN and text.isalpha():
        return MONTHS_EN.index(text[:3]) + 1
    return Invalid("bad_birthday_month")


def parse_region(raw: str) -> str | Invalid:
    region = " ".join(raw.split())
    if not 1 <= len(region) <= 30 or not _has_letter(region):
        return Invalid("bad_region")
    return region


def parse_interests(raw: str) -> list[str] | Invalid:
    items = [" ".join(part.split()) for part in SPLIT_INTERESTS.split(raw)]
    items = list(dict.fromkeys(item for item in items if item))
    if not 1 <= len(items) <= 10 or any(len(item) > 30 or not _has_letter(item) for item in items):
        return Invalid("bad_interests")
    return items


PARSERS: dict[str, Callable[[str], Any]] = {
    "name": parse_name, "email": parse_email, "birthday_month": parse_birthday_month,
    "region": parse_region, "interests": parse_interests,
}


def is_known(ctx: Context, field: str) -> bool:
    customer = ctx.customer
    assert customer is not None
    value = {"name": customer.display_name, "email": customer.email, "phone": customer.phone,
             "birthday_month": customer.birthday_month, "region": customer.region,
             "interests": customer.interests}[field]
    return bool(value)


def store(ctx: Context, field: str, value: Any) -> None:
    customer = ctx.customer
    assert customer is not None
    if field == "name":
        customer.display_name = value
    elif field == "email":
        customer.email = value
    elif field == "birthday_month":
        customer.birthday_month = value
    elif field == "region":
        customer.region = value
    elif field == "interests":
        customer.interests = value


CHOICE_FIELDS = ("region", "interests")


def choices(ctx: Context, field: str) -> list[tuple[str, str]]:
    """(stored value, label in the customer's language) of a field's configured choices: the
    values are the shop's words (`[leads] regions`), the labels their translation when config has
    one (`regions_en`, `regions_zh_cn`) of the same length."""
    leads = ctx.settings.leads
    values = leads.regions if field == "region" else leads.interests
    suffix = {"en": "_en", "zh-CN": "_zh_cn"}.get(ctx.language)
    labels = getattr(leads, f"{'regions' if field == 'region' else 'interests'}{suffix}", ()) if suffix else ()
    return list(zip(values, labels if len(labels) == len(values) else values, strict=True))


def choice_label(ctx: Context, field: str, value: str) -> str:
    """A stored choice as the customer reads it (a value not among the choices as it is)."""
    return dict(choices(ctx, field)).get(value, value)


def canonical(ctx: Context, field: str, raw: str) -> str:
    """A typed answer that is a translated choice ("Taipei", in any of the languages) becomes the
    stored value ("台北"); for interests, each comma-separated part. Anything else stays as typed."""
    if field not in CHOICE_FIELDS:
        return raw
    leads, name = ctx.settings.leads, "regions" if field == "region" else "interests"
    values = getattr(leads, name)
    by_label: dict[str, str] = {}
    for suffix in ("_en", "_zh_cn"):
        labels = getattr(leads, f"{name}{suffix}")
        if len(labels) == len(values):
            by_label.update({label.casefold(): value for value, label in zip(values, labels, strict=True)})
    if field == "region":
        return by_label.get(" ".join(raw.split()).casefold(), raw)
    parts = [" ".join(part.split()) for part in SPLIT_INTERESTS.split(raw)]
    if not any(part.casefold() in by_label for part in parts):
        return raw
    return "、".join(by_label.get(part.casefold(), part) for part in parts if part)


def askable(ctx: Context, field: str) -> bool:
    """Phone is asked only where the platform verifies it; everything else everywhere."""
    return field != "phone" or ctx.event.channel in CONTACT_SHARE_CHANNELS


def prompt(ctx: Context, field: str, prefix: str | None = None) -> Outbound:
    """The question for a field, with the choices that help: skip, months, configured options."""
    text = say(ctx, TEXTS, f"ask_{field}")
    text = f"{prefix}\n{text}" if prefix else text
    options: list[Button] = []
    if field == "phone":
        options.append(Button(say(ctx, TEXTS, "share_phone"), "lead:contact", action="contact"))
    elif field == "birthday_month":
        options.extend(Button(str(m), f"lead:value:{m}", str(m)) for m in range(1, 13))
    elif field in CHOICE_FIELDS:
        options.extend(Button(label, f"lead:value:{value}", label) for value, label in choices(ctx, field)[:11])
    if field not in ctx.settings.leads.required:
        options.append(Button(say(ctx, TEXTS, "skip"), "lead:skip"))
    return Outbound(text, quick_replies=tuple(options[:13]))


def consent_prompt(ctx: Context, prefix: str | None = None) -> Outbound:
    text = say(ctx, TEXTS, "ask_consent")
    return Outbound(f"{prefix}\n{text}" if prefix else text, buttons=(
        Button(say(ctx, TEXTS, "consent_yes"), "lead:consent:yes"),
        Button(say(ctx, TEXTS, "consent_no"), "lead:consent:no"),
    ))
