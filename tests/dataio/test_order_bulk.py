"""The bulk path of `import orders` means what the row-by-row path (`record_order(quiet=True)`)
means: the same orders and lines, points (earned and the referrer's bonus), stamps and the stamp
card's reward, stages and tiers, and nobody messaged; and a second run records nothing.

Two identical shops live in one database (customers "row-…" and "bulk-…"); the same history is
imported into the first row by row and into the second in bulk, and every customer's effects are
compared pairwise. Both shops are read after both imports, so the bulk path's recompute of every
customer must also leave the row-by-row shop as it was."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.crm.imports.orders import import_orders
from bot.crm.imports.reading import read_table
from models import Coupon, Customer, Order, OrderLine, OutboxMessage, PointsEntry, Product, Stamp, TierChange
from tests.console.factories import add_customer

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)

# (customer, day of 2026, amount, items); customer 1 was referred by customer 0.
HISTORY = ([(0, day, "1000", "BK-1*2@500") for day in range(1, 13)]  # twelve stamps: one full card, tier moves up
           + [(1, 20, "500", "BK-1; ZZ-404*1@380"), (1, 21, "120", "")]  # a referred first purchase, an unknown SKU
           + [(2, 3, "50", ""), (2, 4, "99.99", "")]  # below the stamp minimum, fractions of a point
           + [(3, 5, "2500", "BK-1*5@500")] + [(4, day, "700", "") for day in range(1, 7)])


def history_csv(shop: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["external_id", "email", "placed_at", "amount", "items"])
    for n, (who, day, amount, items) in enumerate(HISTORY):
        writer.writerow([f"{shop}-{n}", f"{shop}-{who}@example.com", f"2026/{1 + day // 28}/{1 + day % 28} 10:00", amount, items])
    return out.getvalue().encode()


def shop_state(session, shop: str) -> list[tuple]:
    """Everything an order sets off, per customer of one shop, without ids (they differ)."""
    state = []
    for n in range(5):
        customer = session.scalar(select(Customer).where(Customer.email == f"{shop}-{n}@example.com"))
        cid = customer.id
        orders = sorted(map(tuple, session.execute(select(Order.amount, Order.placed_at, Order.items, Order.source)
                                        .where(Order.customer_id == cid)).all()), key=repr)
        lines = sorted(map(tuple, session.execute(select(OrderLine.sku, OrderLine.name, OrderLine.quantity, OrderLine.unit_price,
                                              OrderLine.known, OrderLine.placed_at).where(OrderLine.customer_id == cid)).all()), key=repr)
        points = sorted(map(tuple, session.execute(select(PointsEntry.kind, PointsEntry.points, PointsEntry.created_at, PointsEntry.expires_at)
                                        .where(PointsEntry.customer_id == cid)).all()), key=repr)
        stamps = session.scalar(select(func.count()).select_from(Stamp).where(Stamp.customer_id == cid, Stamp.order_id.is_not(None)))
        coupons = sorted(session.scalars(select(Coupon.source).where(Coupon.customer_id == cid)))
        state.append((orders, lines, points, stamps, coupons, customer.tier, customer.stage))
    return state


def import_history(runtime, shop: str, bulk: bool):
    with runtime.sessions.begin() as session:
        return import_orders(session, runtime.settings, read_table(history_csv(shop)), dry_run=False, now=NOW, bulk=bulk)


def test_bulk_and_row_by_row_record_the_same_history(runtime):
    with runtime.sessions.begin() as s:
        s.add(Product(sku="BK-1", name={"zh-TW": "書"}, category="文學小說"))
        for shop in ("row", "bulk"):
            first = add_customer(s, f"{shop} 0", email=f"{shop}-0@example.com")
            add_customer(s, f"{shop} 1", email=f"{shop}-1@example.com", referred_by_id=first.id)
            for n in range(2, 5):
                add_customer(s, f"{shop} {n}", email=f"{shop}-{n}@example.com")
    outbox_before = _count(runtime, OutboxMessage)
    row = import_history(runtime, "row", bulk=False)
    bulk = import_history(runtime, "bulk", bulk=True)
    assert (row.created, row.bad, bulk.created, bulk.bad) == (len(HISTORY), 0, len(HISTORY), 0)
    assert [n.text() for n in bulk.notes] == [n.text() for n in row.notes] and "ZZ-404" in row.notes[0].text()
    with runtime.sessions() as s:
        row_state, bulk_state = shop_state(s, "row"), shop_state(s, "bulk")
    assert bulk_state == row_state
    # the comparison is about something: points, a referral bonus, a stamp reward, a tier above 5, stages
    assert any(kind == "referral" for kind, *_ in row_state[0][2]) and row_state[0][4] == ["stamp-card:1"]
    assert row_state[0][5] < 5 and {s[6] for s in row_state} >= {"repeat", "advocate", "first_time_buyer"}
    assert _count(runtime, OutboxMessage) == outbox_before  # quiet: nobody messaged
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(TierChange).where(TierChange.notified_at.is_(None))) == 0

    again = import_history(runtime, "bulk", bulk=True)
    assert (again.created, again.unchanged) == (0, len(HISTORY))
    with runtime.sessions() as s:
        assert shop_state(s, "bulk") == bulk_state
    assert _count(runtime, Order) == 2 * len(HISTORY)


def _count(runtime, model) -> int:
    with runtime.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)))
