"""Writing many imported orders at once, with the meaning of `record_order(quiet=True)` row by row.

Why: row by row, every order costs a dozen statements (a few hundred orders a second), and a
shop's history of a million orders would take an hour. Here the orders, their lines, their points
and their stamps are written in chunks of multi-row inserts (COPY on PostgreSQL, through
`bot.crm.bulk`), and what depends on the whole history (stage, tier, RFM) is recomputed once
afterwards by the nightly recompute's own set-based SQL (`analytics.recompute_scores`).

The rules are not copied: points come from `loyalty.points_for_amount`, order lines from
`products.line_rows`, the stamp card's reward from `coupons.issue_coupon`, the referral key from
the same "referral:{customer}" as `record_order`, so each still lives in one place. Nobody is
messaged (quiet): the tier moves the recompute records for the imported customers are closed as
"none", as `record_order(quiet=True)` closes them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm import loyalty, products
from bot.crm.analytics import recompute_scores
from bot.crm.bulk import insert_rows
from bot.crm.coupons import CouponError, issue_coupon
from models import Customer, Order, OrderLine, PointsEntry, Product, Stamp, TierChange

CHUNK = 5000  # orders per round of inserts: small enough for memory, large enough for COPY
IN_LIST = 1000  # values per IN (...) when reading existing rows


@dataclass(frozen=True)
class NewOrder:
    """One checked row of the file, ready to write."""

    key: str  # the order's idempotency key ("import:" + external id)
    customer_id: int
    placed_at: datetime
    amount: Decimal
    items: list[Any]


def existing_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of `keys` are orders already (an import run twice records nothing new)."""
    found: set[str] = set()
    for start in range(0, len(keys), IN_LIST):
        found |= set(session.scalars(select(Order.idempotency_key).where(Order.idempotency_key.in_(keys[start:start + IN_LIST])))
                     .all()) - {None}  # type: ignore[arg-type]
    return found


def write_orders(session: Session, settings: Settings, orders: Sequence[NewOrder], now: datetime,
                 progress: Callable[[int], None] | None = None) -> list[str]:
    """Write `orders` (none of them recorded yet) and all their effects; returns the SKUs not in
    the catalogue, in the order first seen. `progress` hears how many orders are written so far."""
    customers = sorted({order.customer_id for order in orders})
    bought_before = _with_purchases(session, customers)
    stamps_before = _stamp_counts(session, customers)
    known = _known_skus(session, {str(item["sku"]) for order in orders for item in order.items
                                  if isinstance(item, dict) and item.get("sku")})
    unknown: dict[str, None] = {}
    first_purchase: dict[int, int] = {}  # customer -> the id of their first imported purchase
    new_stamps: dict[int, int] = defaultdict(int)
    for start in range(0, len(orders), CHUNK):
        chunk = orders[start:start + CHUNK]
        ids = insert_rows(session, Order, [
            {"customer_id": o.customer_id, "amount": o.amount, "currency": "TWD", "items": o.items, "placed_at": o.placed_at,
             "source": "import", "idempotency_key": o.key, "created_at": now, "refund_of_id": None} for o in chunk], ids=True)
        lines, points, stamps = [], [], []
        for order_id, order in zip(ids, chunk, strict=True):
            rows, missing = products.line_rows(order.items, known)
            unknown.update(dict.fromkeys(missing))
            lines += [{"order_id": order_id, "customer_id": order.customer_id, "placed_at": order.placed_at, **row} for row in rows]
            points += _earned(settings, order_id, order)
            if order.amount > 0 and order.customer_id not in bought_before:
                first_purchase.setdefault(order.customer_id, order_id)
            if order.amount > 0 and order.amount >= Decimal(str(settings.loyalty.stamp_min_order)):
                stamps.append({"customer_id": order.customer_id, "order_id": order_id, "source": f"order:{order_id}",
                               "created_at": now})
                new_stamps[order.customer_id] += 1
        insert_rows(session, OrderLine, lines)
        insert_rows(session, PointsEntry, points)
        insert_rows(session, Stamp, stamps)
        if progress:
            progress(start + len(chunk))
    _referral_bonuses(session, settings, first_purchase, now)
    _stamp_rewards(session, settings, stamps_before, new_stamps, now)
    recompute_scores(session, settings, now)
    session.execute(update(TierChange).where(TierChange.changed_at == now, TierChange.notified_at.is_(None),
                                             TierChange.customer_id.in_(select(Order.customer_id).where(
                                                 Order.source == "import", Order.created_at == now)))
                    .values(notified_at=now, notice="none"))
    return list(unknown)


def _earned(settings: Settings, order_id: int, order: NewOrder) -> list[dict[str, Any]]:
    """The purchase's earn entry, as `record_order` writes it (dated when the order was placed)."""
    points = loyalty.points_for_amount(order.amount, settings.loyalty.points_per_ntd)
    if points <= 0 or order.amount <= 0:
        return []
    days = settings.loyalty.points_valid_days
    return [{"customer_id": order.customer_id, "kind": "earn", "points": points, "order_id": order_id, "note": "purchase",
             "idempotency_key": f"order:{order_id}", "created_at": order.placed_at,
             "expires_at": order.placed_at + timedelta(days=days) if days else None}]


def _referral_bonuses(session: Session, settings: Settings, first_purchase: dict[int, int], now: datetime) -> None:
    """The referrer's bonus for a referred customer whose first purchase is in the file (once per
    referred customer, by the same key `record_order` uses)."""
    bonus = settings.loyalty.referral_bonus_points
    if not bonus or not first_purchase:
        return
    referrers: dict[int, int | None] = {}
    ids = list(first_purchase)
    for start in range(0, len(ids), IN_LIST):
        referrers.update((cid, referrer) for cid, referrer in session.execute(select(Customer.id, Customer.referred_by_id).where(
            Customer.id.in_(ids[start:start + IN_LIST]), Customer.referred_by_id.is_not(None))))
    for customer_id, referrer_id in referrers.items():
        assert referrer_id is not None  # selected for having one
        loyalty.award(session, referrer_id, bonus, kind="referral", note=f"customer {customer_id} first purchase",
                      order_id=first_purchase[customer_id], idempotency_key=f"referral:{customer_id}", now=now,
                      valid_days=settings.loyalty.points_valid_days)


def _stamp_rewards(session: Session, settings: Settings, before: dict[int, int], added: dict[int, int], now: datetime) -> None:
    """A reward coupon per card the new stamps filled, as `add_stamp` issues one per full card."""
    size, template = settings.loyalty.stamp_card_size, settings.loyalty.stamp_reward_template
    if not template:
        return
    for customer_id, count in added.items():
        old = before.get(customer_id, 0)
        for card in range(old // size + 1, (old + count) // size + 1):
            try:
                issue_coupon(session, customer_id, template, source=f"stamp-card:{card}", now=now)
            except CouponError:  # the template was retired or its limit reached: the stamps still count
                continue


def _with_purchases(session: Session, customers: Sequence[int]) -> set[int]:
    return set(_per_customer(session, customers, select(Order.customer_id).where(Order.amount > 0).distinct(),
                             Order.customer_id))


def _stamp_counts(session: Session, customers: Sequence[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for start in range(0, len(customers), IN_LIST):
        counts.update((cid, n) for cid, n in session.execute(select(Stamp.customer_id, func.count()).where(
            Stamp.customer_id.in_(customers[start:start + IN_LIST])).group_by(Stamp.customer_id)))
    return counts


def _per_customer(session: Session, customers: Sequence[int], query: Any, column: Any) -> Iterable[int]:
    for start in range(0, len(customers), IN_LIST):
        yield from session.scalars(query.where(column.in_(customers[start:start + IN_LIST])))


def _known_skus(session: Session, skus: set[str]) -> set[str]:
    listed = sorted(skus)
    known: set[str] = set()
    for start in range(0, len(listed), IN_LIST):
        known |= set(session.scalars(select(Product.sku).where(Product.sku.in_(listed[start:start + IN_LIST]))))
    return known
