"""The marketer's reports, each computed in SQL and returned as a header and rows (the page draws
them; the same rows are the CSV download).

The lifecycle funnel is derived from the data, not from the stored stage, so it is right even for
customers whose stage a job has not recomputed yet: everyone we know -> leads (left an email or
phone, or moved past `stranger`) -> first purchase -> repeat (2+ purchases) -> advocates (repeat
buyers who referred someone).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, cast, exists, func, or_, select
from sqlalchemy.engine import Result
from sqlalchemy.orm import Session, aliased

from models import Broadcast, Customer, Order, utcnow


@dataclass
class Table:
    header: list[str]
    rows: list[list[Any]]


def funnel(session: Session) -> Table:
    referrer = aliased(Customer)
    orders = (select(Order.customer_id, func.count().label("n")).where(Order.amount > 0).group_by(Order.customer_id).subquery())
    count = func.coalesce(orders.c.n, 0)
    lead = or_(Customer.email.is_not(None), Customer.phone.is_not(None), Customer.stage.not_in(("stranger", "visitor")))
    referred = exists().where(referrer.referred_by_id == Customer.id)
    row = session.execute(
        select(func.count(), func.count().filter(lead), func.count().filter(count >= 1), func.count().filter(count >= 2),
               func.count().filter(and_(count >= 2, referred)))
        .select_from(Customer).outerjoin(orders, orders.c.customer_id == Customer.id)).one()
    stages = ("contacts", "leads", "first purchase", "repeat", "advocates")
    top = row[0] or 1
    return Table(["stage", "customers", "share of contacts %"],
                 [[stage, int(n), round(100.0 * n / top, 1)] for stage, n in zip(stages, row, strict=True)])


def tier_pyramid(session: Session, names: Mapping[int, str] | None = None) -> Table:
    revenue = (select(Order.customer_id, func.sum(Order.amount).label("total")).group_by(Order.customer_id).subquery())
    rows = session.execute(select(Customer.tier, func.count(), func.coalesce(func.sum(revenue.c.total), 0))
                           .outerjoin(revenue, revenue.c.customer_id == Customer.id).group_by(Customer.tier)
                           .order_by(Customer.tier)).all()
    customers = sum(r[1] for r in rows) or 1
    total = float(sum(r[2] for r in rows)) or 1.0
    by_tier: dict[int, tuple[int, int, Any]] = {int(r[0]): r for r in rows}
    table: list[list[Any]] = []
    for tier in range(1, 6):
        _, count, money = by_tier.get(tier, (tier, 0, 0))
        table.append([tier, int(count), round(100.0 * count / customers, 1), float(money), round(100.0 * float(money) / total, 1)])
    if names:  # "2 · 金卡會員": the number keeps the order, the configured name says what it is
        table = [[f"{row[0]} · {names[row[0]]}" if names.get(row[0]) else row[0], *row[1:]] for row in table]
    return Table(["tier", "customers", "share of customers %", "revenue", "share of revenue %"], table)


def rfm_grid(session: Session) -> Table:
    """Customers by recency (rows, 5 = most recent) and frequency (columns), with unscored ones."""
    # The WHERE leaves no NULL score, so the columns read as int.
    counts = dict(((int(r), int(f)), int(n)) for r, f, n in typing.cast("Result[int, int, int]", session.execute(
        select(Customer.rfm_recency, Customer.rfm_frequency, func.count())
        .where(Customer.rfm_recency.is_not(None), Customer.rfm_frequency.is_not(None))
        .group_by(Customer.rfm_recency, Customer.rfm_frequency))))
    rows = [[f"R{r}", *[counts.get((r, f), 0) for f in range(1, 6)]] for r in range(5, 0, -1)]
    unscored = session.scalar(select(func.count()).select_from(Customer).where(
        or_(Customer.rfm_recency.is_(None), Customer.rfm_frequency.is_(None)))) or 0
    rows.append(["unscored", int(unscored), "", "", "", ""])
    return Table(["recency \\ frequency", "F1", "F2", "F3", "F4", "F5"], rows)


def month_index(session: Session, zone: ZoneInfo, column: Any = None) -> Any:
    """year * 12 + month - 1 of a time column (default: the order's) in the shop's time zone, in SQL."""
    column = Order.placed_at if column is None else column
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone(zone.key, func.timezone("UTC", column))
        return func.extract("year", local) * 12 + func.extract("month", local) - 1
    offset = int((utcnow().astimezone(zone).utcoffset() or timedelta(0)).total_seconds() // 60)  # SQLite: the zone's offset now
    modifier = f"{offset:+d} minutes"
    year = cast(func.strftime("%Y", column, modifier), Integer)
    month = cast(func.strftime("%m", column, modifier), Integer)
    return year * 12 + month - 1


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def retention(session: Session, zone: ZoneInfo, months: int = 12) -> Table:
    """Per month: buyers, new buyers, buyers kept from the month before, retention and churn."""
    month = month_index(session, zone).label("mi")
    active = select(Order.customer_id, month).where(Order.amount > 0).distinct().subquery()
    before = aliased(active)
    # A subquery's columns are untyped (Any): say what the rows hold.
    per_month = dict((int(m), int(n)) for m, n in typing.cast("Result[Any, int]", session.execute(
        select(active.c.mi, func.count()).group_by(active.c.mi))))
    kept = dict((int(m), int(n)) for m, n in typing.cast("Result[Any, int]", session.execute(
        select(active.c.mi, func.count()).join(before, and_(before.c.customer_id == active.c.customer_id, before.c.mi == active.c.mi - 1))
        .group_by(active.c.mi))))
    firsts = select(active.c.customer_id, func.min(active.c.mi).label("first")).group_by(active.c.customer_id).subquery()
    new = dict((int(m), int(n)) for m, n in typing.cast("Result[Any, int]", session.execute(
        select(firsts.c.first, func.count()).group_by(firsts.c.first))))
    rows = []
    for index in sorted(per_month)[-months:]:
        previous = per_month.get(index - 1, 0)
        rate = round(100.0 * kept.get(index, 0) / previous, 1) if previous else None
        rows.append([month_label(index), per_month[index], new.get(index, 0), kept.get(index, 0), rate,
                     round(100.0 - rate, 1) if rate is not None else None])
    return Table(["month", "buyers", "new buyers", "kept from previous month", "retention %", "churn %"], rows)


def campaign_lift(session: Session, window_days: int | None = None) -> Table:
    """Each planned broadcast's purchase rate, treated against control (coupons at integration)."""
    from bot.marketing.results import purchase_lift

    rows = []
    for broadcast in session.scalars(select(Broadcast).where(Broadcast.planned_at.is_not(None)).order_by(Broadcast.planned_at.desc()).limit(50)):
        lift = purchase_lift(session, broadcast, window_days or broadcast.results_window_days)
        if lift is None:
            continue
        interval = lift.interval
        assert broadcast.planned_at is not None  # the query asks for planned broadcasts only
        rows.append([broadcast.id, broadcast.name, _date(broadcast.planned_at), lift.treated_n, round(100 * lift.treated_rate, 2),
                     lift.control_n, round(100 * lift.control_rate, 2), round(100 * lift.difference, 2),
                     round(100 * interval[0], 2) if interval else None, round(100 * interval[1], 2) if interval else None])
    return Table(["broadcast", "name", "sent", "treated", "treated buy %", "control", "control buy %", "difference (points)",
                  "95% low", "95% high"], rows)


def _date(value: datetime) -> str:
    return value.date().isoformat()
