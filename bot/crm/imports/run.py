"""One entry for both imports and both surfaces (the command line and the console's upload page):
read the file, pick the importer, and return its report; plus the template files."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm.imports.columns import CUSTOMER_COLUMNS, ORDER_COLUMNS, PRODUCT_COLUMNS, template_header
from bot.crm.imports.customers import import_customers
from bot.crm.imports.orders import import_orders
from bot.crm.imports.products import import_products
from bot.crm.imports.reading import ReadError, read_table
from bot.crm.imports.report import Progress, Report

KINDS = ("customers", "orders", "products")
MAX_BYTES = 200 * 1024 * 1024  # 100,000 customers are about 15 MB; far more is the wrong file

__all__ = ["KINDS", "MAX_BYTES", "ReadError", "Report", "run_import", "template_csv"]


def run_import(session: Session, settings: Settings, kind: str, data: bytes, *, dry_run: bool, now: datetime,
               progress: Progress | None = None) -> Report:
    """Import `data` (the file's bytes) as `kind`; raises ReadError when the file cannot be read at all."""
    if kind not in KINDS:
        raise ReadError("unknown import {kind}: customers, orders or products", kind=kind)
    if len(data) > MAX_BYTES:
        raise ReadError("the file is larger than {size} MB; split it", size=MAX_BYTES // (1024 * 1024))
    table = read_table(data)
    importers: dict[str, Callable[..., Report]] = {"customers": import_customers, "orders": import_orders,
                                                   "products": import_products}
    importer = importers[kind]
    return importer(session, settings, table, dry_run=dry_run, now=now, progress=progress)


def template_csv(kind: str) -> str:
    """An empty file with the documented header (UTF-8 with a BOM, so Excel opens it right)."""
    out = io.StringIO()
    columns = {"customers": CUSTOMER_COLUMNS, "orders": ORDER_COLUMNS, "products": PRODUCT_COLUMNS}[kind]
    csv.writer(out).writerow(template_header(columns))
    return "\ufeff" + out.getvalue()
