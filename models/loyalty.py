"""The points ledger, stamps, and the record of tier changes.

Why a ledger and no balance column: a balance that is updated in place loses awards when two
updates race and cannot say where points came from. Rows are only ever inserted; the balance is
their SUM, so 1,000 concurrent awards are 1,000 inserts and the sum is exact.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, partial_index, utcnow

# earn: a purchase; referral: the referred customer's first purchase; campaign: a marketing action;
# spend: redeemed by the customer; expire: earned points past their validity; refund: a returned purchase;
# adjustment: staff corrected the balance by hand (the note says why and who).
POINT_KINDS = ("earn", "referral", "campaign", "spend", "expire", "refund", "adjustment")


class PointsEntry(Base):
    __tablename__ = "points_ledger"
    __table_args__ = (Index("ix_points_ledger_customer_created", "customer_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    points: Mapped[int]
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]


class Stamp(Base):
    """One stamp on the customer's card; every `stamp_card_size` stamps complete a card."""

    __tablename__ = "stamps"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), unique=True)
    source: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TierChange(Base):
    """A customer moved between value tiers. Moves up are congratulated once (`notified_at`)."""

    __tablename__ = "tier_changes"
    __table_args__ = (
        partial_index("ix_tier_changes_unnotified", "id", where="notified_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    old_tier: Mapped[int]
    new_tier: Mapped[int]
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_at: Mapped[datetime | None]
    notice: Mapped[str | None] = mapped_column(String(20))
