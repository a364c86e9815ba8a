"""Rows for tests, written directly (the console reads what the bot and the shop systems wrote)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from models import ChannelIdentity, Consent, Customer, Order, utcnow


def add_customer(session: Any, name: str | None = None, *, line: str | None = None, telegram: str | None = None, mailbox: str | None = None,
                 consent: tuple[str, ...] = (), reachable: bool = True, orders: list[tuple[datetime, str]] = (),
                 seen: datetime | None = None, **fields: Any) -> Customer:
    """A customer with LINE/Telegram/email (`mailbox`) accounts, marketing consent on the named channels, and orders."""
    customer = Customer(display_name=name, **fields)
    session.add(customer)
    session.flush()
    for offset, (channel, user_id) in enumerate((("line", line), ("telegram", telegram), ("email", mailbox))):
        if user_id:
            session.add(ChannelIdentity(customer_id=customer.id, channel=channel, platform_user_id=user_id, reachable=reachable,
                                        last_seen_at=(seen or utcnow()) - timedelta(minutes=offset)))
    for channel in consent:
        session.add(Consent(customer_id=customer.id, channel=channel, purpose="marketing", granted=True, source="test"))
    for placed_at, amount in orders:
        session.add(Order(customer_id=customer.id, amount=Decimal(amount), placed_at=placed_at))
    session.flush()
    return customer
