"""Recording a purchase and everything it sets off, in one transaction.

Why one function: the shop API, the console ("record a purchase by hand") and imports must all
have the same effects: points at the configured rate (or taken back for a refund), a stamp, the
referrer's bonus on a referred customer's first purchase, the lifecycle stage, the tier (with the
congratulation on the way up), and the registered hooks (the post-purchase survey). Each effect
is keyed on the order, so nothing is counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm import hooks, loyalty, outreach, products
from bot.crm.analytics import refresh_stage
from bot.crm.tiers import notify_change, refresh_customer_tier
from bot.events import Outbound
from bot.i18n.commerce import gives, local_date, say
from models import Coupon, Customer, Order, utcnow


class OrderError(Exception):
    """Why an order cannot be recorded: `reason` is a code ("unknown_customer", "duplicate",
    "refund_order_not_found", "refund_wrong_customer", "refund_of_refund", "refund_exceeds_paid",
    "refund_of_purchase"), `field` the input it is about."""

    def __init__(self, reason: str, message: str, order: Order | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.order = order
        self.field = field


@dataclass(frozen=True)
class OrderOutcome:
    order: Order
    first_purchase: bool
    points: int
    balance: int
    stamps: int
    stamp_reward: Coupon | None
    referral_bonus: int
    stage: str
    tier: int
    tier_coupon: Coupon | None = None  # the gift of a tier the customer has just moved up to
    # SKUs of the order's items that the product catalogue does not know: kept, and reported back.
    unknown_skus: tuple[str, ...] = ()


def record_order(session: Session, settings: Settings, customer_id: int, *, amount: Decimal, items: list[Any],
                 placed_at: datetime, source: str, idempotency_key: str | None = None, currency: str = "TWD",
                 now: datetime | None = None, refund_of: int | None = None, quiet: bool = False) -> OrderOutcome:
    """Record one order (a negative amount is a refund; `refund_of` names the purchase it takes
    back, and then it may not exceed what is left of that purchase). Raises OrderError.

    `quiet` is for orders from the past (an import of the shop's history): points, stamps, stage
    and tier are recorded as for any order, but nobody is messaged (no stamp reward notice, no tier
    congratulation, now or later) and the order hooks (the post-purchase survey) do not fire."""
    now = now or utcnow()
    customer = session.scalar(select(Customer).where(Customer.id == customer_id).with_for_update())
    if customer is None:
        raise OrderError("unknown_customer", f"no customer {customer_id}")
    if idempotency_key:
        existing = session.scalar(select(Order).where(Order.idempotency_key == idempotency_key))
        if existing is not None:
            raise OrderError("duplicate", "an order with this idempotency key exists", existing)
    if refund_of is not None:
        check_refund(session, customer_id, amount, refund_of)
    bought_before = session.scalar(select(func.count()).select_from(Order).where(
        Order.customer_id == customer_id, Order.amount > 0)) or 0
    first_purchase = amount > 0 and bought_before == 0
    order = Order(customer_id=customer_id, amount=amount, currency=currency, items=items, placed_at=placed_at,
                  source=source[:50], idempotency_key=idempotency_key, created_at=now, refund_of_id=refund_of)
    session.add(order)
    session.flush()
    unknown_skus = tuple(products.record_lines(session, order))

    points = _points(session, settings, order)
    stamps = loyalty.stamp_count(session, customer_id)
    reward = None
    if amount > 0 and amount >= Decimal(str(settings.loyalty.stamp_min_order)):
        result = loyalty.add_stamp(session, settings, customer_id, order_id=order.id, source=f"order:{order.id}", now=now)
        stamps, reward = result.stamps, result.reward
    referral_bonus = 0
    referrer_id = customer.referred_by_id
    if first_purchase and referrer_id and settings.loyalty.referral_bonus_points:
        referral_bonus = settings.loyalty.referral_bonus_points
        loyalty.award(session, referrer_id, referral_bonus, kind="referral", note=f"customer {customer_id} first purchase",
                      order_id=order.id, idempotency_key=f"referral:{customer_id}", now=now,
                      valid_days=settings.loyalty.points_valid_days)

    stage = refresh_stage(session, customer_id) or customer.stage
    tier_coupon: Coupon | None = None
    for someone in filter(None, (customer_id, referrer_id if first_purchase else None)):
        if someone != customer_id:
            refresh_stage(session, someone)
        change = refresh_customer_tier(session, settings, someone, now)
        if change is not None and quiet:
            change.notified_at, change.notice = now, "none"
        elif change is not None:
            gift = notify_change(session, settings, change, now)
            tier_coupon = gift if someone == customer_id else tier_coupon
    if reward is not None and not quiet:
        _announce_reward(session, settings, customer, reward)
    if not quiet:
        hooks.fire_order(hooks.OrderPlaced(session, settings, order, customer, first_purchase, now))
    return OrderOutcome(order, first_purchase, points, loyalty.balance(session, customer_id), stamps, reward,
                        referral_bonus, stage, customer.tier, tier_coupon, unknown_skus)


def refundable(session: Session, purchase: Order) -> Decimal:
    """What is left to refund of `purchase`: its amount less the refunds already recorded for it."""
    refunded = session.scalar(select(func.sum(Order.amount)).where(Order.refund_of_id == purchase.id)) or Decimal(0)
    return Decimal(purchase.amount) + Decimal(refunded)


def check_refund(session: Session, customer_id: int, amount: Decimal, refund_of: int) -> None:
    """A refund must name a purchase of the same customer and not take back more than is left of it.

    Why here and under the customer's row lock (taken by `record_order`): two refunds of the same
    purchase sent at once are checked one after the other, so together they cannot exceed it.
    """
    if amount >= 0:
        raise OrderError("refund_of_purchase", "only a refund (a negative amount) refers to an earlier order", field="amount")
    purchase = session.get(Order, refund_of)
    if purchase is None:
        raise OrderError("refund_order_not_found", f"no order {refund_of}", field="refund_of")
    if purchase.customer_id != customer_id:
        raise OrderError("refund_wrong_customer", f"order {refund_of} belongs to another customer", field="refund_of")
    if purchase.amount <= 0:
        raise OrderError("refund_of_refund", f"order {refund_of} is itself a refund", field="refund_of")
    left = refundable(session, purchase)
    if -amount > left:
        raise OrderError("refund_exceeds_paid", f"the refund of {-amount:.2f} is more than the {left:.2f} left to refund of "
                         f"order {refund_of} (paid {purchase.amount:.2f})", field="amount")


def _points(session: Session, settings: Settings, order: Order) -> int:
    points = loyalty.points_for_amount(order.amount, settings.loyalty.points_per_ntd)
    if points <= 0:
        return 0
    key = f"order:{order.id}"
    if order.amount > 0:
        loyalty.award(session, order.customer_id, points, kind="earn", order_id=order.id, idempotency_key=key,
                      note="purchase", now=order.placed_at, valid_days=settings.loyalty.points_valid_days)
        return points
    entry = loyalty.deduct(session, order.customer_id, points, kind="refund", order_id=order.id, idempotency_key=key,
                           note="refund", allow_partial=True)
    return entry.points if entry is not None else 0


def _announce_reward(session: Session, settings: Settings, customer: Customer, reward: Coupon) -> None:
    language, default = customer.language, settings.app.default_language
    line = say("stamp_reward_issued", language, code=reward.code, expiry=local_date(reward.expires_at, settings.app.timezone),
               gives=gives(reward.kind, reward.value, reward.template.item, language, default))
    outreach.send_to_customer(session, customer.id, [Outbound(line)], purpose="transactional", marketing=False)
