"""The product catalogue in the console: everyone who reads customers sees it; admins add and edit.

Why admins only may edit: the catalogue usually comes from the shop's own systems (API, import);
a hand edit overrides them, which is an administrator's decision."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.console import security
from bot.console.base import current_language
from bot.console.i18n import gettext as _
from bot.console.views import FormErrors, form_text, page_number, reading, runtime, writing
from bot.crm import products as catalogue
from models import Product

products = Blueprint("products", __name__)
PAGE_SIZE = 100


@products.get("/products")
@security.allow("customers.read")
def index(errors: FormErrors | None = None, status: int = 200) -> Any:
    search, category = (request.args.get("q") or "").strip()[:100], (request.args.get("category") or "").strip()[:100]
    page = page_number()
    with reading() as db:
        total, rows = catalogue.list_products(db, search=search, category=category, limit=PAGE_SIZE,
                                              offset=(page - 1) * PAGE_SIZE)
        categories = catalogue.categories(db)
        unknown = catalogue.unknown_skus(db, limit=20)
    names = {p.sku: catalogue.display_name(p, current_language(), runtime().settings.app.default_language) for p in rows}
    return render_template("console/products.html", products=rows, names=names, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), q=search, category=category, categories=categories,
                           unknown=unknown, name_languages=catalogue.NAME_LANGUAGES, errors=errors or {},
                           form=request.form), status


@products.post("/products")
@security.allow("admin")
def save() -> Any:
    data, errors = _checked_form()
    if data is None:
        return index(errors, 400)
    with writing() as db:
        _product, created = catalogue.save_product(db, data)
    flash(_("Product {sku} added.", sku=data.sku) if created else _("Product {sku} saved.", sku=data.sku))
    return redirect(url_for("products.index", q=data.sku))


@products.get("/products/<sku>")
@security.allow("customers.read")
def show(sku: str) -> Any:
    with reading() as db:
        product = db.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        abort(404, "no such product")
    return render_template("console/product.html", product=product, name_languages=catalogue.NAME_LANGUAGES, errors={})


def _checked_form() -> tuple[catalogue.ProductData | None, FormErrors]:
    """The add / edit form, checked with the catalogue's own rules (the same as the API's)."""
    errors = FormErrors()
    sku = form_text("sku", 200)
    if not catalogue.valid_sku(sku):
        errors.add("sku", "SKU: 1-100 letters, digits or signs, without spaces or slashes")
    names = {lang: form_text(f"name_{lang}", catalogue.MAX_NAME) for lang in catalogue.NAME_LANGUAGES}
    if not any(names.values()):
        errors.add("name_zh-TW", "required")
    price_text = form_text("price", 30)
    price: Decimal | None = None
    if price_text:
        try:
            price = Decimal(price_text.replace(",", ""))
        except InvalidOperation:
            price = None
        if price is None or not price.is_finite() or price < 0 or price != price.quantize(Decimal("0.01")) or price > Decimal("9999999999.99"):
            errors.add("price", "a price in NT$, e.g. 380 or 99.5")
            price = None
    image_url = form_text("image_url", 600) or None
    if image_url and not catalogue.valid_image_url(image_url):
        errors.add("image_url", "an http:// or https:// address")
    if errors:
        return None, errors
    return catalogue.ProductData(sku=sku, name=names, category=form_text("category", catalogue.MAX_CATEGORY) or None,
                                 price=price, image_url=image_url, active=request.form.get("active") == "on"), errors
