"""`PUT /api/v1/products/{sku}`, `POST /api/v1/products/bulk`, `GET /api/v1/products/{sku}`: the
shop's catalogue, fed by its own systems.

Why PUT by SKU: the shop's systems know products by SKU, and a PUT replaces the product with what
it says, so a retry is harmless without an idempotency key. The bulk form is a POST of many
products at once (a nightly catalogue sync) and takes an idempotency key like every other write.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request
from sqlalchemy import select

from bot.api import validation as check
from bot.api.blueprint import Call, Result, api, endpoint, idempotent, json_body
from bot.api.errors import ApiError, invalid
from bot.api.serialize import iso, money
from bot.crm import products
from bot.crm.value.reads import related_products
from models import Product, utcnow

FIELDS = {"name", "category", "price", "image_url", "active"}
BULK_FIELDS = {"products", "idempotency_key"}
MAX_BULK = 1000


def product_json(product: Product) -> dict[str, Any]:
    return {"sku": product.sku, "name": dict(product.name or {}), "category": product.category,
            "price": money(product.price) if product.price is not None else None, "image_url": product.image_url,
            "active": product.active, "updated_at": iso(product.updated_at)}


def _sku(value: Any, path: str) -> str:
    if not isinstance(value, str) or not products.valid_sku(value):
        raise invalid(path, f"must be a SKU: {products.SKU_RULE}")
    return value


def product_data(sku: str, body: Mapping[str, Any], prefix: str = "") -> products.ProductData:
    """Check one product's fields (`prefix` names its place in a bulk body)."""
    check.unknown_fields(body, FIELDS | ({"sku"} if prefix else set()), prefix=prefix)
    raw_name = body.get("name")
    if isinstance(raw_name, str):
        raw_name = {"zh-TW": raw_name}
    if not isinstance(raw_name, Mapping) or not raw_name:
        raise invalid(f"{prefix}name", "is required: an object of names by language, e.g. {\"zh-TW\": \"...\", \"en\": \"...\"}")
    check.unknown_fields(raw_name, set(products.NAME_LANGUAGES), prefix=f"{prefix}name.")
    name = {lang: check.text(raw_name, lang, max_length=products.MAX_NAME, path=f"{prefix}name.{lang}") or ""
            for lang in raw_name}
    category = check.text(body, "category", max_length=products.MAX_CATEGORY, path=f"{prefix}category")
    price = check.amount(body, "price", allow_negative=False, path=f"{prefix}price") if body.get("price") is not None else None
    image_url = check.text(body, "image_url", max_length=products.MAX_IMAGE_URL, path=f"{prefix}image_url")
    if image_url is not None and not products.valid_image_url(image_url):
        raise invalid(f"{prefix}image_url", "must be an http:// or https:// address without spaces")
    active = body.get("active", True)
    if not isinstance(active, bool):
        raise invalid(f"{prefix}active", "must be true or false")
    return products.ProductData(sku=sku, name=name, category=category, price=price, image_url=image_url, active=active)


@api.put("/products/<sku>")
@endpoint("products:write")
def put_product(call: Call, sku: str) -> Result:
    data = product_data(_sku(sku, "sku"), check.body_object(json_body()))
    product, created = products.save_product(call.session, data, utcnow())
    return (201 if created else 200), {"product": product_json(product), "created": created}


@api.get("/products/<sku>")
@endpoint("read")
def get_product(call: Call, sku: str) -> Result:
    found = call.session.scalar(select(Product).where(Product.sku == _sku(sku, "sku")))
    if found is None:
        raise ApiError(404, "product_not_found", "no product has this SKU", field="sku")
    return 200, {"product": product_json(found)}


@api.get("/products/<sku>/related")
@endpoint("read")
def get_related(call: Call, sku: str) -> Result:
    """Bought together with this product, highest lift first; empty before the nightly run."""
    sku = _sku(sku, "sku")
    related = [{"sku": pair.related_sku, "together": pair.together, "lift": round(pair.lift, 3),
                "product": product_json(product) if product is not None else None}
               for pair, product in related_products(call.session, sku)]
    return 200, {"sku": sku, "related": related}


@api.post("/products/bulk")
@endpoint("products:write")
def bulk_products(call: Call) -> Result:
    body, key = check.keyed_body(json_body(), BULK_FIELDS, request.headers.get("Idempotency-Key"))
    raw = body.get("products")
    if not isinstance(raw, list) or not raw:
        raise invalid("products", "is required: a list of products, each with sku and name")
    if len(raw) > MAX_BULK:
        raise invalid("products", f"must have at most {MAX_BULK} entries; send the catalogue in several requests")
    checked: dict[str, products.ProductData] = {}
    for index, entry in enumerate(raw):
        path = f"products[{index}]"
        if not isinstance(entry, Mapping):
            raise invalid(path, "must be an object")
        sku = _sku(entry.get("sku"), f"{path}.sku")
        if sku in checked:
            raise invalid(f"{path}.sku", f"repeats the SKU {sku!r} of an earlier entry")
        checked[sku] = product_data(sku, entry, prefix=f"{path}.")

    def work() -> Result:
        now = utcnow()
        created = sum(products.save_product(call.session, data, now)[1] for data in checked.values())
        return 200, {"created": created, "updated": len(checked) - created}

    return idempotent(call, "products_bulk", key, body, work)
