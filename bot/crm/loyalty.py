"""The points ledger and the stamp card.

Why only inserts: the ledger is the record of why a customer has the points they have; the
balance is its SUM. Awards need no lock at all (they only add rows). Spending locks the customer's
row so two spends cannot both pass the balance check; expiry is one set-based INSERT ... SELECT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, and_, bindparam, case, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm.bulk import insert_rows
from bot.crm.coupons import CouponError, issue_coupon
from models import Coupon, Customer, PointsEntry, Stamp, utcnow
from models.base import UTCDateTime
from models.loyalty import POINT_KINDS


class PointsError(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def balance(session: Session, customer_id: int) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0))
                              .where(PointsEntry.customer_id == customer_id)) or 0)


def balances(session: Session, customer_ids: Sequence[int]) -> dict[int, int]:
    """Point balances of many customers in one query (broadcast text's {points}); customers without
    ledger entries are absent, meaning 0."""
    if not customer_ids:
        return {}
    rows = session.execute(select(PointsEntry.customer_id, func.sum(PointsEntry.points))
                           .where(PointsEntry.customer_id.in_(list(customer_ids))).group_by(PointsEntry.customer_id))
    return {customer_id: int(total or 0) for customer_id, total in rows}


def points_for_amount(amount: Decimal | float | int, points_per_ntd: float) -> int:
    """Whole points for an amount; fractions are dropped (NT$199 at 1 per NT$100 earns 1)."""
    raw = Decimal(str(amount)).copy_abs() * Decimal(str(points_per_ntd))
    return int(raw.to_integral_value(rounding=ROUND_FLOOR))


def award(session: Session, customer_id: int, points: int, *, kind: str, note: str | None = None,
          order_id: int | None = None, idempotency_key: str | None = None, now: datetime | None = None,
          valid_days: int = 0) -> PointsEntry:
    """Add points (earn, referral, campaign). With a key, the same award twice is one row."""
    if kind not in ("earn", "referral", "campaign") or points <= 0:
        raise PointsError("invalid", f"an award is a positive earn, referral or campaign entry, not {kind} {points}")
    now = now or utcnow()
    entry = PointsEntry(customer_id=customer_id, kind=kind, points=points, order_id=order_id, note=note,
                        idempotency_key=idempotency_key, created_at=now,
                        expires_at=now + timedelta(days=valid_days) if valid_days else None)
    return _insert(session, entry)


def deduct(session: Session, customer_id: int, points: int, *, kind: str = "spend", note: str | None = None,
           order_id: int | None = None, idempotency_key: str | None = None, now: datetime | None = None,
           allow_partial: bool = False) -> PointsEntry | None:
    """Take points away (spend, refund). The customer's row is locked while the balance is checked,
    so concurrent spends cannot overdraw it. `allow_partial` takes what is there (refunds)."""
    if kind not in ("spend", "refund") or points <= 0:
        raise PointsError("invalid", f"a deduction is a positive spend or refund amount, not {kind} {points}")
    if idempotency_key:
        prior = session.scalar(select(PointsEntry).where(PointsEntry.idempotency_key == idempotency_key))
        if prior is not None:
            return prior
    session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update())
    available = balance(session, customer_id)
    if points > available:
        if not allow_partial:
            raise PointsError("insufficient", f"balance is {available}, {points} asked")
        points = available
    if points <= 0:
        return None
    entry = PointsEntry(customer_id=customer_id, kind=kind, points=-points, order_id=order_id, note=note,
                        idempotency_key=idempotency_key, created_at=now or utcnow())
    return _insert(session, entry)


def adjust(session: Session, customer_id: int, points: int, *, note: str, idempotency_key: str | None = None,
           now: datetime | None = None) -> PointsEntry:
    """A correction by hand (staff), either sign; `note` says why and who, so the ledger stays its own audit trail.
    A negative adjustment locks the customer's row like a spend and may not overdraw the balance."""
    if points == 0 or not note.strip():
        raise PointsError("invalid", "an adjustment is a non-zero number of points with a reason")
    if idempotency_key:
        prior = session.scalar(select(PointsEntry).where(PointsEntry.idempotency_key == idempotency_key))
        if prior is not None:
            return prior
    if points < 0:
        session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update())
        available = balance(session, customer_id)
        if -points > available:
            raise PointsError("insufficient", f"balance is {available}, {-points} asked")
    entry = PointsEntry(customer_id=customer_id, kind="adjustment", points=points, note=note[:200],
                        idempotency_key=idempotency_key, created_at=now or utcnow())
    return _insert(session, entry)


def _insert(session: Session, entry: PointsEntry) -> PointsEntry:
    assert entry.kind in POINT_KINDS
    if entry.idempotency_key is None:
        session.add(entry)
        session.flush()
        return entry
    prior = session.scalar(select(PointsEntry).where(PointsEntry.idempotency_key == entry.idempotency_key))
    if prior is not None:
        return prior
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        prior = session.scalar(select(PointsEntry).where(PointsEntry.idempotency_key == entry.idempotency_key))
        if prior is None:
            raise
        return prior
    return entry


# Points expire first-in first-out: what has expired by `now` minus everything already taken away
# (spent, refunded, expired before) is what expires now. One statement for all customers.
EXPIRE_SQL = """
INSERT INTO points_ledger (customer_id, kind, points, note, idempotency_key, created_at)
SELECT customer_id, 'expire', -(expired - taken), 'points past their validity',
       'expire:' || CAST(customer_id AS VARCHAR(20)) || ':' || :day, :now
FROM (
    SELECT customer_id,
           SUM(CASE WHEN points > 0 AND expires_at IS NOT NULL AND expires_at <= :now THEN points ELSE 0 END) AS expired,
           -SUM(CASE WHEN points < 0 THEN points ELSE 0 END) AS taken
    FROM points_ledger
    GROUP BY customer_id
) AS per_customer
WHERE expired > taken
ON CONFLICT (idempotency_key) DO NOTHING
"""


@dataclass(frozen=True)
class Expiring:
    customer_id: int
    points: int
    first_expiry: datetime


def expiring_soon(session: Session, now: datetime, horizon: datetime, limit: int = 500,
                  after_customer: int = 0) -> list[Expiring]:
    """Customers whose points will expire by `horizon` if they spend none, by the same first-in
    first-out rule as `expire_points`: what will have expired then minus everything taken away."""
    positive_due = and_(PointsEntry.points > 0, PointsEntry.expires_at.is_not(None), PointsEntry.expires_at <= horizon)
    due = func.sum(case((positive_due, PointsEntry.points), else_=0))
    taken = -func.sum(case((PointsEntry.points < 0, PointsEntry.points), else_=0))
    first = func.min(case((and_(positive_due, PointsEntry.expires_at > now), PointsEntry.expires_at), else_=None))
    rows = session.execute(select(PointsEntry.customer_id, due - taken, first)
                           .where(PointsEntry.customer_id > after_customer)
                           .group_by(PointsEntry.customer_id).having(and_(due > taken, first.is_not(None)))
                           .order_by(PointsEntry.customer_id).limit(limit)).all()
    return [Expiring(int(c), int(cast("int", p)), _aware(f)) for c, p, f in cast("list[tuple[int, Any, Any]]", rows)]


def _aware(moment: Any) -> datetime:
    """MIN() over a UTC column comes back as the driver gives it (SQLite: a string or naive value)."""
    value = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def expire_points(session: Session, now: datetime) -> int:
    """Write the expiry entries due by `now`. A second run finds nothing left to expire; two runs
    racing on one day collide on the per-day key and the second writes nothing."""
    statement = text(EXPIRE_SQL).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("day"))
    result = cast("CursorResult[Any]", session.execute(statement, {"now": now, "day": now.strftime("%Y-%m-%d")}))
    return result.rowcount or 0


@dataclass(frozen=True)
class StampResult:
    stamps: int
    reward: Coupon | None


def stamp_count(session: Session, customer_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Stamp).where(Stamp.customer_id == customer_id)) or 0)


def add_stamp(session: Session, settings: Settings, customer_id: int, *, order_id: int | None, source: str,
              now: datetime | None = None) -> StampResult:
    """One stamp (once per order); a card that fills up issues the reward coupon, once per card."""
    now = now or utcnow()
    session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update())
    try:
        with session.begin_nested():
            session.add(Stamp(customer_id=customer_id, order_id=order_id, source=source[:100], created_at=now))
    except IntegrityError:  # this order already stamped
        return StampResult(stamp_count(session, customer_id), None)
    count = stamp_count(session, customer_id)
    size, template = settings.loyalty.stamp_card_size, settings.loyalty.stamp_reward_template
    reward = None
    if template and count % size == 0:
        try:
            reward = issue_coupon(session, customer_id, template, source=f"stamp-card:{count // size}", now=now)
        except CouponError:  # the template was retired or its limit reached: the stamp still counts
            reward = None
    return StampResult(count, reward)


def card_state(stamps: int, size: int) -> tuple[int, str]:
    """Stamps on the current card and the card drawn with filled and empty circles."""
    filled = stamps % size
    return filled, "●" * filled + "○" * (size - filled)


def opening_key(customer_id: int) -> str:
    """The one opening entry a customer can have: points carried over from the shop's old system."""
    return f"opening:{customer_id}"


def open_balances(session: Session, balances: dict[int, int], *, note: str, now: datetime,
                  valid_days: int = 0) -> tuple[int, list[int]]:
    """One opening ledger entry (kind "adjustment") per customer with a positive balance, written
    in bulk; a customer who has one already keeps it (an import run twice adds nothing). Returns
    how many were written and the customers who already had one."""
    wanted = {cid: points for cid, points in balances.items() if points > 0}
    keys = {opening_key(cid): cid for cid in wanted}
    existing: set[str] = set()
    key_list = list(keys)
    for start in range(0, len(key_list), 1000):
        existing |= set(session.scalars(select(PointsEntry.idempotency_key).where(
            PointsEntry.idempotency_key.in_(key_list[start:start + 1000]))))
    expires = now + timedelta(days=valid_days) if valid_days else None
    rows = [{"customer_id": cid, "kind": "adjustment", "points": points, "order_id": None, "note": note,
             "idempotency_key": opening_key(cid), "created_at": now, "expires_at": expires}
            for cid, points in wanted.items() if opening_key(cid) not in existing]
    insert_rows(session, PointsEntry, rows)
    return len(rows), sorted(keys[key] for key in existing)
