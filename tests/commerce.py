"""Helpers for the commerce tests: customers, orders and API keys made through the real code paths."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.api.keys import create_key
from bot.crm.orders import record_order
from bot.runtime import Runtime
from models import ChannelIdentity, Customer, OutboxMessage, utcnow


def followed_customer(chat: Any, db: Any, user: str | None = None) -> int:
    """A customer who followed the LINE account (so they are reachable and opted in to marketing)."""
    chat.send("follow", **({"user": user} if user else {}))
    user = user or chat.user
    return db.scalar(select(ChannelIdentity.customer_id).where(ChannelIdentity.platform_user_id == user))


def add_customer(runtime: Runtime, **fields: Any) -> int:
    with runtime.sessions.begin() as session:
        customer = Customer(language=fields.pop("language", "zh-TW"), **fields)
        session.add(customer)
        session.flush()
        return customer.id


def add_order(runtime: Runtime, customer_id: int, amount: str | int, *, days_ago: float = 0, now: datetime | None = None,
              key: str | None = None) -> Any:
    now = now or utcnow()
    with runtime.sessions.begin() as session:
        return record_order(session, runtime.settings, customer_id, amount=Decimal(str(amount)), items=[],
                            placed_at=now - timedelta(days=days_ago), source="test", idempotency_key=key, now=now)


def api_key(runtime: Runtime, role: str = "pos", name: str | None = None) -> str:
    with runtime.sessions.begin() as session:
        return create_key(session, name or f"test-{role}", role)


def pushed_texts(db: Any, customer_id: int, purpose: str | None = None) -> list[str]:
    query = select(OutboxMessage).where(OutboxMessage.customer_id == customer_id).order_by(OutboxMessage.id)
    if purpose:
        query = query.where(OutboxMessage.purpose == purpose)
    return [m["text"] for row in db.all(query) for m in row.messages]
