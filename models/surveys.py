"""Satisfaction surveys (CSAT 1-5): asked after a resolved ticket or an order, answered per customer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Survey(Base):
    """One question about one ticket or order. `base_at` is when the thing happened; the send job
    adds the configured delay, so scheduling needs no settings (the shop API can call it)."""

    __tablename__ = "surveys"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id"),
        Index("ix_surveys_status_base", "status", "base_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # ticket | order
    subject_id: Mapped[int]
    channel: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(250))
    status: Mapped[str] = mapped_column(String(20), default="scheduled")  # scheduled | sent | answered | no_channel | unreachable | skipped
    base_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    score: Mapped[int | None]
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
