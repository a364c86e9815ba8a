"""Customer-care reports: CSAT over time, SLA compliance, and the complaint recovery rate; each a
header and rows like bot/marketing/reports.py's (the page draws them, the CSV is the same rows).

Definitions, so the numbers can be checked by hand:
- CSAT: answered surveys per month of the answer; "satisfied" is a 4 or 5 (of 1-5).
- SLA compliance, per month a ticket was opened: a clock is *met* when it was stopped (first staff
  reply; resolution) no later than its deadline, *missed* when stopped late or still running past
  it; clocks still running before their deadline are not counted yet.
- Recovery (crm-domain section 2: ~70% of customers whose complaint is resolved quickly buy
  again): customers with a complaint resolved in the month, and how many placed an order (amount
  > 0) within `[analytics] recovery_window_days` after that resolution. Customers whose window is
  still open and who have not bought yet are shown apart: they may still come back. The last row
  is bot.crm.analytics.complaint_recovery_rate, over complaints whose window is over.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.config import Settings
from bot.crm.analytics import complaint_recovery_rate
from bot.marketing.reports import Table, month_index, month_label
from models import Order, Survey, Ticket, utcnow

RANK = {"lost": 0, "waiting": 1, "recovered": 2}


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _average(value: object) -> float | None:
    return round(float(value), 2) if value is not None else None  # type: ignore[arg-type]


def csat(session: Session, zone: ZoneInfo, months: int = 12) -> Table:
    month = month_index(session, zone, Survey.answered_at).label("mi")
    ticket, order = Survey.kind == "ticket", Survey.kind == "order"
    rows = session.execute(
        select(month, func.count(), func.avg(Survey.score), func.count().filter(Survey.score >= 4),
               func.count().filter(ticket), func.avg(Survey.score).filter(ticket),
               func.count().filter(order), func.avg(Survey.score).filter(order))
        .where(Survey.score.is_not(None), Survey.answered_at.is_not(None)).group_by(month).order_by(month)).all()
    return Table(["month", "answers", "average score", "satisfied % (4-5)", "after tickets", "tickets' average",
                  "after orders", "orders' average"],
                 [[month_label(int(r[0])), int(r[1]), _average(r[2]), _percent(int(r[3]), int(r[1])), int(r[4]), _average(r[5]),
                   int(r[6]), _average(r[7])] for r in rows[-months:]])


def sla_compliance(session: Session, zone: ZoneInfo, now: datetime | None = None, months: int = 12) -> Table:
    now = now or utcnow()
    month = month_index(session, zone, Ticket.opened_at).label("mi")

    def met(stopped: InstrumentedAttribute[datetime | None], due: InstrumentedAttribute[datetime]) -> ColumnElement[bool]:
        return and_(stopped.is_not(None), stopped <= due)

    def missed(stopped: InstrumentedAttribute[datetime | None], due: InstrumentedAttribute[datetime]) -> ColumnElement[bool]:
        return or_(and_(stopped.is_not(None), stopped > due), and_(stopped.is_(None), due <= now))

    first, resolution = (Ticket.first_response_at, Ticket.first_response_due), (Ticket.resolved_at, Ticket.resolution_due)
    rows = session.execute(
        select(month, func.count(), func.count().filter(met(*first)), func.count().filter(missed(*first)),
               func.count().filter(met(*resolution)), func.count().filter(missed(*resolution)),
               func.count().filter(Ticket.escalated_at.is_not(None)))
        .group_by(month).order_by(month)).all()
    table = []
    for r in rows[-months:]:
        first_met, first_missed, resolved_met, resolved_missed = (int(n) for n in r[2:6])
        table.append([month_label(int(r[0])), int(r[1]), first_met, first_missed, _percent(first_met, first_met + first_missed),
                      resolved_met, resolved_missed, _percent(resolved_met, resolved_met + resolved_missed), int(r[6])])
    return Table(["month", "tickets", "first response met", "first response missed", "first response on time %",
                  "resolution met", "resolution missed", "resolved on time %", "escalated"], table)


def complaint_recovery(session: Session, settings: Settings, now: datetime | None = None, months: int = 12) -> Table:
    """Per month of resolution, and a last row with bot.crm.analytics' rate over every complaint whose
    window is over (the figure the rest of the product quotes; a customer counts once there)."""
    now = now or utcnow()
    zone = ZoneInfo(settings.app.timezone)
    days = settings.analytics.recovery_window_days
    window = timedelta(days=days)
    next_order = func.min(Order.placed_at)
    rows = session.execute(
        select(Ticket.customer_id, Ticket.resolved_at, next_order)
        .outerjoin(Order, and_(Order.customer_id == Ticket.customer_id, Order.placed_at > Ticket.resolved_at, Order.amount > 0))
        .where(Ticket.category == "complaint", Ticket.resolved_at.is_not(None), Ticket.customer_id.is_not(None))
        .group_by(Ticket.id, Ticket.customer_id, Ticket.resolved_at)).all()
    # per (month, customer): recovered if any complaint resolved that month was followed by a purchase in time
    outcome: dict[tuple[int, int], str] = {}
    for customer_id, resolved_at, bought_at in rows:
        assert customer_id is not None and resolved_at is not None  # the WHERE excludes both NULLs
        local = resolved_at.astimezone(zone)
        key = (local.year * 12 + local.month - 1, customer_id)
        if bought_at is not None and bought_at - resolved_at <= window:
            state = "recovered"
        elif resolved_at + window > now:
            state = "waiting"
        else:
            state = "lost"
        previous = outcome.get(key)
        if previous is None or RANK[state] > RANK[previous]:
            outcome[key] = state
    per_month: dict[int, list[int]] = {}
    for (index, _customer), state in outcome.items():
        counts = per_month.setdefault(index, [0, 0, 0])
        counts[0] += 1
        counts[1] += state == "recovered"
        counts[2] += state == "waiting"
    table: list[list[object]] = [[month_label(index), n, recovered, waiting, _percent(recovered, n)]
                                 for index, (n, recovered, waiting) in sorted(per_month.items())[-months:]]
    if table:
        overall = complaint_recovery_rate(session, settings, now)
        table.append([f"all, resolved over {days} days ago", overall.resolved_customers, overall.recovered_customers, 0,
                      _percent(overall.recovered_customers, overall.resolved_customers)])
    return Table(["month resolved", "customers with a resolved complaint", f"bought again within {days} days",
                  "window still open", "recovery rate %"], table)
