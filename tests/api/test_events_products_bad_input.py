"""`POST /api/v1/events` and the products API fed what real clients and attackers send: every
class of bad value (NUL, lone surrogates, NaN, huge integers, wrong types, deep nesting) in every
field gets a 422 naming the field and stores nothing; odd but valid charsets are kept as sent;
huge bodies get 413; a repeated event id is answered once (idempotent), a reused id with another
body is refused. Over real HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from models import ApiRequest, JourneyEnrollment, Product
from tests.api.test_api import Api
from tests.api.test_api_bad_input import BAD_VALUES, MARK, MARK_JSON, names
from tests.commerce import add_customer, api_key

EVENT_FIELDS: dict[str, Callable[[int], dict[str, Any]]] = {
    "name": lambda c: {"customer": {"id": c}, "name": MARK, "idempotency_key": "e-1"},
    "customer": lambda c: {"customer": MARK, "name": "viewed", "idempotency_key": "e-1"},
    "customer.id": lambda c: {"customer": {"id": MARK}, "name": "viewed", "idempotency_key": "e-1"},
    "properties": lambda c: {"customer": {"id": c}, "name": "viewed", "properties": MARK, "idempotency_key": "e-1"},
    "properties.sku": lambda c: {"customer": {"id": c}, "name": "viewed", "properties": {"sku": MARK}, "idempotency_key": "e-1"},
    "idempotency_key": lambda c: {"customer": {"id": c}, "name": "viewed", "idempotency_key": MARK},
}
PRODUCT_FIELDS: dict[str, Callable[[], dict[str, Any]]] = {
    "name": lambda: {"name": MARK},
    "name.zh-TW": lambda: {"name": {"zh-TW": MARK}},
    "category": lambda: {"name": "書", "category": MARK},
    "price": lambda: {"name": "書", "price": MARK},
    "image_url": lambda: {"name": "書", "image_url": MARK},
    "active": lambda: {"name": "書", "active": MARK},
}
BULK_FIELDS: dict[str, Callable[[], dict[str, Any]]] = {
    "products": lambda: {"products": MARK, "idempotency_key": "b-1"},
    "products[0].sku": lambda: {"products": [{"sku": MARK, "name": "書"}], "idempotency_key": "b-1"},
    "products[0].name": lambda: {"products": [{"sku": "BK-1", "name": MARK}], "idempotency_key": "b-1"},
    "products[0].price": lambda: {"products": [{"sku": "BK-1", "name": "書", "price": MARK}], "idempotency_key": "b-1"},
}
# values a field may well hold for some kinds (a boolean is `active`'s type, an object is `name`'s, ...)
ALLOWED = {("active", "boolean"), ("name", "object"), ("customer", "object"), ("properties", "object"),
           ("properties.sku", "boolean")}


@pytest.fixture
def shop(server, runtime) -> Api:
    return Api(server, api_key(runtime, "pos"))


def send(api: Api, method: str, path: str, raw: str | bytes, **headers: str) -> requests.Response:
    data = raw.encode() if isinstance(raw, str) else raw
    return requests.request(method, api.base + path, data=data, timeout=60,
                            headers=api.headers(**{"Content-Type": "application/json", **headers}))


def nothing_stored(db) -> bool:
    return (db.scalar(select(func.count()).select_from(Product)) == 0
            and db.scalar(select(func.count()).select_from(ApiRequest)) == 0
            and db.scalar(select(func.count()).select_from(JourneyEnrollment)) == 0)


@pytest.mark.parametrize("kind", sorted(BAD_VALUES))
def test_each_bad_value_in_each_field_gets_422_naming_it(shop, runtime, db, kind):
    customer = add_customer(runtime)
    cases = [("POST", "/events", path, lambda t=t: t(customer)) for path, t in EVENT_FIELDS.items()]
    cases += [("PUT", "/products/BK-1", path, t) for path, t in PRODUCT_FIELDS.items()]
    cases += [("POST", "/products/bulk", path, t) for path, t in BULK_FIELDS.items()]
    for method, endpoint, path, template in cases:
        if (path.split("[")[0].split(".")[-1] if "." in path else path, kind) in ALLOWED or (path, kind) in ALLOWED:
            continue
        raw = json.dumps(template(), ensure_ascii=False).replace(MARK_JSON, BAD_VALUES[kind])
        response = send(shop, method, endpoint, raw)
        assert response.status_code == 422, (endpoint, path, kind, response.status_code, response.text[:300])
        assert names(response.json()["field"], path) and response.json()["message"], (endpoint, path, kind, response.json())
    assert nothing_stored(db)


@pytest.mark.parametrize(("method", "endpoint", "raw", "status", "field"), [
    ("POST", "/events", "{", 400, "body"),
    ("POST", "/events", b'{"name": "\xff"}', 400, "body"),
    ("POST", "/events", "[" * 50_000 + "]" * 50_000, 422, "body"),
    ("POST", "/events", '{"customer": {"id": 1}, "name": "v", "idempotency_key": "k", "properties": {"a": {"b": 1}}}', 422, "properties.a"),
    ("POST", "/events", '{"customer": {"id": 1}, "name": "v", "idempotency_key": "k", "properties": {"bad name": 1}}', 422, "properties"),
    ("POST", "/events", '{"customer": {"id": 1}, "name": "v", "idempotency_key": "k", "properties": {"name": "x"}}', 422, "properties.name"),
    ("POST", "/events", '{"customer": {"id": 1}, "name": "v", "idempotency_key": "k", "properties": {"key": "x"}}', 422, "properties.key"),
    ("POST", "/events", '{"customer": {"id": 1}, "name": "v", "idempotency_key": "k", "properties": {"s": "\\u0007bell"}}', 422, "properties.s"),
    ("POST", "/events", '{"customer": {"id": 1}, "name": "ｖｉｅｗｅｄ", "idempotency_key": "k"}', 422, "name"),
    ("POST", "/events", '{"customer": {"id": 1}, "name": "v", "idempotency_key": "k", "extra": 1}', 422, "extra"),
    ("PUT", "/products/BK-1", "[]", 422, "body"),
    ("PUT", "/products/BK-1", '{"name": {}}', 422, "name"),
    ("PUT", "/products/BK-1", '{"name": "書", "price": -1}', 422, "price"),
    ("PUT", "/products/BK-1", '{"name": "書", "image_url": "javascript:alert(1)"}', 422, "image_url"),
    ("PUT", "/products/BK%001", '{"name": "書"}', 422, "sku"),
    ("PUT", "/products/" + "A" * 500, '{"name": "書"}', 422, "sku"),
    ("POST", "/products/bulk", '{"products": [], "idempotency_key": "b"}', 422, "products"),
    ("POST", "/products/bulk", '{"products": [1], "idempotency_key": "b"}', 422, "products[0]"),
    ("POST", "/products/bulk", '{"products": [{"sku": "A", "name": "x"}, {"sku": "A", "name": "y"}], "idempotency_key": "b"}',
     422, "products[1].sku"),
])
def test_whole_bodies_and_paths_that_cannot_be_used(shop, runtime, db, method, endpoint, raw, status, field):
    add_customer(runtime)
    response = send(shop, method, endpoint, raw)
    assert response.status_code == status, response.text[:300]
    assert names(response.json()["field"], field), response.json()
    assert nothing_stored(db)


def test_a_huge_body_is_413_and_too_many_products_422(shop, runtime, db):
    huge = json.dumps({"name": "書", "category": "x" * (3 * 1024 * 1024)})
    assert send(shop, "PUT", "/products/BK-1", huge).status_code == 413
    many = json.dumps({"products": [{"sku": f"BK-{n}", "name": "書"} for n in range(1001)], "idempotency_key": "b"})
    answer = send(shop, "POST", "/products/bulk", many)
    assert answer.status_code == 422 and answer.json()["field"] == "products"
    assert nothing_stored(db)


def test_odd_but_valid_charsets_are_kept_as_sent(shop, runtime, db):
    customer = add_customer(runtime)
    name = {"zh-TW": "𠮷野家の本 ＡＢＣ 🍜", "en": "Zalgo z̴͖̈a̷l̶g̵o right-to-left \u202eabc"}
    assert send(shop, "PUT", "/products/BK-9", json.dumps({"name": name, "category": "童書"})).status_code == 201
    assert db.scalar(select(Product.name).where(Product.sku == "BK-9")) == name
    event = {"customer": {"id": customer}, "name": "viewed", "properties": {"title": "𠮷 🍜 \u202e", "n": 3}, "idempotency_key": "e-odd"}
    assert send(shop, "POST", "/events", json.dumps(event, ensure_ascii=False)).status_code == 202


def test_a_repeated_event_id_is_answered_once_and_a_reused_one_refused(shop, runtime, db):
    customer = add_customer(runtime)
    body = {"customer": {"id": customer}, "name": "viewed", "properties": {"sku": "BK-1"}}
    first = send(shop, "POST", "/events", json.dumps(body), **{"Idempotency-Key": "evt-7"})
    again = send(shop, "POST", "/events", json.dumps(body), **{"Idempotency-Key": "evt-7"})
    assert first.status_code == again.status_code == 202 and first.json() == again.json()
    other = send(shop, "POST", "/events", json.dumps({**body, "name": "bought"}), **{"Idempotency-Key": "evt-7"})
    assert other.status_code in (409, 422) and other.json()["field"] in ("idempotency_key", "Idempotency-Key")
    assert db.scalar(select(func.count()).select_from(ApiRequest)) == 1
