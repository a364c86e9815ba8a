"""The catalogue in the console (everyone reads, admins edit, CSRF), what a customer bought on
their page, and the segment criterion "categories bought" on both databases."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from bot.crm import orders, products
from bot.marketing.segments import parse_criteria, segment_query
from models import Product, utcnow
from tests.console.factories import add_customer


def _catalogue(runtime) -> None:
    with runtime.sessions.begin() as s:
        products.save_product(s, products.ProductData("BK-1", {"zh-TW": "小王子", "en": "The Little Prince"}, "童書", Decimal(280)))
        products.save_product(s, products.ProductData("EV-1", {"zh-TW": "詩歌朗讀會"}, "活動", Decimal(150)))


def _buy(runtime, customer_id: int, *items: dict) -> None:
    with runtime.sessions.begin() as s:
        total = sum(Decimal(i["unit_price"]) * i["quantity"] for i in items)
        orders.record_order(s, runtime.settings, customer_id, amount=total, items=list(items), placed_at=utcnow(), source="test")


def test_everyone_reads_admins_edit(console, runtime, db):
    _catalogue(runtime)
    for role in ("staff", "marketer", "admin"):
        page = console(role).get("/console/products")
        assert page.status_code == 200 and "小王子" in page.text and "詩歌朗讀會" in page.text
        assert ('id="product-form"' in page.text) == (role == "admin")
    marketer = console("marketer")
    refused = marketer.post("/console/products", {"sku": "BK-2", "name_zh-TW": "x"})
    assert refused.status_code == 403 and db.scalar(select(Product).where(Product.sku == "BK-2")) is None
    admin = console("admin")
    assert admin.post("/console/products", {"sku": "BK-2", "name_zh-TW": "x"}, csrf=False).status_code in (400, 403)
    bad = admin.post("/console/products", {"sku": "BK 2", "name_zh-TW": "", "price": "12.345", "image_url": "javascript:x"})
    assert bad.status_code == 400
    assert {"error-sku", "error-name_zh-TW", "error-price", "error-image_url"} <= set(_error_ids(bad.text))
    saved = admin.post("/console/products", {"sku": "BK-2", "name_zh-TW": "<b>夜</b>", "category": "文學", "price": "399",
                                             "active": "on"})
    assert saved.status_code == 200 and "&lt;b&gt;夜&lt;/b&gt;" in saved.text
    product = db.scalar(select(Product).where(Product.sku == "BK-2"))
    assert product.price == Decimal("399.00") and product.category == "文學" and product.active
    assert "BK-2" in admin.get("/console/products/BK-2").text and admin.get("/console/products/NONE").status_code == 404


def _error_ids(html: str) -> list[str]:
    return re.findall(r'id="(error-[^"]+)"', html)


def test_customer_page_shows_what_they_bought(console, runtime):
    _catalogue(runtime)
    with runtime.sessions.begin() as s:
        customer = add_customer(s, "Reader").id
    _buy(runtime, customer, {"sku": "BK-1", "quantity": 2, "unit_price": "280"}, {"sku": "ZZ-9", "name": "舊書", "quantity": 1,
                                                                                  "unit_price": "50"})
    page = console("staff").get(f"/console/customers/{customer}").text
    assert "買過的商品" in page and "小王子 (BK-1) · 童書 · ×2" in page and "舊書 (ZZ-9) · 不在商品目錄中 · ×1" in page


def test_segment_by_categories_bought(runtime):
    _catalogue(runtime)
    with runtime.sessions.begin() as s:
        kid, poet, none = (add_customer(s, name).id for name in ("Kid", "Poet", "Nobody"))
    _buy(runtime, kid, {"sku": "BK-1", "quantity": 1, "unit_price": "280"})
    _buy(runtime, poet, {"sku": "EV-1", "quantity": 1, "unit_price": "150"}, {"sku": "BK-1", "quantity": 1, "unit_price": "280"})
    criteria, errors = parse_criteria(MultiDict({"categories": "活動， 童書"}))
    assert not errors and criteria == {"categories": ["活動", "童書"]}
    with runtime.sessions() as s:
        assert sorted(s.scalars(segment_query(s, {"categories": ["童書"]}))) == sorted([kid, poet])
        assert list(s.scalars(segment_query(s, {"categories": ["活動"]}))) == [poet]
        assert none in list(s.scalars(segment_query(s, {})))
        assert list(s.scalars(segment_query(s, {"categories": ["沒有這類"]}))) == []
