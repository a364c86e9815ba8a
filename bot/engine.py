"""The dialogue engine: an explicit, ordered router and the processing of one inbox event.

Why explicit registration: the order in which handlers are asked is the behaviour, so it is written
down in one list (`bot/routing.py`), lower group first, first match wins, a handler that returns
None falls through, one fallback last. No scores, no discovery, no signature inspection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from bot import pipeline
from bot.config import Settings
from bot.crm.profiles import note_contact
from bot.events import Inbound, Outbound
from bot.i18n import language_after, text
from bot.safe_text import clean_text
from channels import registry
from models import ChannelIdentity, Conversation, Customer, DialogueState, InboxEvent, Message, utcnow

log = logging.getLogger(__name__)


@dataclass
class Context:
    """Everything a handler may look at or change while handling one event."""

    session: Session
    settings: Settings
    event: Inbound
    customer: Customer | None
    identity: ChannelIdentity | None
    conversation: Conversation
    state: DialogueState | None
    now: datetime
    notes: list[str] = field(default_factory=list)
    # what several handlers read while routing one event (the FAQ answers, ...), read from the database once
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def language(self) -> str:
        return self.customer.language if self.customer else self.settings.app.default_language

    def t(self, key: str, n: int | None = None, **fields: object) -> str:
        return text(key, self.language, self.settings.app.default_language, n=n, shop=self.settings.shop.name, **fields)

    @property
    def text(self) -> str:
        return (self.event.text or "").strip()

    @property
    def postback(self) -> str:
        return str(self.event.payload.get("data", "")) if self.event.kind == "postback" else ""


HandlerFn = Callable[[Context], Sequence[Outbound] | None]


def channel_labels() -> dict[str, str]:
    """Each channel's own name as customers know it ("LINE"), by channel.

    Why here: handlers name no channel module (the layers contract in pyproject.toml), and the
    engine, whose outbox already reads `channels.registry`, answers for the registry instead.
    """
    return registry.labels()


@dataclass(frozen=True)
class Handler:
    name: str
    group: int
    handle: HandlerFn
    # Replies of most handlers are dropped while staff hold the conversation (handled_by 'human');
    # a few must still answer: an opt-out's confirmation, the apology that opens the hand-over.
    speaks_during_handoff: bool = False


class Router:
    def __init__(self) -> None:
        self._handlers: list[Handler] = []
        self._fallback: Handler | None = None

    def add(self, name: str, group: int, handle: HandlerFn, *, speaks_during_handoff: bool = False) -> None:
        if any(h.name == name for h in self._handlers) or (self._fallback and self._fallback.name == name):
            raise ValueError(f"handler {name!r} is registered twice")
        self._handlers.append(Handler(name, group, handle, speaks_during_handoff))
        self._handlers.sort(key=lambda h: h.group)  # stable: same group keeps registration order

    def set_fallback(self, name: str, handle: HandlerFn) -> None:
        if self._fallback is not None:
            raise ValueError("a fallback is already registered")
        self._fallback = Handler(name, 10**9, handle)

    def speaks_during_handoff(self, name: str) -> bool:
        return any(h.name == name and h.speaks_during_handoff for h in self._handlers)

    @property
    def order(self) -> list[str]:
        return [h.name for h in self._handlers] + ([self._fallback.name] if self._fallback else [])

    def route(self, ctx: Context) -> tuple[str, list[Outbound]]:
        for handler in self._handlers:
            result = handler.handle(ctx)
            if result is not None:
                return handler.name, list(result)
        if self._fallback is None:
            return "none", []
        return self._fallback.name, list(self._fallback.handle(ctx) or [])


class AlreadyProcessed(Exception):
    """Another worker committed this event first; ours must roll back."""


def process_event(session: Session, row_id: int, router: Router, settings: Settings,
                  now: datetime | None = None, *, counted: bool = False) -> str | None:
    """Handle one inbox event inside the caller's transaction; returns the handler's name.

    `now` is the worker's clock reading (handlers see it as `ctx.now`), so tests can move time.
    `counted`: this attempt was already counted when the event's lane was claimed.

    The event is marked done first, with a condition on its status: that takes the row lock, and a
    second worker that got here through an expired lease finds nothing to do and rolls back.
    """
    payload = session.execute(
        update(InboxEvent).where(InboxEvent.id == row_id, InboxEvent.status == "pending")
        .values(status="done", processed_at=utcnow(), attempts=InboxEvent.attempts + (0 if counted else 1))
        .returning(InboxEvent.payload)
    ).scalar()
    if payload is None:
        raise AlreadyProcessed(row_id)
    event = Inbound.from_json(payload)
    ctx = _context(session, event, settings, now or utcnow())
    incoming = _record_incoming(ctx, row_id)
    if event.standby:
        return "standby"
    name, replies = router.route(ctx)
    if incoming is not None:
        incoming.payload = {**incoming.payload, "handled_by": name}
    if replies and (ctx.conversation.handled_by == "bot" or router.speaks_during_handoff(name)):
        queue_replies(ctx, replies)
    return name


def queue_replies(ctx: Context, replies: Sequence[Outbound], *, purpose: str = "reply") -> None:
    """Put replies in the outbox (using the event's reply handle while fresh) and in the history."""
    event = ctx.event
    rows = pipeline.enqueue(
        ctx.session, event.channel, ctx.conversation.address, replies, purpose=purpose,
        customer_id=ctx.customer.id if ctx.customer else None, conversation_id=ctx.conversation.id,
        reply_token=event.reply_handle,
        reply_token_expires_at=pipeline.reply_deadline(event, ctx.settings.line.reply_token_ttl_seconds),
    )
    for row in rows:
        for message in row.messages:
            ctx.session.add(Message(conversation_id=ctx.conversation.id, direction="out", kind="text",
                                    text=message["text"], payload={"outbound": message}, outbox_id=row.id))


def fail_event(session: Session, row_id: int, error: str, settings: Settings, *, max_attempts: int,
               counted: bool = False) -> int | None:
    """Record a failed attempt (counting it unless the claim already did); on the last one, mark the
    event failed and tell the customer we are on it. Returns the attempts so far, None when the
    event is no longer pending."""
    row = session.execute(
        update(InboxEvent).where(InboxEvent.id == row_id, InboxEvent.status == "pending")
        .values(attempts=InboxEvent.attempts + (0 if counted else 1), error=clean_text(error)[:2000])
        .returning(InboxEvent.attempts)
    ).scalar()
    if row is not None and row >= max_attempts:
        give_up_event(session, row_id, settings)
    return row


def give_up_event(session: Session, row_id: int, settings: Settings, *, error: str | None = None) -> bool:
    """Mark a pending event failed and queue the apology where a person is waiting for an answer.

    Why so little: this is also the last resort when recording a failure failed, so it only flips
    the status (conditionally, so the apology is queued once however often the event was retried)
    and reads nothing but the event's own payload; the apology sits in a savepoint, so an event
    whose payload cannot even be read still ends `failed`. Returns False if it was not pending."""
    values: dict[str, Any] = {"status": "failed", "processed_at": utcnow()}
    if error is not None:
        values["error"] = clean_text(error)[:2000]
    payload = session.execute(
        update(InboxEvent).where(InboxEvent.id == row_id, InboxEvent.status == "pending")
        .values(**values).returning(InboxEvent.payload)
    ).scalar()
    if payload is None:
        return False
    try:
        with session.begin_nested():
            _queue_apology(session, Inbound.from_json(payload), settings)
    except Exception:  # an unreadable payload: nobody to answer, the event still ends
        log.exception("inbox event %s failed and its apology could not be queued", row_id)
    return True


def _queue_apology(session: Session, event: Inbound, settings: Settings) -> None:
    from_a_person = event.kind not in ("unfollow", "unknown", "unsend", "leave", "bounce", "migrated")
    if event.chat_type == "user" and from_a_person and not event.payload.get("silent"):
        language = _customer_language(session, event) or settings.app.default_language
        pipeline.enqueue(session, event.channel, event.chat_id,
                         [Outbound(text("processing_failed", language))], purpose="reply",
                         reply_token=event.reply_handle,
                         reply_token_expires_at=pipeline.reply_deadline(event, settings.line.reply_token_ttl_seconds))


def _customer_language(session: Session, event: Inbound) -> str | None:
    if not event.user_id:
        return None
    return session.scalar(
        select(Customer.language).join(ChannelIdentity)
        .where(ChannelIdentity.channel == event.channel, ChannelIdentity.platform_user_id == event.user_id)
    )


def _context(session: Session, event: Inbound, settings: Settings, now: datetime) -> Context:
    customer = identity = None
    if event.user_id:
        identity = _get_or_create_identity(session, event, settings)
        customer = identity.customer
        identity.last_seen_at = utcnow()
        note_contact(session, settings, identity, event, now)
    conversation = _get_or_create_conversation(session, event, customer)
    if customer is not None and event.kind == "text":
        switched = language_after(event.text or "", customer.language, lambda: _previous_text(session, conversation, event))
        if switched:
            customer.language = switched
    conversation.last_message_at = event.occurred_at
    state = session.get(DialogueState, customer.id) if customer else None
    if customer and state is None:
        state = DialogueState(customer_id=customer.id, data={})
        session.add(state)
    return Context(session, settings, event, customer, identity, conversation, state, now)


def _previous_text(session: Session, conversation: Conversation, event: Inbound) -> str | None:
    """The customer's last text message in this 1:1 chat (None: this is their first); in a group
    the previous message may be someone else's, so "" (unknown)."""
    if event.chat_type != "user":
        return ""
    return session.scalar(select(Message.text).where(
        Message.conversation_id == conversation.id, Message.direction == "in", Message.kind == "text")
        .order_by(Message.id.desc()).limit(1)) if conversation.id is not None else None


def _kept(session: Session, key: tuple[str, ...], find: Callable[[], Any]) -> Any:
    """The row `find` returns, kept for the session's later events: on PostgreSQL a worker's round
    runs many events in one session (bot/worker.py), mostly several of one conversation in a row,
    and the identity and conversation were read again for each. A row that is no longer persistent
    (created in a savepoint that was rolled back) is looked up again."""
    kept: dict[tuple[str, ...], Any] = session.info.setdefault("engine_rows", {})
    row = kept.get(key)
    if row is None or not inspect(row).persistent:
        row = kept[key] = find()
    return row


def _get_or_create_identity(session: Session, event: Inbound, settings: Settings) -> ChannelIdentity:
    return _kept(session, ("identity", event.channel, event.user_id or ""),
                 lambda: _find_or_create_identity(session, event, settings))


def _find_or_create_identity(session: Session, event: Inbound, settings: Settings) -> ChannelIdentity:
    query = select(ChannelIdentity).options(joinedload(ChannelIdentity.customer)).where(  # the customer is always needed
        ChannelIdentity.channel == event.channel, ChannelIdentity.platform_user_id == event.user_id
    )
    identity = session.scalar(query)
    if identity is not None:
        return identity
    try:
        with session.begin_nested():
            customer = Customer(language=settings.app.default_language)
            identity = ChannelIdentity(channel=event.channel, platform_user_id=event.user_id, customer=customer)
            session.add_all([customer, identity])
    except IntegrityError:  # another conversation of the same user created it a moment ago
        identity = session.scalar(query)
        assert identity is not None
    return identity


def _get_or_create_conversation(session: Session, event: Inbound, customer: Customer | None) -> Conversation:
    return _kept(session, ("conversation", event.channel, event.chat_id),
                 lambda: _find_or_create_conversation(session, event, customer))


def _find_or_create_conversation(session: Session, event: Inbound, customer: Customer | None) -> Conversation:
    query = select(Conversation).where(Conversation.channel == event.channel, Conversation.address == event.chat_id)
    conversation = session.scalar(query)
    if conversation is None:
        try:
            with session.begin_nested():
                conversation = Conversation(
                    channel=event.channel, address=event.chat_id, kind=event.chat_type,
                    customer_id=customer.id if customer and event.chat_type == "user" else None,
                )
                session.add(conversation)
        except IntegrityError:
            conversation = session.scalar(query)
            assert conversation is not None
    return conversation


def _record_incoming(ctx: Context, row_id: int) -> Message | None:
    event = ctx.event
    if event.kind in ("unknown",):
        return None
    message = Message(
        conversation_id=ctx.conversation.id, direction="in", kind=event.kind, text=event.text,
        payload={"payload": dict(event.payload), "user_id": event.user_id}, platform_message_id=event.message_id,
        inbox_event_id=row_id, created_at=event.occurred_at,
    )
    ctx.session.add(message)
    return message
