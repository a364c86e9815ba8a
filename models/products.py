"""The shop's catalogue and the lines of its orders.

Why order lines beside `orders.items`: the JSON items keep exactly what the shop sent (an unknown
SKU included), while one row per line lets segments ask "bought a book in category X" and later
analysis (customer value, recommendations) count quantities and prices per product with plain SQL
on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"zh-TW": "...", "en": "...", "zh-CN": "..."}
    category: Mapped[str | None] = mapped_column(String(100), index=True)
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    image_url: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OrderLine(Base):
    """One item of an order as the shop reported it; `known` is false when its SKU was not in the
    catalogue at the time (kept, and reported back, never refused)."""

    __tablename__ = "order_lines"
    __table_args__ = (Index("ix_order_lines_customer_sku", "customer_id", "sku"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    sku: Mapped[str | None] = mapped_column(String(100), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    known: Mapped[bool] = mapped_column(default=True)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)


class DemoRow(Base):
    """A row the demo generator made: `python -m bot demo --clear` deletes exactly these (the rows
    that hang off them go by their foreign keys' ON DELETE CASCADE), so real data is never touched."""

    __tablename__ = "demo_rows"

    table_name: Mapped[str] = mapped_column(String(50), primary_key=True)
    row_id: Mapped[int] = mapped_column(primary_key=True)


class ImportRun(Base):
    """One import started from the console: who, what, and its report once done (the CSV of the
    refused rows too, for the admin to download, fix and import again)."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # customers | orders
    dry_run: Mapped[bool] = mapped_column(default=False)
    filename: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | done | failed
    summary: Mapped[str | None] = mapped_column(Text)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)  # problems (the first 1,000) and notes
    bad_rows_csv: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("console_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # How far it is, while it runs: written every few thousand rows in a short transaction of its
    # own, so every web worker's progress page reads the same (see bot/console/import_views.py).
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int] = mapped_column(default=0)


class ExportRecord(Base):
    """The audit of an export: who took which customers out, when, and how many rows."""

    __tablename__ = "export_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_email: Mapped[str] = mapped_column(String(320))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="SET NULL"))
    what: Mapped[str] = mapped_column(String(300))  # the segment's name, or the search words
    target: Mapped[str] = mapped_column(String(20), default="csv")  # csv | line_audience
    rows: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
