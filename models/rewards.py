"""Rewards customers buy with points, and each redemption of one (what it cost, the coupon it gave)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Reward(Base):
    """`stock` counts down with each redemption (None: unlimited); it is only ever changed by a
    conditional UPDATE, so the last item goes to exactly one customer."""

    __tablename__ = "rewards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[dict[str, Any]] = mapped_column(default=dict)
    points: Mapped[int]
    coupon_template: Mapped[str] = mapped_column(String(40))
    per_customer_limit: Mapped[int] = mapped_column(default=0)
    stock: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    origin: Mapped[str] = mapped_column(String(20), default="config")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RewardRedemption(Base):
    """One confirmed redemption; its `idempotency_key` (a chat confirmation, an API request) makes
    a second press of the same confirmation find this row instead of spending again."""

    __tablename__ = "reward_redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    coupon_id: Mapped[int | None] = mapped_column(ForeignKey("coupons.id", ondelete="SET NULL"))
    points: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
