"""Two past broadcasts with control groups, and the purchases they caused: the treated group buys
more often within the results window than the control group, so the lift report shows a measurable
difference (as a real, well-aimed campaign would)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.devtools.demo.catalogue import DemoProduct
from bot.devtools.demo.history import DemoOrder, basket, make_order
from bot.devtools.demo.people import DemoCustomer

WINDOW_DAYS = 7


@dataclass(frozen=True)
class DemoBroadcast:
    name: str
    segment: str
    criteria: dict[str, object]
    text: str
    days_ago: int
    holdout_percent: int
    treated_rate: float  # share of treated recipients who buy within the window
    control_rate: float


BROADCASTS = [
    DemoBroadcast("秋季書展 9 折", "同意行銷的顧客", {"consent": "marketing"},
                  "秋季書展開跑！本週全店書籍 9 折，歡迎來逛。", 150, 20, 0.22, 0.05),
    DemoBroadcast("會員日加碼點數", "同意行銷的顧客", {"consent": "marketing"},
                  "會員日當天消費點數加倍，只有這個週末。", 45, 10, 0.20, 0.05),
]


@dataclass
class Sent:
    plan: DemoBroadcast
    planned_at: datetime
    recipients: list[tuple[DemoCustomer, str]]  # (customer, "treated" | "control")
    id: int = 0


def build(rng: random.Random, people: list[DemoCustomer], products: list[DemoProduct], now: datetime) -> tuple[list[Sent], list[DemoOrder]]:
    """The broadcasts with their groups, and the orders within each window that they explain."""
    by_category: dict[str, list[DemoProduct]] = {}
    for product in products:
        by_category.setdefault(product.category, []).append(product)
    sent, orders = [], []
    for plan in BROADCASTS:
        planned_at = (now - timedelta(days=plan.days_ago)).replace(hour=2, minute=0, second=0, microsecond=0)
        eligible = [p for p in people if p.consent and p.joined < planned_at]
        recipients = [(p, "control" if rng.random() * 100 < plan.holdout_percent else "treated") for p in eligible]
        for person, group in recipients:
            if rng.random() < (plan.treated_rate if group == "treated" else plan.control_rate):
                moment = planned_at + timedelta(hours=rng.uniform(1, 24 * WINDOW_DAYS - 1))
                orders.append(make_order(person, moment, basket(rng, person, products, by_category, rng.randint(1, 3)), "eshop"))
        sent.append(Sent(plan, planned_at, recipients))
    return sent, orders


def segment_rows(now: datetime) -> list[dict[str, object]]:
    names = {b.segment: b.criteria for b in BROADCASTS}
    return [{"segment": name, "name": f"{name}（示範）", "criteria": criteria, "created_at": now, "updated_at": now}
            for name, criteria in names.items()]


def broadcast_rows(sent: list[Sent], segment_ids: dict[str, int]) -> list[dict[str, object]]:
    return [{"name": s.plan.name, "segment_id": segment_ids[s.plan.segment], "criteria": s.plan.criteria, "text": s.plan.text,
             "translations": {}, "channel_policy": "preferred", "status": "done", "send_at": s.planned_at,
             "holdout_percent": s.plan.holdout_percent, "results_window_days": WINDOW_DAYS, "random_seed": 1,
             "created_at": s.planned_at - timedelta(days=2), "planned_at": s.planned_at,
             "finished_at": s.planned_at + timedelta(minutes=40)} for s in sent]


def recipient_rows(sent: list[Sent]) -> list[dict[str, object]]:
    return [{"broadcast_id": s.id, "customer_id": person.id, "group": group, "skip_reason": None,
             "channel": next(iter(person.identities)) if group == "treated" else None,
             "address": person.identities[next(iter(person.identities))] if group == "treated" else None,
             "outbox_id": None, "coupon_id": None, "withheld": None} for s in sent for person, group in s.recipients]
