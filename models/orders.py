"""Purchases, as reported by the shop's systems or recorded by staff. The source of RFM, tiers,
points and the lifecycle stage, so rows are never edited: a refund is a negative order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_customer_placed", "customer_id", "placed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="TWD")
    items: Mapped[list[Any]] = mapped_column(default=list)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(50), default="api")
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    # The purchase a refund (negative amount) takes back, so refunds never exceed what was paid.
    refund_of_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
