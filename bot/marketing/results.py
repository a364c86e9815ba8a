"""A broadcast's progress and results: delivery counts, and the purchase rate of the treated group
against the control group with a 95 % interval (Newcombe's hybrid score interval, which holds for
small groups: see `bot.crm.value.intervals`), "too small to conclude" when the groups are tiny, and
the minimum detectable effect for the group sizes.

Why intention to treat: the treated group is everyone drawn to receive the message, including the
few whose delivery failed. Leaving those out would compare a filtered group with an unfiltered one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from bot.crm.value.intervals import minimum_detectable_effect, newcombe, too_small
from models import Broadcast, BroadcastRecipient, Coupon, CouponRedemption, Order, OutboxMessage, utcnow

Z95 = 1.959964
FINISHED = ("sent", "failed", "cancelled", "withheld")


@dataclass
class Progress:
    # treated recipients by their message's status: pending, sent, failed, paused, cancelled, or
    # withheld (consent withdrawn between planning and their turn)
    statuses: dict[str, int]
    control: int
    skipped: dict[str, int]  # by reason

    @property
    def treated(self) -> int:
        return sum(self.statuses.values())

    @property
    def finished(self) -> int:
        return sum(n for status, n in self.statuses.items() if status in FINISHED)

    def shown_status(self, stored: str) -> str:
        """`done` as soon as every message is out, before the job records it."""
        return "done" if stored == "sending" and self.finished == self.treated else stored

    @property
    def percent(self) -> float:
        return 100.0 * self.finished / self.treated if self.treated else 100.0


def progress(session: Session, broadcast_id: int) -> Progress:
    status = recipient_status()
    statuses: dict[str, int] = dict(session.execute(
        select(status, func.count(BroadcastRecipient.id))
        .join(OutboxMessage, OutboxMessage.id == BroadcastRecipient.outbox_id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.group == "treated")
        .group_by(status)).all())
    groups = session.execute(select(BroadcastRecipient.group, BroadcastRecipient.skip_reason, func.count())
                             .where(BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.group != "treated")
                             .group_by(BroadcastRecipient.group, BroadcastRecipient.skip_reason)).all()
    control = sum(n for group, _, n in groups if group == "control")
    skipped = {reason or "other": n for group, reason, n in groups if group == "skipped"}
    return Progress(statuses, control, skipped)


def recipient_status() -> Any:
    """A treated recipient's status: withheld if they were left out at send time, else their message's."""
    return case((BroadcastRecipient.withheld.is_not(None), "withheld"), else_=OutboxMessage.status)


@dataclass
class Lift:
    treated_n: int
    treated_buyers: int
    control_n: int
    control_buyers: int
    start: datetime
    end: datetime

    @property
    def treated_rate(self) -> float:
        return self.treated_buyers / self.treated_n if self.treated_n else 0.0

    @property
    def control_rate(self) -> float:
        return self.control_buyers / self.control_n if self.control_n else 0.0

    @property
    def difference(self) -> float:
        return self.treated_rate - self.control_rate

    @property
    def interval(self) -> tuple[float, float] | None:
        """95 % interval of the difference (Newcombe's hybrid score); None without both groups."""
        if not self.treated_n or not self.control_n:
            return None
        return newcombe(self.treated_buyers, self.treated_n, self.control_buyers, self.control_n)

    @property
    def mde(self) -> float | None:
        """Smallest difference these group sizes could detect (5 %, 80 % power) at the control's rate."""
        baseline = self.control_rate if self.control_buyers else self.treated_rate
        return minimum_detectable_effect(self.treated_n, self.control_n, baseline)

    @property
    def verdict(self) -> str:
        """raised | lowered | unclear | too_small | no_control"""
        interval = self.interval
        if interval is None:
            return "no_control"
        if too_small(self.treated_buyers, self.treated_n, self.control_buyers, self.control_n):
            return "too_small"
        if interval[0] > 0:
            return "raised"
        if interval[1] < 0:
            return "lowered"
        return "unclear"


def purchase_lift(session: Session, broadcast: Broadcast, window_days: int) -> Lift | None:
    """Share of each group with a purchase within `window_days` after the broadcast was planned."""
    if broadcast.planned_at is None:
        return None
    start = broadcast.planned_at
    end = start + timedelta(days=window_days)
    sizes = dict(session.execute(select(BroadcastRecipient.group, func.count()).where(
        BroadcastRecipient.broadcast_id == broadcast.id, BroadcastRecipient.group.in_(("treated", "control")))
        .group_by(BroadcastRecipient.group)).all())
    buyers = dict(session.execute(
        select(BroadcastRecipient.group, func.count(distinct(Order.customer_id)))
        .join(Order, Order.customer_id == BroadcastRecipient.customer_id)
        .where(BroadcastRecipient.broadcast_id == broadcast.id, BroadcastRecipient.group.in_(("treated", "control")),
               Order.placed_at >= start, Order.placed_at < end, Order.amount > 0)
        .group_by(BroadcastRecipient.group)).all())
    return Lift(sizes.get("treated", 0), buyers.get("treated", 0), sizes.get("control", 0), buyers.get("control", 0), start, end)


def coupon_lift(session: Session, broadcast: Broadcast, window_days: int) -> Lift | None:
    """The same comparison for coupon redemptions (any coupon redeemed in the window); None before planning."""
    if broadcast.planned_at is None:
        return None
    start, end = broadcast.planned_at, broadcast.planned_at + timedelta(days=window_days)
    groups = dict(session.execute(select(BroadcastRecipient.customer_id, BroadcastRecipient.group).where(
        BroadcastRecipient.broadcast_id == broadcast.id, BroadcastRecipient.group.in_(("treated", "control")))).all())
    redeemed = coupon_redemptions(session, list(groups), start, end)
    if redeemed is None:
        return None
    counts = {g: sum(1 for v in groups.values() if v == g) for g in ("treated", "control")}
    hits = {g: sum(1 for c in redeemed if groups.get(c) == g) for g in ("treated", "control")}
    return Lift(counts["treated"], hits["treated"], counts["control"], hits["control"], start, end)


def window_open(lift: Lift, now: datetime | None = None) -> bool:
    return (now or utcnow()) < lift.end


def coupon_redemptions(session: Session, customer_ids: Sequence[int], start: datetime, end: datetime) -> set[int]:
    """Which of these customers redeemed any coupon in [start, end), for broadcast results (treated against control)."""
    if not customer_ids:
        return set()
    return set(session.scalars(
        select(Coupon.customer_id).join(CouponRedemption, CouponRedemption.coupon_id == Coupon.id)
        .where(Coupon.customer_id.in_(list(customer_ids)), CouponRedemption.redeemed_at >= start, CouponRedemption.redeemed_at < end)
        .distinct()))
