"""The admin's reward form: what one reward costs and gives, checked before anything is saved.

A reward saved here is the console's from then on (`origin` "console"): `bot.crm.rewards.
sync_rewards` leaves it alone at the next start, as with coupon templates. Stock left is edited
here directly (a delivery of new items); redemptions count it down with a conditional UPDATE.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import LANGUAGES
from bot.console.coupon_template_form import N_
from bot.forms import FormErrors, int_field
from models import CouponTemplate, Reward

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")
MAX_POINTS, MAX_STOCK, MAX_PER_CUSTOMER = 10_000_000, 1_000_000, 10_000


@dataclass(frozen=True)
class RewardValues:
    name: dict[str, str]
    points: int
    coupon_template: str
    per_customer_limit: int
    stock: int | None
    active: bool


def check(session: Session, form: Mapping[str, Any], default_language: str) -> tuple[RewardValues | None, FormErrors]:
    errors = FormErrors()
    name = {lang: str(form.get(f"name_{lang}", "")).strip()[:100] for lang in LANGUAGES}
    name = {lang: text for lang, text in name.items() if text}
    if default_language not in name:
        errors.add(f"name_{default_language}", N_("Name the reward in the shop's language."))
    points = int_field(errors, "points", form.get("points"), low=1, high=MAX_POINTS, required=True,
                       message=N_("Points: a whole number from 1 up."))
    limit = int_field(errors, "per_customer_limit", form.get("per_customer_limit") or "0", low=0, high=MAX_PER_CUSTOMER,
                      message=N_("Per customer: 0 (no limit) or a whole number."))
    stock_text = str(form.get("stock", "")).strip()
    stock = None if stock_text == "" else int_field(errors, "stock", stock_text, low=0, high=MAX_STOCK,
                                                    message=N_("Stock: empty (unlimited) or a whole number."))
    template = str(form.get("coupon_template", "")).strip()
    if session.scalar(select(CouponTemplate.id).where(CouponTemplate.code == template, CouponTemplate.active)) is None:
        errors.add("coupon_template", N_("Choose an active coupon template."))
    if errors or points is None or limit is None:
        return None, errors
    return RewardValues(name, points, template, limit, stock, form.get("active", "on") == "on"), errors


def check_code(session: Session, text: str, errors: FormErrors) -> str:
    code = text.strip().upper()
    if not CODE_PATTERN.match(code):
        errors.add("code", N_("Use at most 20 letters A-Z, digits, - and _ (like COFFEE)."))
    elif session.scalar(select(Reward.id).where(Reward.code == code)) is not None:
        errors.add("code", N_("A reward with this code exists."))
    return code


def save(session: Session, reward: Reward | None, code: str, values: RewardValues) -> Reward:
    if reward is None:
        reward = Reward(code=code)
        session.add(reward)
    reward.name, reward.points, reward.coupon_template = values.name, values.points, values.coupon_template
    reward.per_customer_limit, reward.stock, reward.active = values.per_customer_limit, values.stock, values.active
    reward.origin = "console"
    session.flush()
    return reward
