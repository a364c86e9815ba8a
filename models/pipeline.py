"""The durable inbox and outbox, and named leases.

Why rows and leases: a webhook only has to insert an inbox row to be safe, a worker that dies
loses nothing (its lease expires and another takes the row), and unique keys make a redelivered
event or a retried send harmless.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, partial_index, utcnow


class InboxEvent(Base):
    """One event from a platform, stored before the webhook answers."""

    __tablename__ = "inbox_events"
    __table_args__ = (
        UniqueConstraint("channel", "event_id"),
        partial_index("ix_inbox_events_pending", "lane_key", "occurred_at", where="status = 'pending'"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(200))
    lane_key: Mapped[str] = mapped_column(String(250))
    kind: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None]


class InboxLane(Base):
    """The lease on one conversation's events: one worker at a time, so they run in order."""

    __tablename__ = "inbox_lanes"

    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """One request to a platform: up to five messages to one address (or one multicast chunk).

    `status`: pending -> sent | failed; a broadcast's rows may also be `paused` (the delivery job
    only takes pending rows) or `cancelled`."""

    __tablename__ = "outbox"
    __table_args__ = (
        partial_index("ix_outbox_due", "next_attempt_at", where="status = 'pending'"),
        partial_index("ix_outbox_address_pending", "channel", "address", "id", where="status = 'pending'"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(250))
    recipients: Mapped[list[Any] | None]
    messages: Mapped[list[Any]]
    purpose: Mapped[str] = mapped_column(String(20), default="reply")
    customer_id: Mapped[int | None] = mapped_column(index=True)
    conversation_id: Mapped[int | None] = mapped_column(index=True)
    broadcast_id: Mapped[int | None] = mapped_column(index=True)  # marketing rows: pause / cancel / progress
    reply_token: Mapped[str | None] = mapped_column(String(200))
    reply_token_expires_at: Mapped[datetime | None]
    reply_attempted: Mapped[bool] = mapped_column(default=False)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]
    transport: Mapped[str | None] = mapped_column(String(20))
    platform_ids: Mapped[list[Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class Lease(Base):
    """A named lock with an expiry, e.g. the scheduler's leadership."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    owner: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime]
