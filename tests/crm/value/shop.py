"""A small synthetic shop in the test database: customers and their orders, from arrays."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np

from bot.crm.bulk import insert_rows
from models import Customer, Order


def load_orders(runtime, now: datetime, customer_of: np.ndarray, days_ago: np.ndarray, amount: np.ndarray,
                customers: int) -> list[int]:
    """`customers` new customers; order i belongs to customer index customer_of[i]. Returns the ids."""
    with runtime.sessions.begin() as session:
        ids = insert_rows(session, Customer, [{"language": "zh-TW", "stage": "lead"} for _ in range(customers)], ids=True)
        rows = [{"customer_id": ids[int(c)], "amount": Decimal(f"{a:.2f}"), "placed_at": now - timedelta(days=float(d)),
                 "source": "test", "items": []} for c, d, a in zip(customer_of, days_ago, amount, strict=True)]
        insert_rows(session, Order, rows)
    return ids


def bgnbd_shop(runtime, now: datetime, rng: np.random.Generator, customers: int, days: float = 540.0) -> list[int]:
    """Customers who joined over `days` and buy as a BG/NBD process (rates per week as CDNOW's)."""
    rate = rng.gamma(0.8, 1 / 4.0, customers)  # purchases a week while alive
    drop = rng.beta(1.2, 4.0, customers)
    joined = rng.uniform(30, days, customers)  # days ago
    owner, ago = [np.arange(customers)], [joined]
    t = np.zeros(customers)
    alive = np.ones(customers, dtype=bool)
    for _ in range(200):
        t = t + rng.exponential(7.0, customers) / np.maximum(rate, 1e-9)
        buying = alive & (t < joined)
        if not buying.any():
            break
        owner.append(np.flatnonzero(buying))
        ago.append((joined - t)[buying])
        alive = buying & (rng.random(customers) >= drop)
    who = np.concatenate(owner)
    return load_orders(runtime, now, who, np.concatenate(ago), rng.gamma(4.0, 100.0, len(who)) + 50, customers)


def memoryless_shop(runtime, now: datetime, rng: np.random.Generator, customers: int, days: float = 540.0) -> list[int]:
    """No signal: every customer buys at the same steady rate from the start, so nothing in their
    past says anything about their next 90 days."""
    count = rng.poisson(days / 90.0, customers) + 1
    who = np.repeat(np.arange(customers), count)
    return load_orders(runtime, now, who, rng.uniform(0, days, len(who)), rng.gamma(4.0, 100.0, len(who)) + 50, customers)


def with_value(settings, **changes):
    return settings.model_copy(update={"value": dataclasses.replace(settings.value, **changes)})
