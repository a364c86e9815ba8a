"""`import orders`: the shop's order history, each row recorded through `bot.crm.orders.record_order`
(the one entry for orders: points, stamps, stage and tier follow), quietly (nobody is messaged
about a purchase of last year), once: the external id is the order's idempotency key, so the same
file twice records nothing new.

Large files (BULK_FROM rows and more) take the bulk path of `order_bulk`: the same effects,
written in chunks and recomputed set-based afterwards, since row by row a million orders would
take an hour. Small files go row by row, where each order's problem is reported on its line.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm import products
from bot.crm.imports import values
from bot.crm.imports.columns import ORDER_COLUMNS, cell_of, map_header
from bot.crm.imports.customers import Existing, Row, report_conflict
from bot.crm.imports.order_bulk import NewOrder, existing_keys, write_orders
from bot.crm.imports.reading import Table
from bot.crm.imports.report import Progress, Report
from bot.crm.orders import OrderError, record_order
from models import Order

REFERENCES = ("email", "phone", "member_code")
KEY_PREFIX = "import:"


def order_key(external_id: str) -> str:
    return f"{KEY_PREFIX}{external_id}"[:100]


BULK_FROM = 2000  # rows; below this, row by row is quick enough and reports any refusal on its line


def import_orders(session: Session, settings: Settings, table: Table, *, dry_run: bool, now: datetime,
                  progress: Progress | None = None, bulk: bool | None = None) -> Report:
    """Check every row, then record the good ones (`bulk`: None chooses by the file's size)."""
    report = Report("orders", dry_run, encoding=table.encoding, rows=len(table.rows), header=table.header)
    mapping = map_header(table.header, ORDER_COLUMNS)
    for name in mapping.unknown:
        report.note("column not imported: {name}", name=name)
    missing = [c.name for c in ORDER_COLUMNS if c.required and c.name not in mapping.index]
    if missing or not set(REFERENCES) & set(mapping.index):
        report.fail(0, "header", "the header needs external_id, placed_at, amount and one of email, phone, member_code; "
                    "missing: {columns}", columns=", ".join(missing or REFERENCES))
        return report
    zone = ZoneInfo(settings.app.timezone)
    existing = Existing.load(session)
    seen: dict[str, int] = {}
    total = len(table.rows)
    unknown_skus: set[str] = set()
    if bulk if bulk is not None else total >= BULK_FROM:
        accepted = []
        for done, (line, cells) in enumerate(table.rows, 1):
            checked = _check(line, cells, mapping.index, zone, now, existing, seen, report)
            if checked is not None:
                seen[checked[0]] = line
                accepted.append(NewOrder(order_key(checked[0]), *checked[1:]))
            if progress and done % 10000 == 0:  # checking is the first half of the work
                progress(done // 2, total)
        recorded = existing_keys(session, [order.key for order in accepted])
        fresh = [order for order in accepted if order.key not in recorded]
        report.unchanged += len(accepted) - len(fresh)
        report.created += len(fresh)
        if not dry_run:
            unknown_skus.update(write_orders(session, settings, fresh, now, progress=lambda written: progress(
                total // 2 + written * (total - total // 2) // max(len(fresh), 1), total) if progress else None))
    else:
        _row_by_row(session, settings, table, mapping.index, zone, now, existing, seen, report, dry_run, unknown_skus, progress)
    if unknown_skus:
        report.note("{count} SKUs are not in the catalogue (kept on the orders): {skus}", count=len(unknown_skus),
                    skus=", ".join(sorted(unknown_skus)[:20]))
    if progress:
        progress(total, total)
    return report


def _row_by_row(session: Session, settings: Settings, table: Table, index: dict[str, int], zone: ZoneInfo, now: datetime,
                existing: Existing, seen: dict[str, int], report: Report, dry_run: bool, unknown_skus: set[str],
                progress: Progress | None) -> None:
    """Each good row through `record_order(quiet=True)`, in a savepoint of its own."""
    total = len(table.rows)
    for done, (line, cells) in enumerate(table.rows, 1):
        checked = _check(line, cells, index, zone, now, existing, seen, report)
        if checked is not None:
            external, customer_id, placed_at, amount, items = checked
            seen[external] = line
            if session.scalar(select(Order.id).where(Order.idempotency_key == order_key(external))) is not None:
                report.unchanged += 1
            elif dry_run:
                report.created += 1
            else:
                try:
                    with session.begin_nested():
                        outcome = record_order(session, settings, customer_id, amount=amount, items=items,
                                               placed_at=placed_at, source="import", idempotency_key=order_key(external),
                                               now=now, quiet=True)
                    unknown_skus.update(outcome.unknown_skus)
                    report.created += 1
                except OrderError as exc:
                    report.fail(line, exc.field or "row", "not recorded ({reason})", cells, reason=exc.reason)
        if progress and done % 100 == 0:
            progress(done, total)


def _check(line: int, cells: list[str], index: dict[str, int], zone: ZoneInfo, now: datetime, existing: Existing,
           seen: dict[str, int], report: Report) -> tuple[str, int, datetime, Decimal, list[dict[str, Any]]] | None:
    """One row checked: (external id, customer id, time, amount, items), or None with its problems reported."""
    before = len(report.problems)

    def cell(name: str) -> str:
        return cell_of(cells, index, name)

    def fail(column: str, message: str, **params: Any) -> None:
        report.fail(line, column, message, cells, **params)

    external = values.clean(cell("external_id"))[:90]
    if not external:
        fail("external_id", "is required")
    elif external in seen:
        fail("external_id", "duplicate of line {other}", other=seen[external])
    row = Row(line, cells)
    for name, parse in (("email", values.parse_email), ("phone", values.parse_phone),
                        ("member_code", lambda c: values.parse_text(c, 50))):
        if values.clean(cell(name)):
            try:
                row.keys[name] = parse(cell(name))
            except values.CellError as error:
                fail(name, error.message, **error.params)
    placed_at = amount = None
    try:
        day, (hour, minute, second) = values.parse_moment(cell("placed_at"))
        placed_at = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=zone)
        if placed_at > now:
            fail("placed_at", "is in the future")
    except values.CellError as error:
        fail("placed_at", error.message, **error.params)
    try:
        amount = values.parse_amount(cell("amount"))
        if amount < 0:
            fail("amount", "a refund is not imported: record it in the console or through the API, with the order it refunds")
    except values.CellError as error:
        fail("amount", error.message, **error.params)
    items: list[dict[str, Any]] = []
    try:
        items = values.parse_items(cell("items"), products.valid_sku)
    except values.CellError as error:
        fail("items", error.message, **error.params)
    found = existing.matches(row)
    if len(report.problems) == before:
        if not row.keys:
            fail("email", "no customer reference: give the customer's email, phone or member code")
        elif not found:
            key = next(iter(row.keys))
            fail(key, "no customer has this {key}; import the customers first", key=key)
        elif len(found) > 1:
            report_conflict(report, line, cells, found)
    if len(report.problems) != before or placed_at is None or amount is None:
        return None
    return external, next(iter(found)), placed_at, amount, items
