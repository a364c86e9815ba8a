"""The durable edges of the pipeline: accept events into the inbox, queue replies in the outbox.

Why here and not in the webhook or the handlers: both sides must be written in the caller's
transaction (the webhook's, or the one that also holds the handler's domain changes), so that an
event is stored before we answer 200 and a reply exists exactly when its cause was committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.events import Inbound, Outbound
from channels import registry
from models import InboxEvent, OutboxMessage, utcnow

# How many messages and recipients one platform request may carry (each outbox row is one
# request), and how long a reply handle lives, are each channel's declared limits:
# `channels.registry.limits(name)`, the same numbers its adapter checks.
IGNORED_KINDS = {"unknown"}


def _accept_statement(dialect: str) -> Any:
    """One INSERT .. ON CONFLICT DO NOTHING RETURNING statement per dialect, built once so
    SQLAlchemy's compiled cache serves every webhook (a `.values(rows)` form is recompiled each time)."""
    if dialect not in _ACCEPT:
        insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
        _ACCEPT[dialect] = (insert_fn(InboxEvent).on_conflict_do_nothing(index_elements=["channel", "event_id"])
                            .returning(InboxEvent.id))
    return _ACCEPT[dialect]


_ACCEPT: dict[str, Any] = {}


def accept(executor: Session | Connection, events: Iterable[Inbound]) -> int:
    """Store events in the inbox, skipping ones already there. Returns how many were new.

    A rejected event (`Inbound.rejected`) is stored with status "rejected" and its reason in
    `error`; the worker only ever claims "pending" rows, so it is kept and never handled.

    Takes a Core connection (the webhook's cheap path) or an ORM session.
    """
    now = utcnow()
    rows = [
        {
            "channel": e.channel,
            "event_id": e.event_id,
            "lane_key": e.lane_key,
            "kind": e.kind,
            "occurred_at": e.occurred_at,
            "received_at": now,
            "payload": e.to_json(),
            "status": _status(e),
            "attempts": 0,
            "error": e.rejected,
        }
        for e in events
    ]
    if not rows:
        return 0
    dialect = executor.dialect.name if isinstance(executor, Connection) else executor.get_bind().dialect.name
    return len(executor.execute(_accept_statement(dialect), rows).all())


def _status(event: Inbound) -> str:
    """The inbox status a new event starts in: rejected (unusable, kept with its reason), ignored
    (a kind we do not act on) or pending (for the worker)."""
    if event.rejected:
        return "rejected"
    return "ignored" if event.kind in IGNORED_KINDS else "pending"


def enqueue(
    session: Session,
    channel: str,
    address: str,
    messages: Sequence[Outbound],
    *,
    purpose: str = "reply",
    customer_id: int | None = None,
    conversation_id: int | None = None,
    reply_token: str | None = None,
    reply_token_expires_at: datetime | None = None,
    not_before: datetime | None = None,
) -> list[OutboxMessage]:
    """Queue messages to one address, one outbox row per platform request (`outbox_rows`)."""
    rows = [OutboxMessage(**values) for values in outbox_rows(
        channel, address, messages, purpose=purpose, customer_id=customer_id, conversation_id=conversation_id,
        reply_token=reply_token, reply_token_expires_at=reply_token_expires_at, not_before=not_before)]
    session.add_all(rows)
    session.flush()
    return rows


def outbox_rows(
    channel: str,
    address: str,
    messages: Sequence[Outbound],
    *,
    purpose: str = "reply",
    customer_id: int | None = None,
    conversation_id: int | None = None,
    reply_token: str | None = None,
    reply_token_expires_at: datetime | None = None,
    not_before: datetime | None = None,
) -> list[dict[str, Any]]:
    """The outbox rows (column values) that carry `messages` to one address: as many messages to
    a row as one platform request takes, each row with its own retry key.

    Only the first row may use the reply token: a token works once."""
    per_request = registry.limits(channel).messages_per_request
    due = not_before or utcnow()
    return [
        {
            "channel": channel,
            "address": address,
            "messages": [m.to_json() for m in chunk],
            "purpose": purpose,
            "customer_id": customer_id,
            "conversation_id": conversation_id,
            "reply_token": reply_token if index == 0 else None,
            "reply_token_expires_at": reply_token_expires_at if index == 0 else None,
            "idempotency_key": str(uuid.uuid4()),
            "next_attempt_at": due,
        }
        for index, chunk in enumerate(_chunks(list(messages), per_request))
    ]


def enqueue_multicast(
    session: Session, channel: str, recipients: Sequence[str], messages: Sequence[Outbound], *,
    purpose: str = "marketing", not_before: datetime | None = None,
) -> list[OutboxMessage]:
    """Queue one message set to many recipients, in chunks the platform accepts (LINE: 500 x 5)."""
    rows = []
    limits = registry.limits(channel)
    for recipients_chunk in _chunks(list(dict.fromkeys(recipients)), limits.multicast_recipients):
        for message_chunk in _chunks(list(messages), limits.messages_per_request):
            key = str(uuid.uuid4())
            row = OutboxMessage(
                channel=channel,
                address=f"multicast:{key}",
                recipients=recipients_chunk,
                messages=[m.to_json() for m in message_chunk],
                purpose=purpose,
                idempotency_key=key,
                next_attempt_at=not_before or utcnow(),
            )
            session.add(row)
            rows.append(row)
    session.flush()
    return rows


def reply_deadline(event: Inbound, ttl_seconds: int) -> datetime | None:
    """When the event's free reply handle stops being safe to use."""
    ttl_seconds = registry.limits(event.channel).reply_handle_ttl_seconds or ttl_seconds
    return event.occurred_at + timedelta(seconds=ttl_seconds) if event.reply_handle else None


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]
