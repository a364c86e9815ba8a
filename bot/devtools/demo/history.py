"""The demo shop's orders: real buying patterns, as seed 001's pyramid and seed 003's 80/20 say.

Each buyer gets a habit: a few loyal customers buy often and big baskets (they bring most of the
revenue), most buy once or twice, and about a quarter lapse (stop buying some months before today).
Orders pick products by popularity and, more often than not, from the customer's own interests;
items carry SKU, quantity and unit price so later analysis can count them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from bot.devtools.demo.catalogue import EVENT_CATEGORY, DemoProduct
from bot.devtools.demo.people import DemoCustomer

# habit: (share of customers, orders over the history (low, high), items per order (low, high))
HABITS = {
    "loyal": (0.05, (16, 30), (2, 4)),
    "regular": (0.15, (6, 14), (1, 3)),
    "occasional": (0.30, (3, 5), (1, 2)),
    "once": (0.40, (1, 2), (1, 2)),
    "never": (0.10, (0, 0), (1, 1)),
}
LAPSED_SHARE = 0.25
SOURCES = ["pos", "eshop", "eshop", "pos", "console"]


@dataclass
class DemoOrder:
    customer: DemoCustomer
    placed_at: datetime
    items: list[dict[str, object]]
    source: str
    amount: Decimal = Decimal(0)
    id: int = 0
    lines: list[tuple[DemoProduct, int]] = field(default_factory=list)


def habit_of(rng: random.Random) -> str:
    names = list(HABITS)
    return rng.choices(names, weights=[HABITS[n][0] for n in names])[0]


def basket(rng: random.Random, customer: DemoCustomer, products: list[DemoProduct], by_category: dict[str, list[DemoProduct]],
           size: int) -> list[tuple[DemoProduct, int]]:
    chosen: dict[str, tuple[DemoProduct, int]] = {}
    weights = [p.popularity for p in products]
    for _ in range(size):
        if customer.interests and rng.random() < 0.65:
            pool = by_category[rng.choice(customer.interests)]
            product = rng.choices(pool, weights=[p.popularity for p in pool])[0]
        else:
            product = rng.choices(products, weights=weights)[0]
        quantity = 1 if product.category == EVENT_CATEGORY or rng.random() < 0.85 else 2
        chosen.setdefault(product.sku, (product, quantity))
    return list(chosen.values())


def make_order(customer: DemoCustomer, placed_at: datetime, lines: list[tuple[DemoProduct, int]], source: str) -> DemoOrder:
    items: list[dict[str, object]] = [{"sku": p.sku, "name": p.name["zh-TW"], "quantity": q, "unit_price": str(p.price)}
                                      for p, q in lines]
    amount = sum((p.price * q for p, q in lines), Decimal(0))
    return DemoOrder(customer, placed_at, items, source, amount, lines=lines)


def build(rng: random.Random, people: list[DemoCustomer], products: list[DemoProduct], now: datetime) -> list[DemoOrder]:
    by_category: dict[str, list[DemoProduct]] = {}
    for product in products:
        by_category.setdefault(product.category, []).append(product)
    orders: list[DemoOrder] = []
    for customer in people:
        share, (low, high), (items_low, items_high) = HABITS[habit_of(rng)]
        count = rng.randint(low, high)
        if not count:
            continue
        end = now - timedelta(days=rng.randint(120, 300)) if rng.random() < LAPSED_SHARE else now
        first = customer.joined + timedelta(days=rng.uniform(0, 20))
        if first >= end:
            first, end = customer.joined, max(customer.joined + timedelta(days=1), end)
        span = (end - first).total_seconds()
        moments = sorted(first + timedelta(seconds=span * rng.random()) for _ in range(count - 1))
        for moment in [first, *moments]:
            if moment > now:
                continue
            lines = basket(rng, customer, products, by_category, rng.randint(items_low, items_high))
            orders.append(make_order(customer, moment, lines, rng.choice(SOURCES)))
    return orders


def order_rows(orders: list[DemoOrder]) -> list[dict[str, object]]:
    return [{"customer_id": o.customer.id, "amount": o.amount, "currency": "TWD", "items": o.items, "placed_at": o.placed_at,
             "source": f"demo:{o.source}", "idempotency_key": None, "refund_of_id": None, "created_at": o.placed_at}
            for o in orders]


def line_rows(orders: list[DemoOrder]) -> list[dict[str, object]]:
    return [{"order_id": o.id, "customer_id": o.customer.id, "sku": p.sku, "name": p.name["zh-TW"], "quantity": q,
             "unit_price": p.price, "known": True, "placed_at": o.placed_at} for o in orders for p, q in o.lines]
