"""The catalogue over the shop API: PUT by SKU (created, then replaced), bulk with its idempotency
key, the checks that name the bad field, roles, and orders naming an unknown SKU (kept, reported)."""

from __future__ import annotations

import requests
from sqlalchemy import select

from models import OrderLine, Product
from tests.api.test_api import Api, order_body
from tests.commerce import add_customer, api_key


def put(api: Api, sku: str, body: object) -> requests.Response:
    return requests.put(f"{api.base}/products/{sku}", json=body, headers=api.headers(), timeout=30)


def test_put_creates_then_replaces_and_get_reads(server, runtime, db):
    pos = Api(server, api_key(runtime, "pos"))
    first = put(pos, "BK-0001", {"name": {"zh-TW": "小王子", "en": "The Little Prince"}, "category": "童書", "price": 280,
                                 "image_url": "https://shop.example/bk1.jpg"})
    assert first.status_code == 201 and first.json()["created"] is True
    assert first.json()["product"]["price"] == "280.00"
    again = put(pos, "BK-0001", {"name": "小王子（新版）", "category": "童書", "price": "300.5", "active": False})
    assert again.status_code == 200 and again.json()["created"] is False
    product = db.scalar(select(Product).where(Product.sku == "BK-0001"))
    assert product.name == {"zh-TW": "小王子（新版）"} and str(product.price) == "300.50" and product.active is False
    assert product.image_url is None  # a PUT replaces: what the body leaves out is gone
    readonly = Api(server, api_key(runtime, "readonly"))
    assert readonly.get("/products/BK-0001").json()["product"]["name"] == {"zh-TW": "小王子（新版）"}
    assert readonly.get("/products/NOPE").status_code == 404
    assert put(readonly, "BK-0002", {"name": "x"}).status_code == 403
    assert put(Api(server, None), "BK-0002", {"name": "x"}).status_code == 401


def test_bad_products_name_the_field(server, runtime, db):
    pos = Api(server, api_key(runtime, "pos"))
    cases = [
        ("BK-1", {"category": "x"}, "name"),
        ("BK-1", {"name": {"fr": "Le Petit Prince"}}, "name.fr"),
        ("BK-1", {"name": "x", "price": -5}, "price"),
        ("BK-1", {"name": "x", "price": "1.234"}, "price"),
        ("BK-1", {"name": "x", "image_url": "javascript:alert(1)"}, "image_url"),
        ("BK-1", {"name": "x", "active": "yes"}, "active"),
        ("BK-1", {"name": "x", "colour": "red"}, "colour"),
        ("BK-1", {"name": "x\u0000"}, "name"),
        ("%E6%9B%B8", {"name": "x"}, "sku"),
        ("B" * 101, {"name": "x"}, "sku"),
    ]
    for sku, body, field in cases:
        response = put(pos, sku, body)
        assert response.status_code == 422, (sku, body, response.text)
        assert response.json()["field"].startswith(field) or response.json()["field"] == field, response.json()
    assert db.scalar(select(Product.id)) is None


def test_bulk_is_all_or_nothing_and_replays(server, runtime, db):
    pos = Api(server, api_key(runtime, "pos"))
    good = [{"sku": f"BK-{n:04d}", "name": {"zh-TW": f"書 {n}"}, "category": "文學", "price": 100 + n} for n in range(30)]
    bad = pos.post("/products/bulk", {"products": [*good, {"sku": "BK-0001", "name": "dup"}], "idempotency_key": "sync-1"})
    assert bad.status_code == 422 and bad.json()["field"] == "products[30].sku"
    assert db.scalar(select(Product.id)) is None
    ok = pos.post("/products/bulk", {"products": good, "idempotency_key": "sync-1"})
    assert ok.status_code == 200 and ok.json() == {"created": 30, "updated": 0}
    replay = pos.post("/products/bulk", {"products": good, "idempotency_key": "sync-1"})
    assert replay.json() == {"created": 30, "updated": 0} and replay.headers.get("Idempotent-Replayed") == "true"
    second = pos.post("/products/bulk", {"products": good[:5], "idempotency_key": "sync-2"})
    assert second.json() == {"created": 0, "updated": 5}
    assert len(db.all(select(Product))) == 30
    too_many = pos.post("/products/bulk", {"products": [good[0]] * 1001, "idempotency_key": "sync-3"})
    assert too_many.status_code == 422 and too_many.json()["field"] == "products"


def test_order_with_unknown_sku_is_kept_and_reported(server, runtime, db):
    pos = Api(server, api_key(runtime, "pos"))
    put(pos, "B-1", {"name": "已知的書", "category": "文學", "price": 300})
    customer = add_customer(runtime)
    body = order_body({"id": customer}, amount=900)
    body["items"] = [{"sku": "B-1", "quantity": 1, "unit_price": 300}, {"sku": "B-978", "name": "海邊的卡夫卡", "quantity": 2,
                                                                          "unit_price": 300}]
    response = pos.post("/orders", body)
    assert response.status_code == 201 and response.json()["unknown_skus"] == ["B-978"]
    lines = db.all(select(OrderLine).order_by(OrderLine.id))
    assert [(line.sku, line.quantity, str(line.unit_price), line.known) for line in lines] == [
        ("B-1", 1, "300.00", True), ("B-978", 2, "300.00", False)]
    put(pos, "B-978", {"name": "海邊的卡夫卡", "category": "文學"})  # the catalogue catches up
    assert all(line.known for line in db.all(select(OrderLine)))
