"""A purchase typed into the console: the form's values checked field by field, then recorded
through `bot.crm.orders.record_order`, the one entry point every source of orders goes through.

Why a form layer here: staff type amounts such as "1,250.50" and may double-click; the console
needs each refusal on its field (`PurchaseError`) and a resubmitted form answered with the first
order. What follows a purchase (points, stamps, stage, tier, the hooks such as the survey) is the
domain's and happens in `record_order` alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm.orders import OrderError, record_order
from models import Coupon, Customer, Order, utcnow

MAX_AMOUNT = Decimal("9999999999.99")
MAX_ORDER_ID = 2**31 - 1  # the largest id the orders table can hold on every database


class PurchaseError(ValueError):
    """The purchase cannot be recorded; the message says which field and why. `reason` is the
    code of a refund refusal (`bot.crm.orders.OrderError.reason`, or "refund_needs_order" /
    "refund_of_invalid"), so the console can say it in the staff member's language."""

    def __init__(self, field: str, message: str, reason: str | None = None) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.reason = reason


def parse_amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise PurchaseError("amount", f"{value!r} is not a number") from None
    if not amount.is_finite() or abs(amount) > MAX_AMOUNT:
        raise PurchaseError("amount", "out of range")
    if amount != amount.quantize(Decimal("0.01")):
        raise PurchaseError("amount", "at most two decimal places")
    return amount


def parse_refund_of(value: Any) -> int | None:
    """The id of the purchase a refund takes back, from a form field ("" or None: not a refund)."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) <= MAX_ORDER_ID:
        raise PurchaseError("refund_of", f"{value!r} is not an order id", "refund_of_invalid")
    return int(text)


def record_purchase(session: Session, settings: Settings, customer_id: int, amount: Any, items: Sequence[Any], source: str,
                    idempotency_key: str | None, *, placed_at: datetime | None = None,
                    refund_of: Any = None) -> tuple[Order, bool]:
    """`record_purchase_outcome` without what the order earned: (order, created)."""
    result = record_purchase_outcome(session, settings, customer_id, amount, items, source, idempotency_key,
                                     placed_at=placed_at, refund_of=refund_of)
    return result.order, result.created


@dataclass(frozen=True)
class PurchaseResult:
    order: Order
    created: bool
    tier_coupon: Coupon | None = None  # the gift coupon of a tier this purchase moved the customer up to


def record_purchase_outcome(session: Session, settings: Settings, customer_id: int, amount: Any, items: Sequence[Any],
                            source: str, idempotency_key: str | None, *, placed_at: datetime | None = None,
                            refund_of: Any = None) -> PurchaseResult:
    """Create an order (a negative amount is a refund) through `bot.crm.orders.record_order`, so a
    purchase typed in the console earns points, stamps, stage and survey exactly like one from the
    shop API.

    Returns the order, whether it is new, and the tier gift coupon it issued (so the console can say
    so: the customer was told in the chat, the staff member at the till should know too). The same
    idempotency key again returns the first order unchanged, so a
    double-clicked form or a retried API call records one purchase; a key reused for a different
    customer or amount is refused.

    A refund (a negative amount) must name in `refund_of` the purchase it takes back, as in the
    shop API; `record_order` then checks it with `bot.crm.orders.check_refund` under the customer's
    row lock (one rule for both), and its refusal comes back as a PurchaseError on its field.
    """
    amount = parse_amount(amount)
    if amount == 0:
        raise PurchaseError("amount", "must not be zero")
    refund_of = parse_refund_of(refund_of)
    if amount < 0 and refund_of is None:
        raise PurchaseError("refund_of", "a refund (a negative amount) must name the purchase it refunds", "refund_needs_order")
    if session.get(Customer, customer_id) is None:
        raise PurchaseError("customer", f"no customer {customer_id}")
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()[:100] or None
    existing = _existing(session, idempotency_key, customer_id, amount, refund_of)
    if existing is not None:
        return PurchaseResult(existing, False)
    if placed_at is not None and placed_at.tzinfo is None:
        raise PurchaseError("placed_at", "needs a time zone")
    try:
        with session.begin_nested():
            outcome = record_order(session, settings, customer_id, amount=amount, items=list(items),
                                   placed_at=placed_at or utcnow(), source=source, idempotency_key=idempotency_key,
                                   refund_of=refund_of)
            order = outcome.order
    except (IntegrityError, OrderError) as exc:
        if isinstance(exc, OrderError) and exc.field is not None:  # a refund refused by bot.crm.orders.check_refund
            raise PurchaseError(exc.field, str(exc), exc.reason) from exc
        # otherwise the same key, committed a moment ago by a concurrent request
        existing = _existing(session, idempotency_key, customer_id, amount, refund_of)
        if existing is None:
            raise
        return PurchaseResult(existing, False)
    return PurchaseResult(order, True, outcome.tier_coupon)


def _existing(session: Session, key: str | None, customer_id: int, amount: Decimal, refund_of: int | None) -> Order | None:
    if not key:
        return None
    existing = session.scalar(select(Order).where(Order.idempotency_key == key))
    if existing is not None and (existing.customer_id != customer_id or existing.amount != amount
                                 or existing.refund_of_id != refund_of):
        raise PurchaseError("idempotency_key", "already used for a different purchase")
    return existing
