"""Rewards bought with points: the catalogue, what a customer can afford, and redeeming one.

A redemption deducts the points and issues the reward's coupon in one transaction, and is safe
under concurrency without a serializable transaction:
- the customer's row is locked first (`loyalty.deduct`'s lock, taken here before anything is
  read), so two redemptions by one customer run one after the other and the second sees the
  first's deduction: a balance never goes negative;
- the idempotency key is looked up after that lock, so a confirmation pressed twice finds the
  first redemption instead of spending again (and the key is unique in the table besides);
- stock is taken by one conditional UPDATE (`stock > 0`), which PostgreSQL re-checks after
  waiting on the row lock, so the last item goes to exactly one customer.
Everything is written inside a savepoint: a refusal part-way (the coupon's own limit) leaves
nothing behind in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm import loyalty
from bot.crm.coupons import CouponError, issue_coupon
from models import Coupon, Customer, PointsEntry, Reward, RewardRedemption, utcnow
from models.db import conflict_insert

REASONS = ("unknown_reward", "insufficient_points", "out_of_stock", "limit_reached", "coupon_refused")


class RewardError(Exception):
    def __init__(self, reason: str, message: str) -> None:
        assert reason in REASONS
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Redeemed:
    redemption: RewardRedemption
    coupon: Coupon | None
    again: bool  # True when this key had already redeemed: nothing was spent now


def sync_rewards(session: Session, settings: Settings) -> None:
    """Make the database's rewards match `[[rewards]]` (one upsert by code), leaving rewards the
    console owns alone and retiring config rewards that left the file. Stock is set only when a
    reward is first inserted: a restart must not refill what customers already took."""
    rows = [{"code": r.code, "name": dict(r.name), "points": r.points, "coupon_template": r.coupon_template,
             "per_customer_limit": r.per_customer_limit, "stock": None if r.stock < 0 else r.stock,
             "active": True, "origin": "config", "created_at": utcnow(), "updated_at": utcnow()}
            for r in settings.rewards]
    codes = [r.code for r in settings.rewards]
    if rows:
        statement = conflict_insert(session)(Reward).values(rows)
        changing = ("name", "points", "coupon_template", "per_customer_limit", "active", "updated_at")
        session.execute(statement.on_conflict_do_update(
            index_elements=["code"], set_={name: getattr(statement.excluded, name) for name in changing},
            where=Reward.origin == "config"))
    session.execute(update(Reward).where(Reward.origin == "config", Reward.code.not_in(codes)).values(active=False))


def catalogue(session: Session) -> list[Reward]:
    return list(session.scalars(select(Reward).where(Reward.active.is_(True)).order_by(Reward.points, Reward.code)))


def find(session: Session, code: str) -> Reward | None:
    return session.scalar(select(Reward).where(Reward.code == code))


def redeemed_counts(session: Session, customer_id: int) -> dict[int, int]:
    rows = session.execute(select(RewardRedemption.reward_id, func.count()).where(RewardRedemption.customer_id == customer_id)
                           .group_by(RewardRedemption.reward_id))
    return {int(reward_id): int(count) for reward_id, count in rows}


def affordable(session: Session, customer_id: int) -> tuple[list[Reward], int]:
    """The active rewards this customer can take now (points, stock, their own limit), and their balance."""
    points = loyalty.balance(session, customer_id)
    taken = redeemed_counts(session, customer_id)
    found = [r for r in catalogue(session)
             if r.points <= points and (r.stock is None or r.stock > 0)
             and not (r.per_customer_limit and taken.get(r.id, 0) >= r.per_customer_limit)]
    return found, points


def redeem(session: Session, customer_id: int, reward_code: str, *, idempotency_key: str,
           now: datetime | None = None) -> Redeemed:
    """Spend the reward's points and issue its coupon, or raise RewardError saying why not."""
    now = now or utcnow()
    # The lock first: everything below is read by one redemption of this customer at a time.
    session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update())
    prior = session.scalar(select(RewardRedemption).where(RewardRedemption.idempotency_key == idempotency_key))
    if prior is not None:
        if prior.customer_id != customer_id:
            raise RewardError("unknown_reward", "this key redeemed a reward for another customer")
        return Redeemed(prior, session.get(Coupon, prior.coupon_id) if prior.coupon_id else None, again=True)
    reward = find(session, reward_code)
    if reward is None or not reward.active:
        raise RewardError("unknown_reward", f"no active reward {reward_code!r}")
    if reward.per_customer_limit:
        taken = redeemed_counts(session, customer_id).get(reward.id, 0)
        if taken >= reward.per_customer_limit:
            raise RewardError("limit_reached", f"{reward.code} may be redeemed {reward.per_customer_limit} times")
    available = loyalty.balance(session, customer_id)
    if available < reward.points:
        raise RewardError("insufficient_points", f"balance is {available}, {reward.code} costs {reward.points}")
    with session.begin_nested():
        if reward.stock is not None:
            took = session.execute(update(Reward).where(Reward.id == reward.id, Reward.stock > 0)
                                   .values(stock=Reward.stock - 1)).rowcount  # type: ignore[attr-defined]
            if not took:
                raise RewardError("out_of_stock", f"{reward.code} is out of stock")
        entry = loyalty.deduct(session, customer_id, reward.points, kind="spend", note=f"reward {reward.code}",
                               idempotency_key=f"reward:{idempotency_key}", now=now)
        try:
            coupon = issue_coupon(session, customer_id, reward.coupon_template, source=f"reward:{reward.code}",
                                  idempotency_key=f"reward:{idempotency_key}", now=now)
        except CouponError as exc:
            raise RewardError("coupon_refused", f"the reward's coupon could not be issued: {exc}") from exc
        redemption = RewardRedemption(reward_id=reward.id, customer_id=customer_id, coupon_id=coupon.id,
                                      points=-entry.points if entry else reward.points, idempotency_key=idempotency_key,
                                      created_at=now)
        session.add(redemption)
        session.flush()
    session.refresh(reward, ["stock"])
    return Redeemed(redemption, coupon, again=False)


def spend_points(session: Session, customer_id: int, points: int, *, note: str, idempotency_key: str,
                 now: datetime | None = None) -> PointsEntry | None:
    """Points spent at the till (`POST /api/v1/points/spend`): the ledger's own locked deduction."""
    try:
        return loyalty.deduct(session, customer_id, points, kind="spend", note=note[:200],
                              idempotency_key=f"spend:{idempotency_key}", now=now)
    except loyalty.PointsError as exc:
        if exc.reason == "insufficient":
            raise RewardError("insufficient_points", str(exc)) from exc
        raise


def names(rewards: Sequence[Reward], language: str, default_language: str) -> dict[int, str]:
    return {r.id: r.name.get(language) or r.name.get(default_language) or r.code for r in rewards}
