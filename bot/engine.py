"""The dialogue engine: the context handlers see, an explicit, ordered router, and what ends an
event that failed. Handling events is `bot/event_batch.py`.

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

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import pipeline
from bot.batch_writes import BatchWrites
from bot.config import Settings
from bot.events import Inbound, Outbound
from bot.i18n import text
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
    # the batch's buffer for the history and outbox rows (bot/batch_writes.py): `queue_replies` writes there
    writes: BatchWrites
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


def queue_replies(ctx: Context, replies: Sequence[Outbound], *, purpose: str = "reply") -> None:
    """Put replies in the outbox (using the event's reply handle while fresh) and in the history,
    through the batch's buffer: written with the batch's other rows, or before the next read."""
    event = ctx.event
    rows = pipeline.outbox_rows(
        event.channel, ctx.conversation.address, replies, purpose=purpose,
        customer_id=ctx.customer.id if ctx.customer else None, conversation_id=ctx.conversation.id,
        reply_token=event.reply_handle,
        reply_token_expires_at=pipeline.reply_deadline(event, ctx.settings.line.reply_token_ttl_seconds),
    )
    ctx.writes.replies(rows, ctx.conversation.id)


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


def previous_text(session: Session, conversation: Conversation, event: Inbound) -> str | None:
    """The customer's last text message in this 1:1 chat (None: this is their first); in a group
    the previous message may be someone else's, so "" (unknown)."""
    if event.chat_type != "user":
        return ""
    return session.scalar(select(Message.text).where(
        Message.conversation_id == conversation.id, Message.direction == "in", Message.kind == "text")
        .order_by(Message.id.desc()).limit(1)) if conversation.id is not None else None
