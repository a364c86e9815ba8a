"""Reading customers for the console: search, profile, and the timeline across their channels.

Why a page of the timeline at a time: a regular may have thousands of messages; the newest 200 are
shown and older ones are a click away, so the page stays fast whatever the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.coupons import normalize_code
from models import ChannelIdentity, Consent, Conversation, Coupon, Customer, InternalNote, Message, Order, OutboxMessage, ReferralCode

TIMELINE_PAGE = 200
SEARCH_LIMIT = 50


def search_customers(session: Session, query: str) -> list[Customer]:
    """By id (a number, or `#123`), email, phone, part of the name, a platform id, a coupon code or a
    referral code; newest first."""
    text = query.strip()
    if not text:
        return list(session.scalars(select(Customer).order_by(Customer.id.desc()).limit(SEARCH_LIMIT)))
    conditions = []
    number = text.lstrip("#")
    if number.isdigit():
        conditions.append(Customer.id == int(number))
    like = f"%{_escape_like(text.lower())}%"
    conditions += [func.lower(Customer.display_name).like(like, escape="\\"), func.lower(Customer.email).like(like, escape="\\")]
    digits = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    if len(digits) >= 3:
        conditions.append(Customer.phone.like(f"%{_escape_like(digits)}%", escape="\\"))
    identity = select(ChannelIdentity.customer_id).where(ChannelIdentity.platform_user_id == text)
    conditions.append(Customer.id.in_(identity))
    code = normalize_code(text)  # a coupon code the customer shows at the till, or their referral code
    if code:
        conditions.append(Customer.id.in_(select(Coupon.customer_id).where(Coupon.code == code)))
        conditions.append(Customer.id.in_(select(ReferralCode.customer_id).where(ReferralCode.code == code)))
    return list(session.scalars(select(Customer).where(or_(*conditions)).order_by(Customer.id.desc()).limit(SEARCH_LIMIT)))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class TimelineEntry:
    id: int
    conversation_id: int
    channel: str
    direction: str
    kind: str
    text: str | None
    created_at: Any
    unsent: bool
    outbox_id: int | None
    delivery_status: str | None
    delivery_error: str | None
    staff: str | None


def timeline(session: Session, customer_id: int | None, conversation_id: int | None = None, *, before_id: int | None = None,
             after_id: int | None = None, limit: int = TIMELINE_PAGE) -> tuple[list[TimelineEntry], bool]:
    """The customer's messages on every channel (or one group chat's, without a customer), oldest
    first, the newest page; and whether older ones exist."""
    query = (select(Message.id, Message.conversation_id, Conversation.channel, Message.direction, Message.kind, Message.text,
                    Message.created_at, Message.unsent_at, Message.outbox_id, OutboxMessage.status, OutboxMessage.last_error,
                    Message.payload)
             .join(Conversation, Conversation.id == Message.conversation_id)
             .outerjoin(OutboxMessage, OutboxMessage.id == Message.outbox_id)
             .where(Conversation.customer_id == customer_id if customer_id is not None else Message.conversation_id == conversation_id)
             .order_by(Message.id.desc()).limit(limit + 1))
    if before_id:
        query = query.where(Message.id < before_id)
    if after_id is not None:
        query = query.where(Message.id > after_id)
    rows = session.execute(query).all()
    more = len(rows) > limit
    entries = [TimelineEntry(r.id, r.conversation_id, r.channel, r.direction, r.kind, r.text, r.created_at,
                             r.unsent_at is not None, r.outbox_id, r.status, r.last_error,
                             (r.payload or {}).get("staff"))
               for r in rows[:limit]]
    entries.reverse()
    return entries, more


def delivery_statuses(session: Session, outbox_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    if not outbox_ids:
        return {}
    rows = session.execute(select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.last_error)
                           .where(OutboxMessage.id.in_(outbox_ids[:500])))
    return {r.id: (r.status, r.last_error) for r in rows}


@dataclass
class Profile:
    customer: Customer
    identities: list[ChannelIdentity]
    consents: list[Consent]
    conversations: list[Conversation]
    orders: list[Order]
    order_count: int
    order_total: Any
    notes: list[tuple[InternalNote, str | None]]


def profile(session: Session, customer_id: int) -> Profile | None:
    from models import ConsoleUser

    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    identities = list(session.scalars(select(ChannelIdentity).where(ChannelIdentity.customer_id == customer_id)
                                      .order_by(ChannelIdentity.last_seen_at.desc())))
    consents = list(session.scalars(select(Consent).where(Consent.customer_id == customer_id).order_by(Consent.channel, Consent.purpose)))
    conversations = list(session.scalars(select(Conversation).where(Conversation.customer_id == customer_id)
                                         .order_by(Conversation.last_message_at.desc())))
    orders = list(session.scalars(select(Order).where(Order.customer_id == customer_id).order_by(Order.placed_at.desc()).limit(10)))
    count, total = session.execute(select(func.count(), func.coalesce(func.sum(Order.amount), 0))
                                   .where(Order.customer_id == customer_id)).one()
    notes = list(session.execute(select(InternalNote, ConsoleUser.email).outerjoin(ConsoleUser, ConsoleUser.id == InternalNote.author_id)
                                 .where(InternalNote.customer_id == customer_id).order_by(InternalNote.id.desc()).limit(50)).all())
    return Profile(customer, identities, consents, conversations, orders, int(count), total, notes)


def customer_code(customer_id: int) -> str:
    return f"#{customer_id}"

