"""`import products`: the catalogue from a spreadsheet, saved by SKU through `bot.crm.products`
(the same rules as the shop API and the console), so a second import of the same file changes
nothing and a changed row replaces the product."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm import products
from bot.crm.imports import values
from bot.crm.imports.columns import PRODUCT_COLUMNS, cell_of, map_header
from bot.crm.imports.reading import Table
from bot.crm.imports.report import Progress, Report
from models import Product

NAME_COLUMNS = {"zh-TW": "name_zh_tw", "en": "name_en", "zh-CN": "name_zh_cn"}


def import_products(session: Session, settings: Settings, table: Table, *, dry_run: bool, now: datetime,
                    progress: Progress | None = None) -> Report:
    report = Report("products", dry_run, encoding=table.encoding, rows=len(table.rows), header=table.header)
    mapping = map_header(table.header, PRODUCT_COLUMNS)
    for name in mapping.unknown:
        report.note("column not imported: {name}", name=name)
    if "sku" not in mapping.index:
        report.fail(0, "header", "the header needs a sku column (and a name)")
        return report
    current = {p.sku: p for p in session.scalars(select(Product))}
    seen: dict[str, int] = {}
    for done, (line, cells) in enumerate(table.rows, 1):
        data = _check(line, cells, mapping.index, seen, report)
        if data is not None:
            seen[data.sku] = line
            old = current.get(data.sku)
            same = old is not None and (old.name, old.category, old.price, old.image_url, old.active) == (
                {k: v for k, v in data.name.items() if v}, data.category, data.price, data.image_url, data.active)
            if same:
                report.unchanged += 1
            else:
                report.created += old is None
                report.updated += old is not None
                if not dry_run:
                    products.save_product(session, data, now)
        if progress and done % 500 == 0:
            progress(done, len(table.rows))
    return report


def _check(line: int, cells: list[str], index: dict[str, int], seen: dict[str, int],
           report: Report) -> products.ProductData | None:
    before = len(report.problems)

    def cell(name: str) -> str:
        return values.clean(cell_of(cells, index, name))

    def fail(column: str, message: str, **params: object) -> None:
        report.fail(line, column, message, cells, **params)

    sku = cell("sku")
    if not products.valid_sku(sku):
        fail("sku", "not a SKU: 1-100 letters, digits or signs, without spaces or slashes")
    elif sku in seen:
        fail("sku", "duplicate of line {other}", other=seen[sku])
    names = {lang: cell(column)[:products.MAX_NAME] for lang, column in NAME_COLUMNS.items()}
    if not any(names.values()):
        fail("name_zh_tw", "is required")
    price: Decimal | None = None
    if cell("price"):
        try:
            price = values.parse_amount(cell("price"))
            if price < 0:
                fail("price", "not an amount of money (e.g. 1200 or 99.5)")
        except values.CellError as error:
            fail("price", error.message, **error.params)
    image_url = cell("image_url") or None
    if image_url and not products.valid_image_url(image_url):
        fail("image_url", "not an http:// or https:// address")
    active = True
    if cell("active"):
        try:
            active = values.parse_yes_no(cell("active"))
        except values.CellError as error:
            fail("active", error.message, **error.params)
    if len(report.problems) != before:
        return None
    return products.ProductData(sku=sku, name=names, category=cell("category")[:products.MAX_CATEGORY] or None, price=price,
                                image_url=image_url, active=active)
