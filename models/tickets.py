"""Tickets: a conversation handed to people, with its SLA clocks and what happened to it.

Why deadlines are stored, not computed on read: the queue sorts on them and the SLA job finds
breaches with an indexed comparison; business hours and holidays are applied once, when the clock
starts (or restarts on a reopen).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, partial_index, utcnow

OPEN_STATUSES = ("open", "reopened")


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_first_due", "status", "first_response_due"),
        Index("ix_tickets_status_resolution_due", "status", "resolution_due"),
        # one live ticket per conversation: the bot apologises once, staff see one item
        partial_index("uq_tickets_one_open_per_conversation", "conversation_id", unique=True,
                      where="status IN ('open', 'reopened')"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    priority: Mapped[int]  # 1 urgent, 2 high, 3 normal
    category: Mapped[str] = mapped_column(String(30))  # complaint | human_request
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | resolved | reopened
    summary: Mapped[str | None] = mapped_column(Text)
    matched: Mapped[str | None] = mapped_column(String(200))  # the phrases that raised it, for staff
    opened_at: Mapped[datetime]
    first_response_due: Mapped[datetime]
    resolution_due: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    escalation_reason: Mapped[str | None] = mapped_column(String(50))
    first_response_breached_at: Mapped[datetime | None]
    resolution_breached_at: Mapped[datetime | None]
    assignee: Mapped[str | None] = mapped_column(String(100))
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    reopened: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
