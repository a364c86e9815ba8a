"""Refunds typed in the console's purchase form obey the shop API's rule (bot.crm.orders.check_refund),
over real HTTP on both databases: a refund names one of the customer's purchases, never takes back
more than is left of it, and moves points and stamps exactly as an API refund does."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.crm import loyalty
from models import Order
from tests.api.test_api import Api
from tests.commerce import add_customer, api_key


def record(staff: Any, customer: int, amount: str, refund_of: int | str = "") -> Any:
    """Submit the purchase form as the page renders it (with a fresh idempotency key)."""
    page = staff.get(f"/console/customers/{customer}").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    return staff.post(f"/console/customers/{customer}/purchases",
                      {"amount": amount, "items": "書", "idempotency_key": key, "refund_of": str(refund_of)})


def purchase_id(db: Any, customer: int) -> int:
    return db.scalar(select(Order.id).where(Order.customer_id == customer, Order.amount > 0).order_by(Order.id.desc()))


def orders_of(db: Any, customer: int) -> list[str]:
    return [str(a) for a in db.all(select(Order.amount).where(Order.customer_id == customer).order_by(Order.id))]


def points_and_stamps(runtime: Any, customer: int) -> tuple[int, int]:
    with runtime.sessions() as session:
        return loyalty.balance(session, customer), loyalty.stamp_count(session, customer)


def test_the_form_offers_the_customers_purchases_with_what_is_left(console, runtime, db):
    customer, other = add_customer(runtime), add_customer(runtime)
    staff = console("staff")
    assert record(staff, customer, "1000").status_code == 200
    assert record(staff, other, "5000").status_code == 200
    order = purchase_id(db, customer)
    page = staff.get(f"/console/customers/{customer}").text
    assert f'<option value="{order}">#{order} · ' in page and "NT$1000.00 · 尚可退 NT$1000.00" in page
    assert f'<option value="{purchase_id(db, other)}"' not in page  # another customer's order is not offered
    assert record(staff, customer, "-1000", order).status_code == 200
    page = staff.get(f"/console/customers/{customer}").text
    assert f'<option value="{order}"' not in page  # nothing left to refund
    assert f"退訂單 #{order}" in page  # the refund says what it took back


def test_a_refund_over_what_is_left_is_refused_on_the_field_and_nothing_stored(console, runtime, db):
    customer = add_customer(runtime)
    staff = console("staff")
    record(staff, customer, "1000")
    order = purchase_id(db, customer)
    assert record(staff, customer, "-400", order).status_code == 200
    over = record(staff, customer, "-700", order)
    assert over.status_code == 400 and 'id="error-amount"' in over.text
    assert "退款金額超過這筆消費尚可退的 NT$600.00。" in over.text
    assert f'<option value="{order}" selected>' in over.text  # the form keeps the staff member's choice
    assert orders_of(db, customer) == ["1000.00", "-400.00"]
    assert record(staff, customer, "-600.00", order).status_code == 200  # the rest, exactly
    assert record(staff, customer, "-0.01", order).status_code == 400
    assert orders_of(db, customer) == ["1000.00", "-400.00", "-600.00"]


def test_a_partial_refund_is_stored_and_adjusts_points_and_stamps_like_an_api_refund(console, server, runtime, db):
    by_console, by_api = add_customer(runtime), add_customer(runtime)
    staff = console("staff")
    record(staff, by_console, "1000")
    order = purchase_id(db, by_console)
    before = points_and_stamps(runtime, by_console)
    done = record(staff, by_console, "-400", order)
    assert done.status_code == 200 and "已記錄退款 NT$400。" in done.text
    refund = db.scalar(select(Order).where(Order.customer_id == by_console, Order.amount < 0))
    assert refund.refund_of_id == order and str(refund.amount) == "-400.00" and refund.source == "console"

    pos = Api(server, api_key(runtime, "pos"))
    bought = pos.post("/orders", {"customer": {"id": by_api}, "amount": 1000, "idempotency_key": "p-1"}).json()
    refunded = pos.post("/orders", {"customer": {"id": by_api}, "amount": -400, "idempotency_key": "r-1",
                                    "refund_of": bought["order"]["id"]})
    assert refunded.status_code == 201, refunded.text
    after = points_and_stamps(runtime, by_console)
    assert after == points_and_stamps(runtime, by_api) and after[0] == before[0] - 4 and after[1] == before[1]


def test_a_refund_of_another_customers_order_is_refused(console, runtime, db):
    customer, other = add_customer(runtime), add_customer(runtime)
    staff = console("staff")
    record(staff, other, "5000")
    others_order = purchase_id(db, other)
    refused = record(staff, customer, "-100", others_order)
    assert refused.status_code == 400 and 'id="error-refund_of"' in refused.text and "這筆消費屬於其他顧客。" in refused.text
    assert db.scalar(select(func.count()).select_from(Order)) == 1


def test_a_negative_amount_without_a_purchase_and_other_bad_choices_are_refused(console, runtime, db):
    customer = add_customer(runtime)
    staff = console("staff")
    record(staff, customer, "1000")
    order = purchase_id(db, customer)
    cases = [
        ("-100", "", "refund_of", "退款（負數金額）必須選擇要退的原消費。"),
        ("-100", "abc", "refund_of", "請從清單選擇要退的原消費。"),
        ("-100", 2**31, "refund_of", "請從清單選擇要退的原消費。"),
        ("-100", 999_999, "refund_of", "找不到這筆消費。"),
        ("100", order, "amount", "只有退款（負數金額）才選擇原消費"),
    ]
    for amount, refund_of, field, text in cases:
        refused = record(staff, customer, amount, refund_of)
        assert refused.status_code == 400 and f'id="error-{field}"' in refused.text and text in refused.text, (amount, refund_of)
    record(staff, customer, "-100", order)
    refund = db.scalar(select(Order.id).where(Order.amount < 0))
    of_refund = record(staff, customer, "-1", refund)
    assert of_refund.status_code == 400 and "這筆訂單本身就是退款。" in of_refund.text
    assert orders_of(db, customer) == ["1000.00", "-100.00"]


def test_older_purchases_are_found_by_page_and_by_order_number(console, runtime, db):
    """More than a page of purchases: the oldest is on the second page and found by its number
    ("#id", a full-width "＃" too); another customer's order, a refunded one or junk finds nothing."""
    customer, other = add_customer(runtime), add_customer(runtime)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with runtime.sessions.begin() as session:
        for n in range(35):
            session.add(Order(customer_id=customer, amount=100 + n, placed_at=start + timedelta(days=n), items=[]))
        session.add(Order(customer_id=other, amount=999, placed_at=start, items=[]))
    oldest = db.scalar(select(func.min(Order.id)).where(Order.customer_id == customer))
    foreign = db.scalar(select(Order.id).where(Order.customer_id == other))
    staff = console("staff")
    first = staff.get(f"/console/customers/{customer}").text
    assert f'<option value="{oldest}"' not in first and 'id="refund-older"' in first and 'id="refund-newer"' not in first
    second = staff.get(f"/console/customers/{customer}?refund_page=1").text
    assert f'<option value="{oldest}"' in second and 'id="refund-older"' not in second and 'id="refund-newer"' in second
    assert second.count("<option value=") - 1 == 5  # 35 purchases: 30, then 5 (and "none")
    for typed in (f"#{oldest}", f"＃{oldest}", f" {oldest} "):
        found = staff.get(f"/console/customers/{customer}", params={"refund_find": typed}).text
        assert re.search(rf'<option value="{oldest}" selected>', found), typed
    for junk in (f"#{foreign}", "abc", "\x00", "9" * 40, "-1"):
        page = staff.get(f"/console/customers/{customer}", params={"refund_find": junk})
        assert page.status_code == 200 and 'id="refund-not-found"' in page.text, junk
    assert record(staff, customer, "-100", oldest).status_code == 200  # refunded from the page it was found on
    refunded = staff.get(f"/console/customers/{customer}", params={"refund_find": f"#{oldest}"}).text
    assert 'id="refund-not-found"' in refunded
    assert staff.get(f"/console/customers/{customer}", params={"refund_page": "-5"}).status_code == 200
    assert staff.get(f"/console/customers/{customer}", params={"refund_page": "99999999999999999999"}).status_code == 200
