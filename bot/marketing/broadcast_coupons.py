"""A coupon for every treated recipient of a broadcast, issued in bulk while it is planned.

Why in bulk and at planning: a broadcast reaches up to 100,000 customers, and `bot.crm.coupons.issue_coupon`
(one customer lock and three queries each) would take minutes; the coupons are written with the
recipients and outbox rows in the planning transaction, so a crash leaves all of them or none.
Each coupon's idempotency key names the broadcast and the customer, so a customer can never hold
two coupons from one broadcast. Only the treated group gets one: the control group is sent nothing.

A coupon whose message is never sent (the broadcast was cancelled, or consent was withdrawn before
the customer's turn) is voided: a code the customer never learned of must not count as theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.crm.coupons import new_codes
from bot.marketing.bulk import bulk_insert
from models import BroadcastRecipient, Coupon, CouponTemplate, Customer, OutboxMessage

CODE_TRIES = 3


@dataclass(frozen=True)
class IssuedCoupon:
    id: int
    code: str
    expires_at: datetime


def source_of(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"


def customers_at_limit(session: Session, template: CouponTemplate, member_ids: Any) -> set[int]:
    """Members who already hold as many coupons of the template as it allows each customer.
    They are left out of the broadcast (skip reason `coupon_limit`) before the control group is
    drawn, so treated and control stay comparable.

    On PostgreSQL the members' rows are first locked FOR KEY SHARE, in id order, until planning
    commits: `bot.crm.coupons.issue_coupon` takes FOR UPDATE on the customer before it counts, so a
    coupon issued elsewhere at the same moment is either committed before this count or counts
    this broadcast's coupon; the limit holds. KEY SHARE does not block ordinary updates of those
    customers (the dialogue worker's), only FOR UPDATE. SQLite writers are serialised anyway."""
    if not template.per_customer_limit:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Customer.id).where(Customer.id.in_(member_ids)).order_by(Customer.id)
                        .with_for_update(key_share=True)).all()
    return set(session.scalars(
        select(Coupon.customer_id).where(Coupon.template_id == template.id, Coupon.customer_id.in_(member_ids))
        .group_by(Coupon.customer_id).having(func.count() >= template.per_customer_limit)))


def issue_in_bulk(session: Session, broadcast_id: int, template: CouponTemplate, customer_ids: Iterable[int],
                  now: datetime) -> dict[int, IssuedCoupon]:
    """One coupon of `template` per customer; returns customer id -> the coupon."""
    ids = list(customer_ids)
    if not ids:
        return {}
    source = source_of(broadcast_id)
    expires_at = now + timedelta(days=template.validity_days)
    for attempt in range(CODE_TRIES):
        codes = _fresh_codes(len(ids))
        rows = [{"code": code, "template_id": template.id, "customer_id": customer_id, "kind": template.kind,
                 "value": template.value, "source": source, "idempotency_key": f"{source}:{customer_id}", "issued_at": now,
                 "expires_at": expires_at, "max_uses": template.max_uses, "uses": 0, "voided_at": None, "reminder_sent_at": None}
                for customer_id, code in zip(ids, codes, strict=True)]
        try:
            with session.begin_nested():  # a code that collides with an older coupon's: draw all again
                bulk_insert(session, Coupon, rows)
            break
        except IntegrityError:
            if attempt == CODE_TRIES - 1:
                raise
    stored = session.execute(select(Coupon.customer_id, Coupon.id, Coupon.code).where(Coupon.source == source))
    return {customer_id: IssuedCoupon(coupon_id, code, expires_at) for customer_id, coupon_id, code in stored}


def _fresh_codes(count: int) -> list[str]:
    codes = dict.fromkeys(new_codes(count))
    while len(codes) < count:  # two alike in one draw: astronomically rare, but cheap to rule out
        codes.update(dict.fromkeys(new_codes(count - len(codes))))
    return list(codes)


def void_unsent(session: Session, broadcast_id: int, now: datetime) -> int:
    """Void the unused coupons of recipients whose message will not go out (row cancelled or withheld)."""
    unsent = (select(BroadcastRecipient.coupon_id)
              .outerjoin(OutboxMessage, OutboxMessage.id == BroadcastRecipient.outbox_id)
              .where(BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.coupon_id.is_not(None),
                     (OutboxMessage.status == "cancelled") | BroadcastRecipient.withheld.is_not(None)))
    return void_unused(session, unsent, now)


def void_unused(session: Session, coupon_ids: Any, now: datetime) -> int:
    """Void those of `coupon_ids` (a SELECT of ids) not used and not void yet."""
    return cast("CursorResult[Any]", session.execute(update(Coupon).where(Coupon.id.in_(coupon_ids), Coupon.uses == 0, Coupon.voided_at.is_(None))
                                                     .values(voided_at=now))).rowcount or 0
