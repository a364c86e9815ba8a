"""Points, stamps and coupons that follow from the demo orders, as `record_order` would have
given them: points at the configured rate, one stamp per order over the minimum, welcome coupons
for leads (some redeemed on a later order), and a few apology coupons."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from bot.config import Settings
from bot.crm.loyalty import points_for_amount
from bot.devtools.demo.history import DemoOrder
from bot.devtools.demo.people import DemoCustomer
from models import CouponTemplate


def points_rows(settings: Settings, orders: list[DemoOrder]) -> list[dict[str, object]]:
    rows = []
    valid = settings.loyalty.points_valid_days
    for order in orders:
        points = points_for_amount(order.amount, settings.loyalty.points_per_ntd)
        if points > 0:
            rows.append({"customer_id": order.customer.id, "kind": "earn", "points": points, "order_id": order.id,
                         "note": "purchase", "idempotency_key": f"order:{order.id}", "created_at": order.placed_at,
                         "expires_at": order.placed_at + timedelta(days=valid) if valid else None})
    return rows


def stamp_rows(settings: Settings, orders: list[DemoOrder]) -> list[dict[str, object]]:
    minimum = Decimal(str(settings.loyalty.stamp_min_order))
    return [{"customer_id": o.customer.id, "order_id": o.id, "source": f"order:{o.id}", "created_at": o.placed_at}
            for o in orders if o.amount >= minimum]


def coupon_rows(rng: random.Random, template: CouponTemplate, people: list[DemoCustomer], orders: list[DemoOrder],
                seed: int, now: datetime, *, share: float, source: str) -> tuple[list[dict[str, object]], list[DemoOrder | None]]:
    """Coupons of `template` for a share of `people`, and for each the order it was redeemed on (or None)."""
    first_after: dict[int, list[DemoOrder]] = {}
    for order in orders:
        first_after.setdefault(order.customer.id, []).append(order)
    rows, redeemed_on = [], []
    for person in people:
        if rng.random() >= share:
            continue
        issued = person.joined
        expires = issued + timedelta(days=template.validity_days)
        used = next((o for o in sorted(first_after.get(person.id, []), key=lambda o: o.placed_at)
                     if issued <= o.placed_at < expires), None)
        used = used if used is not None and rng.random() < 0.7 else None
        rows.append({"code": f"DEMO{seed:02d}-{source[:3].upper()}{person.index + 1:05d}", "template_id": template.id,
                     "customer_id": person.id, "kind": template.kind, "value": template.value, "source": f"demo:{source}",
                     "idempotency_key": f"demo:{seed}:{source}:{person.index}", "issued_at": issued, "expires_at": expires,
                     "max_uses": 1, "uses": 1 if used else 0, "voided_at": None, "reminder_sent_at": None})
        redeemed_on.append(used)
    return rows, redeemed_on


def redemption_rows(coupon_ids: list[int], redeemed_on: list[DemoOrder | None]) -> list[dict[str, object]]:
    return [{"coupon_id": cid, "request_key": f"demo-order-{order.id}", "order_ref": str(order.id),
             "redeemed_by": f"demo:{order.source}", "redeemed_at": order.placed_at}
            for cid, order in zip(coupon_ids, redeemed_on, strict=True) if order is not None]
