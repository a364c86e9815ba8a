"""Customer value in SQL: RFM scores, the five value tiers, the lifecycle stage, retention and
churn per month, complaint recovery, and the churn watch's candidates.

Why set-based SQL and temporary tables: a million customers and ten million orders must be
scored in under a minute with a Python process under 300 MB, so no customer row ever comes into
Python. One scan of `orders` builds per-customer statistics; ranks and tiers are computed from
them; one UPDATE writes only the customers whose values changed. The same statements run on
SQLite (3.33+) and PostgreSQL; the few spelling differences are in `_dialect_sql`.

RFM scores are percentiles: score = 1 + 5 * (rank - 1) / n over the customers who ever bought,
so equal values get equal scores (NTILE would split ties at random) and 5 is the best fifth.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, SelectBase, String, bindparam, column, distinct, exists, func, select, table, text
from sqlalchemy.orm import Session, aliased

from bot.config import Settings
from bot.crm.tiers import tier_case_sql, window_start
from models import Customer, Order, utcnow
from models.base import UTCDateTime

STAGES = ("stranger", "lead", "first_time_buyer", "repeat", "advocate")


@dataclass(frozen=True)
class RecomputeResult:
    scored: int
    updated: int
    reset: int
    tier_changes: int
    seconds: float


def _dialect_sql(session: Session) -> dict[str, str]:
    if session.get_bind().dialect.name == "postgresql":
        return {"distinct": "IS DISTINCT FROM", "temp": "CREATE TEMPORARY TABLE",
                "days": "(EXTRACT(EPOCH FROM ({a} - {b})) / 86400.0)"}
    return {"distinct": "IS NOT", "temp": "CREATE TEMPORARY TABLE", "days": "(julianday({a}) - julianday({b}))"}


def _days_between(session: Session, later: str, earlier: str) -> str:
    return _dialect_sql(session)["days"].format(a=later, b=earlier)


# FILTER instead of SUM(CASE ...) and sums in double precision (rounded to cents once per customer)
# instead of NUMERIC: on PostgreSQL this halves the time of the one scan of all orders, which is
# most of the recompute. The ranks and thresholds need no more than cents.
STATS_SQL = """
{temp} crm_stats AS
SELECT customer_id,
       COUNT(*) FILTER (WHERE amount > 0) AS purchases_all,
       ROUND(CAST(SUM(CAST(amount AS DOUBLE PRECISION)) AS NUMERIC), 2) AS monetary_all,
       MAX(placed_at) FILTER (WHERE amount > 0) AS last_order,
       COUNT(*) FILTER (WHERE amount > 0 AND placed_at >= :since) AS purchases_window,
       COALESCE(ROUND(CAST(SUM(CAST(amount AS DOUBLE PRECISION)) FILTER (WHERE placed_at >= :since) AS NUMERIC), 2), 0)
           AS spend_window
FROM orders
GROUP BY customer_id
"""

REFERRALS_SQL = """
{temp} crm_referrals AS
SELECT c.referred_by_id AS customer_id,
       COUNT(*) FILTER (WHERE s.purchases_window > 0) AS referrals_window,
       COUNT(*) AS referrals_ever
FROM customers c JOIN crm_stats s ON s.customer_id = c.id
WHERE c.referred_by_id IS NOT NULL AND s.purchases_all > 0
GROUP BY c.referred_by_id
"""

SCORES_SQL = """
{temp} crm_scores AS
SELECT s.customer_id,
       1 + (5 * (RANK() OVER (ORDER BY s.last_order) - 1)) / COUNT(*) OVER () AS r,
       1 + (5 * (RANK() OVER (ORDER BY s.purchases_all) - 1)) / COUNT(*) OVER () AS f,
       1 + (5 * (RANK() OVER (ORDER BY s.monetary_all) - 1)) / COUNT(*) OVER () AS m,
       {tier_case} AS tier,
       CASE WHEN s.purchases_all >= 2 AND COALESCE(ref.referrals_ever, 0) > 0 THEN 'advocate'
            WHEN s.purchases_all >= 2 THEN 'repeat'
            ELSE 'first_time_buyer' END AS stage
FROM crm_stats s LEFT JOIN crm_referrals ref ON ref.customer_id = s.customer_id
WHERE s.purchases_all > 0
"""

# Moves between tiers are recorded only for customers scored before: the first scoring of an
# imported history sets a baseline and congratulates nobody.
TIER_CHANGES_SQL = """
INSERT INTO tier_changes (customer_id, old_tier, new_tier, changed_at)
SELECT c.id, c.tier, COALESCE(sc.tier, 5), :now
FROM customers c LEFT JOIN crm_scores sc ON sc.customer_id = c.id
WHERE c.scores_updated_at IS NOT NULL AND c.tier <> COALESCE(sc.tier, 5)
"""

UPDATE_SCORED_SQL = """
UPDATE customers SET tier = sc.tier, rfm_recency = sc.r, rfm_frequency = sc.f, rfm_monetary = sc.m,
       stage = sc.stage, scores_updated_at = :now
FROM crm_scores sc
WHERE customers.id = sc.customer_id
  AND (customers.scores_updated_at IS NULL OR customers.tier <> sc.tier OR customers.stage <> sc.stage
       OR customers.rfm_recency {distinct} sc.r OR customers.rfm_frequency {distinct} sc.f
       OR customers.rfm_monetary {distinct} sc.m)
"""

# Customers with no purchase at all: tier 5, no RFM scores; their stage (stranger or lead) is theirs.
RESET_UNSCORED_SQL = """
UPDATE customers SET tier = 5, rfm_recency = NULL, rfm_frequency = NULL, rfm_monetary = NULL, scores_updated_at = :now
WHERE (tier <> 5 OR rfm_recency IS NOT NULL OR scores_updated_at IS NULL)
  AND NOT EXISTS (SELECT 1 FROM crm_scores sc WHERE sc.customer_id = customers.id)
"""


def recompute_scores(session: Session, settings: Settings, now: datetime | None = None) -> RecomputeResult:
    """Tier, RFM scores and lifecycle stage for every customer, in the caller's transaction."""
    started = time.perf_counter()
    now = now or utcnow()
    sql = _dialect_sql(session)
    postgres = session.get_bind().dialect.name == "postgresql"
    times = {"since": window_start(settings, now), "now": now}

    def run(statement: str, **params: Any) -> Any:
        clause = text(statement)
        typed = [bindparam(name, type_=UTCDateTime()) for name in params if name in times]
        return session.execute(clause.bindparams(*typed), params)

    for name in ("crm_scores", "crm_referrals", "crm_stats"):
        session.execute(text(f"DROP TABLE IF EXISTS {name}"))
    if postgres:  # one hash table per customer must fit in memory, whatever the server's default (4 MB)
        session.execute(text(f"SET LOCAL work_mem = '{int(settings.analytics.recompute_work_mem_mb)}MB'"))
    run(STATS_SQL.format(**sql), since=times["since"])
    if postgres:  # temporary tables are never analysed automatically; the joins below need estimates
        session.execute(text("ANALYZE crm_stats"))
    run(REFERRALS_SQL.format(**sql))
    tier_case = tier_case_sql(settings.tiers, "s.purchases_window", "s.spend_window", "COALESCE(ref.referrals_window, 0)")
    run(SCORES_SQL.format(tier_case=tier_case, **sql))
    if postgres:
        session.execute(text("ANALYZE crm_scores"))
    changes = run(TIER_CHANGES_SQL, now=now).rowcount or 0
    updated = run(UPDATE_SCORED_SQL.format(**sql), now=now).rowcount or 0
    reset = run(RESET_UNSCORED_SQL, now=now).rowcount or 0
    scored = session.scalar(text("SELECT COUNT(*) FROM crm_scores")) or 0
    for name in ("crm_scores", "crm_referrals", "crm_stats"):
        session.execute(text(f"DROP TABLE {name}"))
    return RecomputeResult(int(scored), updated, reset, changes, time.perf_counter() - started)


def refresh_stage(session: Session, customer_id: int) -> str | None:
    """One customer's stage after a purchase (theirs or a referred friend's). Returns the stage."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    purchases = session.scalar(select(func.count()).select_from(Order).where(Order.customer_id == customer_id, Order.amount > 0))
    if not purchases:
        return customer.stage
    referred = aliased(Customer)
    has_buying_referral = session.scalar(select(exists().where(
        referred.referred_by_id == customer_id,
        exists(select(Order.id).where(Order.customer_id == referred.id, Order.amount > 0)))))
    if purchases >= 2:
        customer.stage = "advocate" if has_buying_referral else "repeat"
    else:
        customer.stage = "first_time_buyer"
    return customer.stage


@dataclass(frozen=True)
class MonthlyRetention:
    month: str  # the month customers came back in, YYYY-MM in the shop's time zone
    base: int  # customers who bought in the month before
    retained: int  # of those, customers who bought again in this month
    retention_rate: float
    churn_rate: float


def monthly_retention(session: Session, settings: Settings, start: datetime, end: datetime) -> list[MonthlyRetention]:
    """Retention and churn per month over orders placed in [start, end): of the customers who
    bought in month M-1, the share who bought in month M (and the rest, churned)."""
    utc_offset = ZoneInfo(settings.app.timezone).utcoffset(end.replace(tzinfo=None))
    assert utc_offset is not None  # a ZoneInfo has an offset for every naive datetime
    offset = int(utc_offset.total_seconds())
    if session.get_bind().dialect.name == "postgresql":
        local = f"(placed_at + make_interval(secs => {offset}))"
        month = f"CAST(EXTRACT(YEAR FROM {local}) * 12 + EXTRACT(MONTH FROM {local}) - 1 AS INTEGER)"
    else:
        local = f"datetime(placed_at, '{offset:+d} seconds')"
        month = f"(CAST(strftime('%Y', {local}) AS INTEGER) * 12 + CAST(strftime('%m', {local}) AS INTEGER) - 1)"
    statement = text(f"""
        WITH active AS (
            SELECT DISTINCT customer_id, {month} AS month FROM orders
            WHERE amount > 0 AND placed_at >= :start AND placed_at < :end
        )
        SELECT prev.month + 1 AS month, COUNT(*) AS base, COUNT(cur.customer_id) AS retained
        FROM active prev LEFT JOIN active cur ON cur.customer_id = prev.customer_id AND cur.month = prev.month + 1
        GROUP BY prev.month + 1 ORDER BY 1
    """).bindparams(bindparam("start", type_=UTCDateTime()), bindparam("end", type_=UTCDateTime()))
    last_month = (end - timedelta(microseconds=1)).astimezone(ZoneInfo(settings.app.timezone))
    last_index = last_month.year * 12 + last_month.month - 1
    results = []
    rows: Iterable[tuple[int, int, int]] = session.execute(statement, {"start": start, "end": end})
    for month_index, base, retained in rows:
        if month_index > last_index:  # the month after the range: nobody could have come back yet
            continue
        rate = retained / base
        results.append(MonthlyRetention(f"{month_index // 12:04d}-{month_index % 12 + 1:02d}", base, retained,
                                        round(rate, 4), round(1 - rate, 4)))
    return results


@dataclass(frozen=True)
class RecoveryRate:
    resolved_customers: int
    recovered_customers: int
    rate: float | None


# The complaints module's tickets, as far as this report needs them. A different source (another
# table, a filtered query) can be passed to `complaint_recovery_rate` as any SELECT with the
# columns customer_id and resolved_at.
TICKETS = table("tickets", column("customer_id", Integer), column("resolved_at", UTCDateTime()), column("category", String))


def resolved_complaints() -> SelectBase:
    return select(TICKETS.c.customer_id, TICKETS.c.resolved_at).where(
        TICKETS.c.resolved_at.is_not(None), TICKETS.c.category == "complaint")


def complaint_recovery_rate(session: Session, settings: Settings, now: datetime | None = None, *,
                            resolved: SelectBase | None = None, mature_only: bool = True) -> RecoveryRate:
    """Customers with a resolved complaint who bought again within the window after it (seed 003:
    "resolve a complaint quickly and ~70% buy again"). `mature_only` counts only complaints
    resolved at least a whole window ago, so recent ones do not pull the rate down unfairly."""
    now = now or utcnow()
    days = settings.analytics.recovery_window_days
    source = (resolved if resolved is not None else resolved_complaints()).subquery("resolved")
    conditions = [source.c.resolved_at <= now]
    if mature_only:
        conditions = [source.c.resolved_at <= now - timedelta(days=days)]
    if session.get_bind().dialect.name == "postgresql":
        in_window = (Order.placed_at - source.c.resolved_at) <= timedelta(days=days)
    else:
        in_window = func.julianday(Order.placed_at) - func.julianday(source.c.resolved_at) <= days
    bought_again = exists(select(Order.id).where(
        Order.customer_id == source.c.customer_id, Order.amount > 0, Order.placed_at > source.c.resolved_at, in_window))
    recovered = select(source.c.customer_id).where(*conditions, bought_again)
    total = session.scalar(select(func.count(distinct(source.c.customer_id))).where(*conditions)) or 0
    won = session.scalar(select(func.count(distinct(recovered.subquery().c.customer_id)))) or 0
    return RecoveryRate(int(total), int(won), round(won / total, 4) if total else None)


@dataclass(frozen=True)
class ChurnRisk:
    customer_id: int
    orders: int
    usual_gap_days: float
    current_gap_days: float
    last_order_at: datetime


def churn_candidates(session: Session, settings: Settings, now: datetime | None = None) -> list[ChurnRisk]:
    """Gold-tier customers whose time since their last purchase is far beyond their own usual gap
    between purchases (seed 003, slide 28: watch gold customers whose pattern turns abnormal)."""
    now = now or utcnow()
    a = settings.analytics
    usual = f"({_days_between(session, 'MAX(o.placed_at)', 'MIN(o.placed_at)')} / (COUNT(*) - 1))"
    current = _days_between(session, ":now", "MAX(o.placed_at)")
    statement = text(f"""
        SELECT c.id, COUNT(*) AS orders, {usual} AS usual_gap, {current} AS current_gap, MAX(o.placed_at) AS last_order
        FROM customers c JOIN orders o ON o.customer_id = c.id AND o.amount > 0
        WHERE c.tier <= :gold
        GROUP BY c.id
        HAVING COUNT(*) >= :min_orders AND {current} >= :min_gap AND {current} > :factor * {usual}
        ORDER BY c.id
    """).bindparams(bindparam("now", type_=UTCDateTime())).columns(last_order=UTCDateTime())
    # the gaps are floats on SQLite and Decimals on PostgreSQL
    rows: Iterable[tuple[int, int, float | Decimal, float | Decimal, datetime]] = session.execute(
        statement, {"now": now, "gold": a.gold_max_tier, "min_orders": a.churn_min_orders,
                    "min_gap": a.churn_min_gap_days, "factor": a.churn_gap_factor})
    return [ChurnRisk(cid, int(n), round(float(Decimal(str(u))), 2), round(float(Decimal(str(g))), 2), last)
            for cid, n, u, g, last in rows]
