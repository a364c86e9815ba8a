"""The one way the bot messages a customer first (reminders, surveys, coupons, tier news, churn
care, messages that follow an order), with the rules of where and whether in one place.

Why one place: every message the bot starts itself must go to a channel where the customer has
not blocked us and, for marketing, where they granted marketing consent (permission marketing,
product "Opt-out and privacy"); and it must show in the conversation's history like a reply.
Replies to a customer who wrote to us do not come through here.

Two ways to choose the chat, one set of rules: a message about a thing that happened in a chat
(an appointment booked there, a survey scheduled for it) names that chat in `to`; any other goes
to the customer's most recently active chat (`customer_address`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import pipeline
from bot.events import Outbound
from models import ChannelIdentity, Consent, Conversation, Message, OutboxMessage

Address = tuple[str, str]  # (channel, platform address)


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
        if marketing and not marketing_allowed(session, customer_id, channel):
            continue
        return channel, address, conversation_id
    return None


def reachable_address(session: Session, customer_id: int) -> Address | None:
    """The customer's most recently used 1:1 chat on a channel where they have not blocked us: the
    chat a later message (a survey) is scheduled for, whether or not the chat is still active."""
    rows = session.execute(
        select(Conversation.channel, Conversation.address)
        .where(Conversation.customer_id == customer_id, Conversation.kind == "user")
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    ).all()
    for channel, address in rows:
        if is_reachable(session, channel, address):
            return channel, address
    return None


def is_reachable(session: Session, channel: str, address: str) -> bool:
    """False only when the platform told us this address blocked or left us."""
    blocked = session.scalar(select(ChannelIdentity.id).where(
        ChannelIdentity.channel == channel, ChannelIdentity.platform_user_id == address,
        ChannelIdentity.reachable.is_(False)))
    return blocked is None


def marketing_allowed(session: Session, customer_id: int, channel: str) -> bool:
    granted = session.scalar(select(Consent.granted).where(
        Consent.customer_id == customer_id, Consent.channel == channel, Consent.purpose == "marketing"))
    return bool(granted)


def send_to_customer(session: Session, customer_id: int | None, messages: Sequence[Outbound], *, purpose: str,
                     marketing: bool, to: Address | None = None) -> bool:
    """Queue messages to the customer in the caller's transaction; False when they cannot be reached.

    `marketing` messages need the customer's marketing consent on the channel; transactional ones
    (a reminder, a survey, what an order earned) do not. `to` names the chat when the message is
    about something that happened in it; otherwise the customer's most recently active chat."""
    return queue_to_customer(session, customer_id, messages, purpose=purpose, marketing=marketing, to=to) is not None


def queue_to_customer(session: Session, customer_id: int | None, messages: Sequence[Outbound], *, purpose: str,
                      marketing: bool, to: Address | None = None) -> list[OutboxMessage] | None:
    """`send_to_customer`, returning the outbox rows it queued (None when the customer cannot be
    reached): a journey keeps the row's id to count what was delivered or failed."""
    conversation_id: int | None
    if to is None:
        found = customer_address(session, customer_id, marketing=marketing) if customer_id is not None else None
        if found is None:
            return None
        channel, address, conversation_id = found
    else:
        channel, address = to
        if not is_reachable(session, channel, address):
            return None
        if marketing and (customer_id is None or not marketing_allowed(session, customer_id, channel)):
            return None
        conversation_id = session.scalar(select(Conversation.id).where(Conversation.channel == channel,
                                                                       Conversation.address == address))
    return _queue(session, customer_id, channel, address, conversation_id, messages, purpose)


def _queue(session: Session, customer_id: int | None, channel: str, address: str, conversation_id: int | None,
           messages: Sequence[Outbound], purpose: str) -> list[OutboxMessage]:
    rows = pipeline.enqueue(session, channel, address, messages, purpose=purpose, customer_id=customer_id,
                            conversation_id=conversation_id)
    if conversation_id is None:
        return rows
    for row in rows:  # the conversation's history shows what we said first, as it shows replies
        for message in row.messages:
            session.add(Message(conversation_id=conversation_id, direction="out", kind="text", text=message["text"],
                                payload={"outbound": message, "purpose": purpose}, outbox_id=row.id))
    return rows
