"""Where to reach a customer when we speak first (jobs, API side effects), and queuing it.

Why one place: every message the bot starts itself must pick the customer's own channel, skip
channels they blocked, and, for marketing, respect their consent (permission marketing, product
"Opt-out and privacy"). Replies to a customer who wrote to us do not come through here.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import pipeline
from bot.events import Outbound
from models import ChannelIdentity, Consent, Conversation, Message


def customer_address(session: Session, customer_id: int, *, marketing: bool) -> tuple[str, str, int] | None:
    """(channel, address, conversation id) of the customer's most recently active 1:1 chat on a
    channel where they are reachable and, for marketing, have granted marketing consent."""
    rows = session.execute(
        select(Conversation.channel, Conversation.address, Conversation.id)
        .join(ChannelIdentity, (ChannelIdentity.customer_id == Conversation.customer_id)
              & (ChannelIdentity.channel == Conversation.channel))
        .where(Conversation.customer_id == customer_id, Conversation.kind == "user", Conversation.active.is_(True),
               ChannelIdentity.reachable.is_(True))
        .order_by(Conversation.last_message_at.desc())
    ).all()
    for channel, address, conversation_id in rows:
        if marketing and not _marketing_allowed(session, customer_id, channel):
            continue
        return channel, address, conversation_id
    return None


def _marketing_allowed(session: Session, customer_id: int, channel: str) -> bool:
    granted = session.scalar(select(Consent.granted).where(
        Consent.customer_id == customer_id, Consent.channel == channel, Consent.purpose == "marketing"))
    return bool(granted)


def send_to_customer(session: Session, customer_id: int, messages: Sequence[Outbound], *, purpose: str,
                     marketing: bool) -> bool:
    """Queue messages to the customer in the caller's transaction; False when they cannot be reached."""
    found = customer_address(session, customer_id, marketing=marketing)
    if found is None:
        return False
    channel, address, conversation_id = found
    rows = pipeline.enqueue(session, channel, address, messages, purpose=purpose, customer_id=customer_id,
                            conversation_id=conversation_id)
    for row in rows:  # the conversation's history shows what we said first, as it shows replies
        for message in row.messages:
            session.add(Message(conversation_id=conversation_id, direction="out", kind="text", text=message["text"],
                                payload={"outbound": message, "purpose": purpose}, outbox_id=row.id))
    return True
