"""The five value tiers of crm-domain section 3: the rule, one customer's progress, and the
congratulation on the way up.

The rule, in words (config.toml says the same): a customer is in the best tier whose
min_purchases, min_spend and min_average_order are all met within the rolling window, or whose
min_referrals is met (referred customers who bought in the window) once they have bought at
least once themselves. Tier 5 is "no purchase in the window yet".

Why the rule exists twice, as Python and as SQL: one customer's tier is recomputed right after
their purchase (a few indexed reads), all customers' tiers nightly in one set-based statement.
A test checks that both agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Row, case, distinct, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from bot.config import Settings
from bot.config.crm import TierEntry
from bot.crm import hooks, outreach, rich_menus
from bot.crm.coupons import CouponError, issue_coupon
from bot.events import Button, Outbound
from bot.i18n import pick
from bot.i18n.commerce import gives, local_date, say
from models import Coupon, Customer, Order, TierChange, utcnow


@dataclass(frozen=True)
class WindowStats:
    purchases: int
    spend: Decimal
    referrals: int


@dataclass(frozen=True)
class Progress:
    """What the customer still needs for the next tier up (None: nothing more on that count)."""

    tier: TierEntry
    purchases: int
    spend: Decimal
    average: Decimal | None
    referrals: int | None


def window_start(settings: Settings, now: datetime) -> datetime:
    return now - timedelta(days=settings.loyalty.tier_window_days)


def window_stats(session: Session, customer_id: int, since: datetime) -> WindowStats:
    purchases, spend = cast("Row[int, Any]", session.execute(
        select(func.coalesce(func.sum(case((Order.amount > 0, 1), else_=0)), 0), func.coalesce(func.sum(Order.amount), 0))
        .where(Order.customer_id == customer_id, Order.placed_at >= since)).one())
    referred = aliased(Customer)
    bought = exists(select(Order.id).where(Order.customer_id == referred.id, Order.amount > 0, Order.placed_at >= since))
    referrals = session.scalar(select(func.count(distinct(referred.id))).where(referred.referred_by_id == customer_id, bought))
    return WindowStats(int(purchases), Decimal(str(spend)), int(referrals or 0))


def qualifies(tier: TierEntry, stats: WindowStats) -> bool:
    if tier.level == 5:
        return True
    if stats.purchases < 1:
        return False
    by_purchases = (stats.purchases >= tier.min_purchases and stats.spend >= Decimal(str(tier.min_spend))
                    and stats.spend >= Decimal(str(tier.min_average_order)) * stats.purchases)
    by_referrals = tier.min_referrals > 0 and stats.referrals >= tier.min_referrals
    return by_purchases or by_referrals


def tier_for(stats: WindowStats, tiers: Sequence[TierEntry]) -> int:
    return next(t.level for t in tiers if qualifies(t, stats))


def tier_case_sql(tiers: Sequence[TierEntry], purchases: str, spend: str, referrals: str) -> str:
    """The same rule as `qualifies`, as a SQL CASE over three column expressions. The thresholds
    are typed numbers from config, so writing them into the SQL is safe."""
    whens = []
    for tier in tiers[:4]:
        rule = (f"({purchases} >= {int(tier.min_purchases)} AND {spend} >= {float(tier.min_spend):.2f}"
                f" AND {spend} >= {float(tier.min_average_order):.2f} * {purchases})")
        if tier.min_referrals > 0:
            rule = f"({rule} OR {referrals} >= {int(tier.min_referrals)})"
        whens.append(f"WHEN {purchases} >= 1 AND {rule} THEN {tier.level}")
    return "CASE " + " ".join(whens) + " ELSE 5 END"


def progress(stats: WindowStats, level: int, tiers: Sequence[TierEntry]) -> Progress | None:
    if level <= 1:
        return None
    target = tiers[level - 2]
    average = Decimal(str(target.min_average_order))
    needed_purchases = max(target.min_purchases - stats.purchases, 0)
    return Progress(
        tier=target,
        purchases=needed_purchases,
        spend=max(Decimal(str(target.min_spend)) - stats.spend, Decimal(0)),
        average=average if average > 0 and stats.spend < average * max(stats.purchases, 1) else None,
        referrals=max(target.min_referrals - stats.referrals, 0) if target.min_referrals > 0 else None,
    )


@dataclass(frozen=True)
class ExpectedDrop:
    """A customer whose tier would fall within the coming days if they bought nothing more."""

    customer_id: int
    tier: int
    expected_tier: int
    last_order_at: datetime  # the purchases the forecast stands on: a new one makes a new forecast


def expected_drops(session: Session, settings: Settings, now: datetime, days: int) -> list[ExpectedDrop]:
    """The tier rule evaluated as of `now + days` over the purchases made so far (no new ones): who
    would land lower than their tier now. Only customers with a purchase that leaves the rolling
    window in those days can fall, so they are found first in SQL; the rule itself is `tier_for`
    over `window_stats`, the same code that sets the tier after a purchase."""
    later = now + timedelta(days=days)
    leaving = select(Order.customer_id).where(Order.amount > 0, Order.placed_at >= window_start(settings, now),
                                              Order.placed_at < window_start(settings, later))
    rows = session.execute(select(Customer.id, Customer.tier, func.max(Order.placed_at))
                           .join(Order, Order.customer_id == Customer.id)
                           .where(Customer.tier < 5, Customer.id.in_(leaving), Order.amount > 0)
                           .group_by(Customer.id, Customer.tier).order_by(Customer.id)).all()
    drops = []
    for customer_id, tier, last_order_at in rows:
        expected = tier_for(window_stats(session, customer_id, window_start(settings, later)), settings.tiers)
        if expected > tier:  # a higher level is a lower tier
            drops.append(ExpectedDrop(customer_id, tier, expected, last_order_at))
    return drops


def refresh_customer_tier(session: Session, settings: Settings, customer_id: int, now: datetime | None = None,
                          stats: WindowStats | None = None) -> TierChange | None:
    """Recompute one customer's tier now (after a purchase); record the move if there is one.
    `stats` saves the reads when the caller has just computed them for the same moment."""
    now = now or utcnow()
    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    stats = stats or window_stats(session, customer_id, window_start(settings, now))
    new_tier = tier_for(stats, settings.tiers)
    if new_tier == customer.tier:
        return None
    change = TierChange(customer_id=customer_id, old_tier=customer.tier, new_tier=new_tier, changed_at=now)
    customer.tier = new_tier
    session.add(change)
    session.flush()
    # a lower level is a higher tier (1 is the top)
    hooks.signal(session, customer_id, "tier_up" if new_tier < (change.old_tier or 99) else "tier_down",
                 {"from": change.old_tier, "to": new_tier}, now)
    return change


def notify_change(session: Session, settings: Settings, change: TierChange, now: datetime | None = None) -> Coupon | None:
    """Congratulate a move up, with the tier's benefit and its gift coupon (issued once per tier,
    whatever the ups and downs). Moves down are recorded and not announced. Returns the gift coupon
    issued now, so whoever recorded the purchase (the console, the shop API) can say so."""
    now = now or utcnow()
    change.notified_at = now
    rich_menus.on_tier_change(session, change.customer_id, change.new_tier, now)  # the new tier's menu, up or down
    if change.new_tier >= change.old_tier:
        change.notice = "none"
        return None
    customer = session.get(Customer, change.customer_id)
    assert customer is not None  # a tier change belongs to a customer
    tier = settings.tiers[change.new_tier - 1]
    language, default = customer.language, settings.app.default_language
    lines = [say("tier_up", language, tier=pick(tier.name, language, default))]
    if tier.benefit:
        lines.append(say("tier_benefit", language, benefit=pick(tier.benefit, language, default)))
    coupon = None
    if tier.benefit_coupon:
        try:
            coupon = issue_coupon(session, customer.id, tier.benefit_coupon, source=f"tier-up:{tier.level}", now=now)
        except CouponError:
            coupon = None
        if coupon is not None:
            lines.append(say("tier_up_gift", language, code=coupon.code, expiry=local_date(coupon.expires_at, settings.app.timezone),
                             gives=gives(coupon.kind, coupon.value, coupon.template.item, language, default)))
    button = Button(label=say("menu_points", language), data="points:show", text=say("menu_points", language))
    sent = outreach.send_to_customer(session, customer.id, [Outbound("\n".join(lines), quick_replies=(button,))],
                                     purpose="transactional", marketing=False)
    change.notice = "sent" if sent else "unreachable"
    return coupon


def notify_pending(session: Session, settings: Settings, now: datetime, *, limit: int = 500) -> int:
    """Announce up to `limit` recorded moves not yet announced; returns how many were handled.
    Moves down are closed in one UPDATE; moves up are locked (SKIP LOCKED) so two runs split them."""
    session.execute(update(TierChange).where(TierChange.notified_at.is_(None), TierChange.new_tier >= TierChange.old_tier)
                    .values(notified_at=now, notice="none"))
    changes = session.scalars(select(TierChange).where(TierChange.notified_at.is_(None)).order_by(TierChange.id)
                              .limit(limit).with_for_update(skip_locked=True)).all()
    for change in changes:
        notify_change(session, settings, change, now)
    return len(changes)


def tier_name(settings: Settings, tier: int | None, language: str) -> str:
    """A value tier's configured name in a language (the shop's default language if it has none
    there); empty for a customer not yet placed in a tier. Used by `{tier}` in broadcasts and the console."""
    entry = next((t for t in settings.tiers if t.level == tier), None)
    return pick(entry.name, language, settings.app.default_language) if entry else ""

