"""The shop API fed what real clients and attackers send: every class of bad value, in every field
of every body, in path parameters, query strings and headers, gets a 4xx naming the field (never a
500) and stores nothing; refunds never take back more than was paid for the order they name.
Each test runs on SQLite and PostgreSQL (through `db_url`), over real HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from models import ApiRequest, Order, PointsEntry
from tests.api.test_api import Api
from tests.commerce import add_customer, api_key

MARK = "\x01BAD\x01"  # stands where the raw bad JSON goes; json.dumps writes it as one string token
MARK_JSON = json.dumps(MARK)

# Each class of bad value, as raw JSON text (Python's json cannot write most of them).
BAD_VALUES = {
    "nul": '"a\\u0000b"',
    "lone_high_surrogate": '"\\ud800"',
    "lone_low_surrogate": '"ab\\udfffc"',
    "nan": "NaN",
    "infinity": "Infinity",
    "minus_infinity": "-Infinity",
    "overflowing_float": "1e400",
    "int_5000_digits": "9" * 5000,
    "int_2_63": str(2**63),
    "int_2_64": str(2**64),
    "int_below_minus_2_63": str(-(2**63) - 1),
    "object": '{"a": 1}',
    "list": "[1]",
    "boolean": "true",
    "key_with_nul": '{"a\\u0000": 1}',
    "nested_20": "[" * 20 + "]" * 20,
    "nested_100000": "[" * 100_000 + "]" * 100_000,
}


def _order(customer: Any = None, **fields: Any) -> dict[str, Any]:
    body = {"customer": customer or {"id": 1}, "amount": 1200, "idempotency_key": "k-1", "currency": "TWD",
            "placed_at": "2024-01-02T10:00:00+08:00",
            "items": [{"sku": "B-1", "name": "書", "quantity": 1, "unit_price": 600}]}
    return {**body, **fields}


def _item(**fields: Any) -> list[dict[str, Any]]:
    return [{"sku": "B-1", "name": "書", "quantity": 1, "unit_price": 600, **fields}]


# Each field of each body, with the bad value put in it (the rest of the body valid).
ORDER_FIELDS: dict[str, Callable[[], dict[str, Any]]] = {
    "customer.id": lambda: _order({"id": MARK}),
    "customer.email": lambda: _order({"email": MARK}),
    "customer.phone": lambda: _order({"phone": MARK}),
    "customer.channel": lambda: _order({"channel": MARK, "user_id": "U1"}),
    "customer.user_id": lambda: _order({"channel": "line", "user_id": MARK}),
    "amount": lambda: _order(amount=MARK),
    "currency": lambda: _order(currency=MARK),
    "placed_at": lambda: _order(placed_at=MARK),
    "idempotency_key": lambda: _order(idempotency_key=MARK),
    "refund_of": lambda: _order(amount=-100, refund_of=MARK),
    "items[0].sku": lambda: _order(items=_item(sku=MARK)),
    "items[0].name": lambda: _order(items=_item(name=MARK)),
    "items[0].quantity": lambda: _order(items=_item(quantity=MARK)),
    "items[0].unit_price": lambda: _order(items=_item(unit_price=MARK)),
    "items": lambda: _order(items=MARK),
    "customer": lambda: _order(MARK),
}
REDEEM_FIELDS: dict[str, Callable[[], dict[str, Any]]] = {
    name: (lambda name=name: {**{"code": "ABCDEFGHJK", "idempotency_key": "r-1", "order_ref": "rcpt-1", "customer_id": 1},
                              name: MARK})
    for name in ("code", "idempotency_key", "order_ref", "customer_id")
}
ENDPOINTS = {"/orders": ORDER_FIELDS, "/coupons/redeem": REDEEM_FIELDS}


@pytest.fixture
def pos(server, runtime) -> Api:
    return Api(server, api_key(runtime, "pos"))


def post_raw(api: Api, path: str, raw: str | bytes, **headers: Any) -> requests.Response:
    data = raw.encode() if isinstance(raw, str) else raw
    return requests.post(api.base + path, data=data, timeout=60,
                         headers=api.headers(**{"Content-Type": "application/json", **headers}))


def names(field: str, path: str) -> bool:
    """The error names `path` itself or a value inside it (`items[0].name`, `customer.id[0]`)."""
    return field == path or field.startswith((f"{path}.", f"{path}["))


def assert_nothing_stored(db) -> None:
    assert db.scalar(select(func.count()).select_from(Order)) == 0
    assert db.scalar(select(func.count()).select_from(ApiRequest)) == 0


@pytest.mark.parametrize("kind", sorted(BAD_VALUES))
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_each_class_of_bad_value_in_each_field_gets_422_naming_it(pos, runtime, db, endpoint, kind):
    add_customer(runtime)
    for path, template in ENDPOINTS[endpoint].items():
        raw = json.dumps(template(), ensure_ascii=False).replace(MARK_JSON, BAD_VALUES[kind])
        response = post_raw(pos, endpoint, raw)
        assert response.status_code == 422, (path, kind, response.status_code, response.text[:300])
        error = response.json()
        assert names(error["field"], path) and error["message"], (path, kind, error)
    assert_nothing_stored(db)


@pytest.mark.parametrize(("raw", "status", "field"), [
    ("{", 400, "body"),
    ("{\"amount\": 1,}", 400, "body"),
    (b"{\"customer\": {\"email\": \"\xff\xfe@b.co\"}}", 400, "body"),  # not UTF-8
    ("[" * 100_000 + "]" * 100_000, 422, "body"),
    ("[1, 2]", 422, "body"),
    ("\"just a string\"", 422, "body"),
    ("{\"customer\": {\"id\": 1}, \"x\\u0000\": 1}", 422, "x"),
    ("{\"" + "k" * 5000 + "\": 1}", 422, "k" * 100),
    ("{\"customer\": {\"id\": 1}, \"amount\": 5, \"idempotency_key\": \"k\\n\"}", 422, "idempotency_key"),
    ("{\"customer\": {\"id\": 1}, \"amount\": 5, \"idempotency_key\": \"k\", \"placed_at\": \"0001-01-01T00:00:00+14:00\"}",
     422, "placed_at"),
    ("{\"customer\": {\"id\": 1}, \"amount\": 5, \"idempotency_key\": \"k\", \"items\": [{\"name\": \"a\", \"quantity\": 2147483648}]}",
     422, "items[0].quantity"),
    ("{\"customer\": {\"id\": 2147483648}, \"amount\": 5, \"idempotency_key\": \"k\"}", 422, "customer.id"),
    ("{\"customer\": {\"phone\": \"０９１２３４５６７８\"}, \"amount\": 5, \"idempotency_key\": \"k\"}", 422, "customer.phone"),
])
def test_whole_bodies_that_cannot_be_read_or_stored(pos, runtime, db, raw, status, field):
    add_customer(runtime)
    response = post_raw(pos, "/orders", raw)
    assert response.status_code == status, response.text[:300]
    assert names(response.json()["field"], field), response.json()
    assert_nothing_stored(db)


@pytest.mark.parametrize("value", ["99999999999999999999", str(2**31), str(2**63), str(2**64), "9" * 5000, "0", "-1",
                                   "abc", "1.5", "%EF%BC%91%EF%BC%92", "1%00", "%00", "%ED%A0%80", "%201"])
def test_customer_ids_in_the_path_that_no_column_holds(pos, runtime, value):
    add_customer(runtime)
    response = requests.get(f"{pos.base}/customers/{value}", headers=pos.headers(), timeout=30)
    assert response.status_code == 422 and response.json()["field"] == "customer_id", (value, response.text[:300])


def test_the_largest_integer_id_is_only_not_found(pos, runtime):
    response = pos.get(f"/customers/{2**31 - 1}")
    assert response.status_code == 404 and names(response.json()["field"], "customer_id")


@pytest.mark.parametrize("code", ["ABC%00DEFGH", "%00", "A" * 10_000, "%ED%A0%80", "%EF%BF%BF" * 3, "AB%0ACD"])
def test_coupon_codes_in_the_path_that_no_coupon_has(pos, code):
    response = requests.get(f"{pos.base}/coupons/{code}", headers=pos.headers(), timeout=30)
    assert response.status_code == 422 and response.json()["field"] == "code", (code[:30], response.text[:300])


@pytest.mark.parametrize(("query", "status", "field"), [
    ("email=a%00b@example.com", 422, "email"),
    ("email=" + "a" * 10_000 + "@example.com", 422, "email"),
    ("email=a%0Ab@example.com", 422, "email"),
    ("phone=0912%00345678", 422, "phone"),
    ("phone=" + "1" * 5000, 422, "phone"),
    ("email=%ED%A0%80@example.com", 404, "query.email"),  # the server reads the bytes as U+FFFD: a storable, unknown address
    ("na%00me=x", 422, "na\x00me"),
])
def test_query_strings_with_nul_or_huge_values(pos, runtime, query, status, field):
    add_customer(runtime, email="a@example.com")
    response = requests.get(f"{pos.base}/customers?{query}", headers=pos.headers(), timeout=30)
    assert response.status_code == status and response.json()["field"] == field, (query[:40], response.text[:300])


@pytest.mark.parametrize("header", ["k" * 10_000, "a\x00b", "has space", "ключ".encode(), ""])
def test_bad_idempotency_key_headers(pos, runtime, db, header):
    customer = add_customer(runtime)
    body = {"customer": {"id": customer}, "amount": 100}
    response = requests.post(pos.base + "/orders", json=body, headers=pos.headers(**{"Idempotency-Key": header}), timeout=30)
    assert response.status_code == 422 and response.json()["field"] == "idempotency_key", response.text[:300]
    assert_nothing_stored(db)


@pytest.mark.parametrize("headers", [{"Authorization": "Bearer crm_\x00\x00_secret"}, {"X-API-Key": "crm_ab_" + "x" * 10_000},
                                     {"X-API-Key": "crm_\x00_x"}, {"Authorization": "Bearer " + "é".encode().decode("latin-1")}])
def test_malformed_api_keys_are_401(server, runtime, headers):
    customer = add_customer(runtime)
    response = requests.get(f"{server}/api/v1/customers/{customer}", headers=headers, timeout=30)
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"


# Refunds: a negative amount naming the purchase it takes back, never more than is left of it.

def buy(pos: Api, customer: int, amount: int | str, key: str, **extra: Any) -> requests.Response:
    return pos.post("/orders", {"customer": {"id": customer}, "amount": amount, "idempotency_key": key, **extra})


def test_refunds_never_exceed_what_was_paid_for_the_order(pos, runtime, db):
    customer, other = add_customer(runtime), add_customer(runtime)
    paid = buy(pos, customer, 1000, "p-1")
    assert paid.status_code == 201
    order = paid.json()["order"]["id"]
    others_order = buy(pos, other, 5000, "p-2").json()["order"]["id"]
    refused = [
        (buy(pos, customer, -1200, "r-1", refund_of=order), 422, "amount"),  # more than paid
        (buy(pos, customer, -100, "r-2"), 422, "refund_of"),  # no order named
        (buy(pos, customer, -100, "r-3", refund_of=others_order), 422, "refund_of"),
        (buy(pos, customer, -100, "r-4", refund_of=999_999), 404, "refund_of"),
        (buy(pos, customer, -100, "r-5", refund_of=2**31), 422, "refund_of"),
        (buy(pos, customer, -100, "r-6", refund_of="1"), 422, "refund_of"),
        (buy(pos, customer, 100, "r-7", refund_of=order), 422, "amount"),  # a purchase cannot refund
        (buy(pos, customer, -1e12, "r-8", refund_of=order), 422, "amount"),
        (buy(pos, customer, 1e12, "r-9"), 422, "amount"),
        (buy(pos, customer, "-1000000000000", "r-10", refund_of=order), 422, "amount"),
    ]
    for response, status, field in refused:
        assert (response.status_code, response.json()["field"]) == (status, field), response.text
    assert db.scalar(select(func.count()).select_from(Order)) == 2
    partial = buy(pos, customer, -400, "r-11", refund_of=order)
    assert partial.status_code == 201 and partial.json()["order"]["refund_of"] == order
    assert partial.json()["points_earned"] == -4
    over = buy(pos, customer, -700, "r-12", refund_of=order)
    assert over.status_code == 422 and over.json()["field"] == "amount" and "600.00" in over.json()["message"]
    refund_of_refund = buy(pos, customer, -1, "r-13", refund_of=partial.json()["order"]["id"])
    assert refund_of_refund.status_code == 422 and refund_of_refund.json()["field"] == "refund_of"
    assert buy(pos, customer, "-600.00", "r-14", refund_of=order).status_code == 201  # the rest, exactly
    assert buy(pos, customer, "-0.01", "r-15", refund_of=order).status_code == 422
    assert buy(pos, customer, -400, "r-11", refund_of=order).headers["Idempotent-Replayed"] == "true"
    amounts = db.all(select(Order.amount).where(Order.customer_id == customer).order_by(Order.id))
    assert [str(a) for a in amounts] == ["1000.00", "-400.00", "-600.00"]
    assert db.scalar(select(func.sum(PointsEntry.points)).where(PointsEntry.customer_id == customer)) == 0


def test_two_refunds_sent_at_once_cannot_exceed_the_order(pos, runtime, db):
    customer = add_customer(runtime)
    order = buy(pos, customer, 1000, "p-1").json()["order"]["id"]
    statuses: list[int] = []
    start = threading.Barrier(4)

    def refund(n: int) -> None:
        start.wait()
        statuses.append(buy(pos, customer, -400, f"r-{n}", refund_of=order).status_code)

    threads = [threading.Thread(target=refund, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 201, 422, 422]
    assert db.scalar(select(func.sum(Order.amount)).where(Order.refund_of_id == order)) == -800
