"""record_purchase: one order per idempotency key, clear refusals, order hooks in the same transaction;
and the staff form that uses it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.console.purchases import PurchaseError, record_purchase
from bot.crm import hooks
from models import Customer, Order


def customer_id(runtime) -> int:
    with runtime.sessions.begin() as session:
        customer = Customer(display_name="Mei")
        session.add(customer)
        session.flush()
        return customer.id


def test_one_order_per_key_and_hooks_run(runtime):
    cid = customer_id(runtime)
    seen = []

    def hook(event: hooks.OrderPlaced) -> None:
        seen.append(event.order.id)

    hooks.on_order(hook)
    try:
        with runtime.sessions.begin() as session:
            order, created = record_purchase(session, runtime.settings, cid, "1,250.50", ["book"], "console", "k-1")
            assert created and order.amount == Decimal("1250.50")
        with runtime.sessions.begin() as session:
            again, created = record_purchase(session, runtime.settings, cid, "1250.5", ["book"], "console", "k-1")
            assert not created and again.id == order.id
    finally:
        hooks.remove_order_callback(hook)
    assert seen == [order.id]
    with runtime.sessions.begin() as session:
        with pytest.raises(PurchaseError, match="already used"):
            record_purchase(session, runtime.settings, cid, "99", [], "console", "k-1")


@pytest.mark.parametrize(("amount", "field", "message"), [
    ("abc", "amount", "not a number"), ("0", "amount", "zero"), ("1.234", "amount", "two decimal"), ("1e30", "amount", "range"),
])
def test_bad_amounts_are_refused_with_the_reason(runtime, amount, field, message):
    cid = customer_id(runtime)
    with runtime.sessions.begin() as session, pytest.raises(PurchaseError, match=message) as caught:
        record_purchase(session, runtime.settings, cid, amount, [], "console", None)
    assert caught.value.field == field


def test_unknown_customer_and_a_failing_hook_leave_nothing(runtime, db):
    with runtime.sessions.begin() as session, pytest.raises(PurchaseError, match="no customer"):
        record_purchase(session, runtime.settings, 999, "10", [], "console", None)
    cid = customer_id(runtime)

    def broken(event: hooks.OrderPlaced) -> None:
        raise RuntimeError("points engine down")

    hooks.on_order(broken)
    try:
        with pytest.raises(RuntimeError), runtime.sessions.begin() as session:
            record_purchase(session, runtime.settings, cid, "10", [], "console", "k-2")
    finally:
        hooks.remove_order_callback(broken)
    assert db.all(select(Order)) == []  # the order rolled back with the hook


def test_staff_records_a_purchase_once_even_when_submitted_twice(console, runtime, db):
    cid = customer_id(runtime)
    staff = console("staff")
    page = staff.get(f"/console/customers/{cid}").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    form = {"amount": "480", "items": "小說, 筆記本", "idempotency_key": key}
    first = staff.post(f"/console/customers/{cid}/purchases", form)
    second = staff.post(f"/console/customers/{cid}/purchases", form)
    assert first.status_code == second.status_code == 200
    orders = db.all(select(Order))
    assert len(orders) == 1 and orders[0].items == ["小說", "筆記本"] and orders[0].source == "console"
    assert "480" in second.text
    bad = staff.post(f"/console/customers/{cid}/purchases", {"amount": "lots"})
    assert bad.status_code == 400 and 'id="error-amount"' in bad.text and "lots" in bad.text
    when = staff.post(f"/console/customers/{cid}/purchases", {"amount": "5", "placed_at": "yesterday"})
    assert when.status_code == 400 and 'id="error-placed_at"' in when.text
    assert len(db.all(select(Order))) == 1


def test_a_console_purchase_earns_points_like_an_api_order(runtime):
    from sqlalchemy import func, select

    from models import PointsEntry

    cid = customer_id(runtime)
    with runtime.sessions.begin() as session:
        record_purchase(session, runtime.settings, cid, "500", ["book"], "console", "k-points")
    with runtime.sessions() as session:
        earned = session.scalar(select(func.sum(PointsEntry.points)).where(PointsEntry.customer_id == cid))
    assert earned is not None and earned > 0
