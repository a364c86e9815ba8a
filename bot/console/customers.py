"""Reading customers for the console: search, profile, and the timeline across their channels.

Why a page of the timeline at a time: a regular may have thousands of messages; the newest 200 are
shown and older ones are a click away, so the page stays fast whatever the history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ScalarResult, func, or_, select
from sqlalchemy.orm import Session

from bot.crm.coupons import normalize_code
from models import (
    Broadcast,
    BroadcastRecipient,
    ChannelIdentity,
    Consent,
    Conversation,
    Coupon,
    Customer,
    InternalNote,
    Message,
    Order,
    OutboxMessage,
    ReferralCode,
)

TIMELINE_PAGE = 200
SEARCH_LIMIT = 50
SEARCH_MAX_CHARS = 200
MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds: a longer number is no customer id
ASCII_DIGITS = frozenset("0123456789")  # `²` and `١` are digits to str.isdigit, not to int() or a phone
_UNSEARCHABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def search_customers(session: Session, query: str) -> list[Customer]:
    """By id (a number, or `#123`), email, phone, part of the name, a platform id, a coupon code or a
    referral code; newest first. Whatever is typed gives a list, never an error (see `_searchable`)."""
    text = _searchable(query)
    if not text:
        return list(session.scalars(select(Customer).order_by(Customer.id.desc()).limit(SEARCH_LIMIT)))
    conditions = []
    number = text.lstrip("#")
    if number.isascii() and number.isdigit() and int(number) <= MAX_ID:
        conditions.append(Customer.id == int(number))
    like = f"%{_escape_like(text.lower())}%"
    conditions += [func.lower(Customer.display_name).like(like, escape="\\"), func.lower(Customer.email).like(like, escape="\\")]
    digits = "".join(ch for ch in text if ch in ASCII_DIGITS or ch == "+")
    if len(digits) >= 3:
        conditions.append(Customer.phone.like(f"%{_escape_like(digits)}%", escape="\\"))
    identity = select(ChannelIdentity.customer_id).where(ChannelIdentity.platform_user_id == text)
    conditions.append(Customer.id.in_(identity))
    code = normalize_code(text)  # a coupon code the customer shows at the till, or their referral code
    if code:
        conditions.append(Customer.id.in_(select(Coupon.customer_id).where(Coupon.code == code)))
        conditions.append(Customer.id.in_(select(ReferralCode.customer_id).where(ReferralCode.code == code)))
    return list(session.scalars(select(Customer).where(or_(*conditions)).order_by(Customer.id.desc()).limit(SEARCH_LIMIT)))


def _searchable(query: str) -> str:
    """The query without what no database can compare: control characters (PostgreSQL refuses
    NUL) and lone surrogates (no driver can encode them); at most SEARCH_MAX_CHARS characters."""
    return _UNSEARCHABLE.sub("", query[:SEARCH_MAX_CHARS]).strip()


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
    pressed: str | None = None  # a postback: the label of the button the customer pressed
    broadcast: str | None = None  # a broadcast the customer received: its name


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
    rows = list(reversed(rows[:limit]))
    entries = [TimelineEntry(r.id, r.conversation_id, r.channel, r.direction, r.kind, r.text, r.created_at,
                             r.unsent_at is not None, r.outbox_id, r.status, r.last_error,
                             (r.payload or {}).get("staff"))
               for r in rows]
    _name_pressed_buttons(session, entries, [r.payload or {} for r in rows])
    if customer_id is not None and after_id is None:
        entries = _with_broadcasts(session, customer_id, entries, more)
    return entries, more


def _offered(payload: dict[str, Any]) -> dict[str, str]:
    """data -> label of the buttons an outgoing message offered (as stored by the engine/outreach)."""
    message = payload.get("outbound") or {}
    return {b["data"]: b["label"] for key in ("quick_replies", "buttons") for b in message.get(key) or ()
            if isinstance(b, dict) and b.get("data") and b.get("label")}


def _name_pressed_buttons(session: Session, entries: list[TimelineEntry], payloads: list[dict[str, Any]]) -> None:
    """A postback stores only the button's data (`faq:1`); its label is in the message that offered
    it, the latest of ours before it in the same conversation. The page's own messages are walked
    first; a postback whose offer is older than the page costs one small query."""
    offers: dict[int, dict[str, str]] = {}
    for entry, payload in zip(entries, payloads, strict=True):
        if entry.direction == "out":
            offered = _offered(payload)
            if offered:
                offers[entry.conversation_id] = offered
        elif entry.kind == "postback":
            data = str(((payload.get("payload") or {}).get("data")) or "")
            known = offers.get(entry.conversation_id)
            if known is None:
                known = _offer_before(session, entry.conversation_id, entry.id)
                offers[entry.conversation_id] = known
            entry.pressed = known.get(data)


def _offer_before(session: Session, conversation_id: int, message_id: int) -> dict[str, str]:
    payloads: ScalarResult[dict[str, Any]] = session.scalars(
        select(Message.payload).where(Message.conversation_id == conversation_id, Message.direction == "out",
                                      Message.id < message_id).order_by(Message.id.desc()).limit(20))
    for payload in payloads:
        offered = _offered(payload or {})
        if offered:
            return offered
    return {}


def _with_broadcasts(session: Session, customer_id: int, entries: list[TimelineEntry], more: bool) -> list[TimelineEntry]:
    """The broadcasts sent to the customer, placed by time among the page's messages. A broadcast
    goes out by multicast, so it has no message row of its own: its recipient row and outbox row say
    what the customer got and when."""
    query = (select(Broadcast.id, Broadcast.name, Broadcast.text, Broadcast.translations, BroadcastRecipient.channel,
                    BroadcastRecipient.outbox_id, OutboxMessage.status, OutboxMessage.last_error, OutboxMessage.sent_at,
                    OutboxMessage.created_at, OutboxMessage.messages)
             .join(BroadcastRecipient, BroadcastRecipient.broadcast_id == Broadcast.id)
             .join(OutboxMessage, OutboxMessage.id == BroadcastRecipient.outbox_id)
             .where(BroadcastRecipient.customer_id == customer_id, BroadcastRecipient.group == "treated",
                    BroadcastRecipient.withheld.is_(None), OutboxMessage.status == "sent")
             .order_by(OutboxMessage.id.desc()).limit(TIMELINE_PAGE))
    language = session.scalar(select(Customer.language).where(Customer.id == customer_id))
    found = []
    for r in session.execute(query):
        at = r.sent_at or r.created_at
        if more and entries and at < entries[0].created_at:
            continue  # belongs to an older page
        # what went out (personal fields and coupon code filled in), else the broadcast's text in their language
        sent = [m["text"] for m in r.messages or () if isinstance(m, dict) and m.get("text")]
        text = "\n".join(sent) if sent else (r.translations or {}).get(language) or r.text
        found.append(TimelineEntry(-r.outbox_id, 0, r.channel or "", "out", "broadcast", text, at, False, r.outbox_id, r.status,
                                   r.last_error, None, broadcast=r.name))
    return sorted(entries + found, key=lambda e: e.created_at) if found else entries


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
    notes: list[tuple[InternalNote, str | None]] = list(session.execute(
        select(InternalNote, ConsoleUser.email).outerjoin(ConsoleUser, ConsoleUser.id == InternalNote.author_id)
        .where(InternalNote.customer_id == customer_id).order_by(InternalNote.id.desc()).limit(50)).all())
    return Profile(customer, identities, consents, conversations, orders, int(count), total, notes)

