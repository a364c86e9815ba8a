"""Checking and saving a coupon template edited in the console: what it gives, its names, how long
and how often its coupons may be used.

Why a template saved here stops following config.toml: `bot.crm.coupons.sync_templates` rewrites the
rows config created at every process start, so an admin's edit would silently vanish at the next
restart. Saving (or retiring) a template here marks it `origin = 'console'`: from then on the console
owns it and config.toml's `[[coupon_templates]]` entry with the same code is ignored (with a warning
in the log). Templates are never deleted, because issued coupons point at them; retiring one only
stops new coupons, and coupons already issued keep the kind and value they copied at issue.

The rules are config.toml's (`bot.config.crm.CouponTemplateEntry`), so a template cannot be saved here
that config would refuse to load.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import LANGUAGES
from bot.config.crm import COUPON_KINDS
from bot.forms import FormErrors, int_field
from models import CouponTemplate

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")
NAME_LENGTH, ITEM_LENGTH = 100, 100
MAX_VALIDITY_DAYS, MAX_USES, MAX_PER_CUSTOMER = 3650, 10_000, 10_000
MAX_AMOUNT = Decimal("1000000")


def N_(text: str) -> str:
    """Mark a message for translation without translating it here (gettext's conventional name): the
    page translates it when shown, and tests/console/test_catalog.py finds it by this call."""
    return text


KIND_LABELS = {"percent": N_("Percent off"), "amount": N_("Amount off (NT$)"), "free_item": N_("Free item")}


@dataclass(frozen=True)
class TemplateValues:
    kind: str
    value: Decimal
    name: dict[str, str]
    item: dict[str, str]
    validity_days: int
    max_uses: int
    per_customer_limit: int


def check(form: Mapping[str, Any], default_language: str) -> tuple[TemplateValues | None, FormErrors]:
    """The form's values, or the reason per field (keys are the form's field names)."""
    errors = FormErrors()
    kind = str(form.get("kind", "")).strip()
    if kind not in COUPON_KINDS:
        errors.add("kind", N_("Choose what the coupon gives: a percent off, an amount off or a free item."))
    value = _value(errors, kind, str(form.get("value", "")))
    name = _texts(errors, form, "name", NAME_LENGTH, N_("A name has at most 100 characters."))
    if not name.get(default_language):
        errors.add(f"name_{default_language}", N_("Give the name in the shop's default language."))
    item = _texts(errors, form, "item", ITEM_LENGTH, N_("An item has at most 100 characters.")) if kind == "free_item" else {}
    if kind == "free_item" and not item.get(default_language):
        errors.add(f"item_{default_language}", N_("A free-item coupon must say which item, in the shop's default language."))
    validity = int_field(errors, "validity_days", form.get("validity_days"), low=1, high=MAX_VALIDITY_DAYS, required=True,
                         message=N_("Give how many days a coupon stays valid: a whole number from 1 to 3650."))
    max_uses = int_field(errors, "max_uses", form.get("max_uses"), low=1, high=MAX_USES, required=True,
                         message=N_("Give how many times one coupon can be used: a whole number from 1 (single use) to 10000."))
    per_customer = int_field(errors, "per_customer_limit", form.get("per_customer_limit"), low=0, high=MAX_PER_CUSTOMER, required=True,
                             message=N_("Give how many of these one customer may hold: a whole number from 0 (no limit) to 10000."))
    if errors or value is None or validity is None or max_uses is None or per_customer is None:
        return None, errors
    return TemplateValues(kind, value, name, item, validity, max_uses, per_customer), errors


def check_code(session: Session, text: str, errors: FormErrors) -> str:
    """A new template's code, upper-cased as the shipped codes are (WELCOME10, SORRY15); it never changes later."""
    code = text.strip().upper()
    if not code:
        errors.add("code", N_("Give the template a code, like SORRY20."))
    elif not CODE_PATTERN.match(code):
        errors.add("code", N_("Use at most 40 letters A-Z, digits, - and _, starting with a letter or digit (like SORRY20)."))
    elif session.scalar(select(CouponTemplate.id).where(CouponTemplate.code == code)) is not None:
        errors.add("code", N_("A coupon template with this code exists; codes are never reused."))
    return code


def save(session: Session, template: CouponTemplate | None, code: str, values: TemplateValues) -> CouponTemplate:
    """Create or update the template; either way the console owns it from now on (see the module docstring).
    A new template starts active; an edit keeps the template's active state (retiring is its own action)."""
    if template is None:
        template = CouponTemplate(code=code, active=True)
        session.add(template)
    template.kind, template.value, template.name, template.item = values.kind, values.value, values.name, values.item
    template.validity_days, template.max_uses = values.validity_days, values.max_uses
    template.per_customer_limit, template.origin = values.per_customer_limit, "console"
    session.flush()
    return template


def set_active(template: CouponTemplate, active: bool) -> None:
    """Retire (no new coupons) or reactivate. Owned by the console from now on, or the next start-up
    sync would undo a retirement of a config template."""
    template.active, template.origin = active, "console"


def value_text(value: Decimal | None) -> str:
    """10.00 as "10", 12.50 as "12.5": how an admin would type it."""
    if value is None:
        return ""
    normal = Decimal(value).normalize()
    return f"{normal:f}"


def _value(errors: FormErrors, kind: str, text: str) -> Decimal | None:
    """A free item gives an item, not a number: its value is 0 whatever was typed."""
    if kind == "free_item":
        return Decimal(0)
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        errors.add("value", N_("Give a number, like 10 or 12.5."))
        return None
    if kind == "percent" and not 0 < value < 100:
        errors.add("value", N_("A percent coupon takes the percent off: more than 0 and less than 100 (10 means 10% off)."))
        return None
    if kind == "amount" and not 0 < value <= MAX_AMOUNT:
        errors.add("value", N_("An amount coupon takes the NT$ off: more than 0, at most 1000000."))
        return None
    if kind not in COUPON_KINDS:
        return None  # the kind's own error says what to fix; the range depends on it
    if value != value.quantize(Decimal("0.01")):
        errors.add("value", N_("Use at most two decimal places."))
        return None
    return value.quantize(Decimal("0.01"))


def _texts(errors: FormErrors, form: Mapping[str, Any], prefix: str, limit: int, too_long: str) -> dict[str, str]:
    texts = {lang: str(form.get(f"{prefix}_{lang}", "")).strip() for lang in LANGUAGES}
    for lang, text in texts.items():
        if len(text) > limit:
            errors.add(f"{prefix}_{lang}", too_long)
    return {lang: text for lang, text in texts.items() if text}

