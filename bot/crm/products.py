"""The product catalogue: saving a product by its SKU, and what a customer bought.

Why the catalogue is keyed by the shop's SKU and not our id: the shop's systems (POS, e-shop,
spreadsheet) know products only by SKU, so a PUT by SKU is naturally idempotent and an order's
items can name products the catalogue does not know yet (kept, flagged, and matched later).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, cast, func, select, update
from sqlalchemy.orm import Session

from models import Order, OrderLine, Product, utcnow

NAME_LANGUAGES = ("zh-TW", "en", "zh-CN")
MAX_SKU = 100
MAX_CATEGORY = 100
MAX_NAME = 200
MAX_IMAGE_URL = 500
SKU_RULE = "1-100 printable ASCII characters without spaces or slashes, e.g. BK-0001"
_SKU = re.compile(r"[\x21-\x2e\x30-\x7e]{1,100}")


def valid_sku(value: str) -> bool:
    """The one rule for a SKU, wherever it comes from (API path, import, console)."""
    return bool(_SKU.fullmatch(value))


def valid_image_url(value: str) -> bool:
    """Only http(s) addresses: the console shows the image, and a `javascript:` URL must never get there."""
    return len(value) <= MAX_IMAGE_URL and value.startswith(("https://", "http://")) and not any(c.isspace() for c in value)


@dataclass(frozen=True)
class ProductData:
    """A product as a shop system, the console or an import describes it (already checked)."""

    sku: str
    name: Mapping[str, str]
    category: str | None = None
    price: Decimal | None = None
    image_url: str | None = None
    active: bool = True


def save_product(session: Session, data: ProductData, now: datetime | None = None) -> tuple[Product, bool]:
    """Create or replace the product with this SKU; returns it and whether it is new.

    Order lines recorded before the product existed become `known` now, so "categories bought"
    counts them from here on."""
    now = now or utcnow()
    product = session.scalar(select(Product).where(Product.sku == data.sku))
    created = product is None
    if product is None:
        product = Product(sku=data.sku, created_at=now)
        session.add(product)
    product.name = {lang: text for lang, text in data.name.items() if text}
    product.category, product.price, product.image_url, product.active = data.category, data.price, data.image_url, data.active
    product.updated_at = now
    session.flush()
    if created:
        session.execute(update(OrderLine).where(OrderLine.sku == data.sku, OrderLine.known.is_(False)).values(known=True))
    return product, created


def display_name(product: Product, language: str, default: str = "zh-TW") -> str:
    """The product's name in `language`, else the shop's default language, else any, else its SKU."""
    names = product.name or {}
    return str(names.get(language) or names.get(default) or next(iter(names.values()), None) or product.sku)


def record_lines(session: Session, order: Order) -> list[str]:
    """One order line per item of `order`; returns the SKUs the catalogue does not know (in order,
    once each), which the caller reports back instead of refusing the order."""
    skus = {str(item["sku"]) for item in order.items or [] if isinstance(item, Mapping) and item.get("sku")}
    known = set(session.scalars(select(Product.sku).where(Product.sku.in_(skus)))) if skus else set()
    lines, unknown = line_rows(order.items, known)
    for line in lines:
        session.add(OrderLine(order_id=order.id, customer_id=order.customer_id, placed_at=order.placed_at, **line))
    return unknown


def line_rows(items: list[Any] | None, known: set[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """The order lines of an order's items (without the order's id, customer and time), and the
    SKUs among them that are not in `known`: one rule for `record_lines` and the bulk import."""
    lines: list[dict[str, Any]] = []
    unknown: list[str] = []
    for item in items or []:
        if not isinstance(item, Mapping):
            continue
        sku = str(item["sku"]) if item.get("sku") else None
        if sku is not None and sku not in known and sku not in unknown:
            unknown.append(sku)
        price = item.get("unit_price")
        lines.append({"sku": sku, "name": item.get("name"), "quantity": int(item.get("quantity") or 1),
                      "unit_price": Decimal(str(price)) if price is not None else None,
                      "known": sku is None or sku in known})
    return lines, unknown


@dataclass(frozen=True)
class BoughtItem:
    sku: str | None
    name: str
    category: str | None
    quantity: int
    spent: Decimal | None
    last: datetime


def bought_items(session: Session, customer_id: int, language: str, default: str = "zh-TW",
                 limit: int = 50) -> list[BoughtItem]:
    """What a customer bought, one row per product (or per unnamed item), most recent first."""
    key = func.coalesce(OrderLine.sku, OrderLine.name)
    rows = session.execute(
        select(key, func.max(OrderLine.name), func.sum(OrderLine.quantity),
               func.sum(OrderLine.quantity * OrderLine.unit_price), func.max(OrderLine.placed_at), func.max(OrderLine.sku))
        .where(OrderLine.customer_id == customer_id).group_by(key).order_by(func.max(OrderLine.placed_at).desc()).limit(limit)).all()
    skus = {row[5] for row in rows if row[5]}
    products = {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(skus)))} if skus else {}
    result = []
    for _key, name, quantity, spent, last, sku in rows:
        product = products.get(sku) if sku else None
        label = display_name(product, language, default) if product else (name or sku or "?")
        last_at = last if isinstance(last, datetime) else datetime.fromisoformat(str(last))
        result.append(BoughtItem(sku, label, product.category if product else None, int(quantity or 0),
                                 Decimal(spent) if spent is not None else None, last_at))
    return result


def categories(session: Session) -> list[str]:
    """Every category in the catalogue, for the segment form's choices."""
    return [c for c in session.scalars(select(Product.category).where(Product.category.is_not(None)).distinct()
                                       .order_by(Product.category)) if c]


def list_products(session: Session, *, search: str = "", category: str = "", limit: int = 200,
                  offset: int = 0) -> tuple[int, list[Product]]:
    """Products matching a SKU / name search and a category, by SKU; with the total count."""
    query = select(Product)
    if category:
        query = query.where(Product.category == category)
    if search:
        like = f"%{search.lower()}%"
        query = query.where(func.lower(Product.sku).like(like) | func.lower(cast(Product.name, Text)).like(like))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return int(total), list(session.scalars(query.order_by(Product.sku).limit(limit).offset(offset)))


def unknown_skus(session: Session, limit: int = 100) -> list[tuple[str, int]]:
    """SKUs that orders named but the catalogue does not have, with how many lines name them."""
    rows = session.execute(select(OrderLine.sku, func.count()).where(OrderLine.known.is_(False), OrderLine.sku.is_not(None))
                           .group_by(OrderLine.sku).order_by(func.count().desc()).limit(limit)).all()
    return [(str(sku), int(n)) for sku, n in rows]
