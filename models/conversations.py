"""Conversations, the messages in them, and where each customer is in a dialogue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Conversation(Base):
    """One chat on one channel: a 1:1 chat with a customer, or a group or room the bot is in."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "address"), Index("ix_conversations_handled_by_last", "handled_by", "last_message_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="user")
    handled_by: Mapped[str] = mapped_column(String(20), default="bot")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    """A message in or out, with the platform's ids so unsend and delivery can find it."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    platform_message_id: Mapped[str | None] = mapped_column(String(100), index=True)
    inbox_event_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_events.id", ondelete="SET NULL"))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    unsent_at: Mapped[datetime | None]


class DialogueState(Base):
    """Where a customer is in a multi-step dialogue; survives restarts because it is a row."""

    __tablename__ = "dialogue_states"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(50))
    step: Mapped[str | None] = mapped_column(String(50))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
