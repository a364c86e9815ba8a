"""Coupon templates, the coupons issued from them, and each redemption.

Why `uses` is a counter on the coupon and redemptions are rows: a redemption is one conditional
UPDATE (`uses < max_uses AND not expired`), which the database makes atomic on both SQLite and
PostgreSQL, and the redemption row's unique request key makes a replayed request count once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, partial_index, utcnow


class CouponTemplate(Base):
    """A kind of coupon. Rows come from `[[coupon_templates]]` in config (synced at start-up) or,
    later, from the console; a template is never deleted while coupons point at it."""

    __tablename__ = "coupon_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    name: Mapped[dict[str, Any]] = mapped_column(default=dict)
    item: Mapped[dict[str, Any]] = mapped_column(default=dict)
    validity_days: Mapped[int]
    max_uses: Mapped[int] = mapped_column(default=1)
    per_customer_limit: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    origin: Mapped[str] = mapped_column(String(20), default="config")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Coupon(Base):
    """One coupon held by one customer. What it gives is copied from the template at issue, so a
    later change to the template does not change coupons already in customers' hands."""

    __tablename__ = "coupons"
    __table_args__ = (
        Index("ix_coupons_customer_template", "customer_id", "template_id"),
        partial_index("ix_coupons_reminder_due", "expires_at", where="reminder_sent_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("coupon_templates.id", ondelete="RESTRICT"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    source: Mapped[str] = mapped_column(String(100))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    max_uses: Mapped[int] = mapped_column(default=1)
    uses: Mapped[int] = mapped_column(default=0)
    voided_at: Mapped[datetime | None]
    reminder_sent_at: Mapped[datetime | None]

    template: Mapped[CouponTemplate] = relationship(lazy="joined")


class CouponRedemption(Base):
    """One use of a coupon at a till or e-shop. `request_key` is the caller's id for the attempt."""

    __tablename__ = "coupon_redemptions"
    __table_args__ = (UniqueConstraint("coupon_id", "request_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"))
    request_key: Mapped[str] = mapped_column(String(100))
    order_ref: Mapped[str | None] = mapped_column(String(100))
    redeemed_by: Mapped[str] = mapped_column(String(100))
    redeemed_at: Mapped[datetime] = mapped_column(default=utcnow)
