"""Handling inbox events in batches, with a fixed number of set-based statements per batch.

Why: handled one at a time, an event cost about twenty statements (its status, the sender's
identity, customer, conversation and dialogue state read and updated one by one, the history and
the reply inserted one by one) and most of the worker's CPU went to the ORM building and flushing
them. A batch marks all its events done in one UPDATE, reads the identities with their customers,
the conversations and the dialogue states in one query each, creates what is new in one
multi-row INSERT per table, and writes the history, the outbox and the small updates through
`bot.batch_writes` in a few more. The handlers keep their meaning: they see the same `Context`,
run in the same order, and their own changes go through the session as before.

A batch is one transaction. The worker retries a batch that fails event by event, each in a
transaction of its own (`bot.worker`), so one bad event costs only itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from bot.batch_writes import BatchWrites
from bot.config import Settings
from bot.crm.profiles import profile_due, take_event_name
from bot.engine import AlreadyProcessed, Context, Router, previous_text, queue_replies
from bot.events import Inbound
from bot.i18n import language_after
from channels import registry
from models import ChannelIdentity, Conversation, Customer, DialogueState, InboxEvent, utcnow

_INBOX = cast("Table", InboxEvent.__table__)
IGNORED_HISTORY_KINDS = ("unknown",)


class EventFailed(Exception):
    """Handling one event of a batch raised (a handler's bug, a value it could not store); the
    batch's transaction must be rolled back. `row_id` names the event, the cause is chained."""

    def __init__(self, row_id: int) -> None:
        super().__init__(f"inbox event {row_id} failed")
        self.row_id = row_id


@dataclass(frozen=True)
class BatchItem:
    """An inbox event to handle; `counted`: its attempt was counted when its lane was claimed."""

    row_id: int
    counted: bool = False


def process_event(session: Session, row_id: int, router: Router, settings: Settings,
                  now: datetime | None = None, *, counted: bool = False) -> str:
    """Handle one event in the caller's transaction (a batch of one); returns the handler's name,
    or raises AlreadyProcessed when another worker committed it first."""
    try:
        names = process_batch(session, [BatchItem(row_id, counted)], router, settings, now)
    except EventFailed as failure:
        raise failure.__cause__ or failure from None
    if row_id not in names:
        raise AlreadyProcessed(row_id)
    return names[row_id]


def process_batch(session: Session, items: Sequence[BatchItem], router: Router, settings: Settings,
                  now: datetime | None = None) -> dict[int, str]:
    """Handle `items` in the given order (each conversation's events in arrival order) inside the
    caller's transaction; returns the handler's name by event row id.

    The events are marked done first, with a condition on their status: that takes their row
    locks, and an event another worker committed meanwhile (an expired lease) is left out."""
    now = now or utcnow()
    events = _mark_done(session, items)
    if not events:
        return {}
    writes = BatchWrites(session, utcnow(), now)
    rows = _Rows.load(session, [event for _, event in events], settings)
    writes.attach()
    try:
        names = {}
        for row_id, event in events:
            try:
                names[row_id] = _handle(session, settings, router, rows, writes, row_id, event, now)
            except Exception as exc:
                raise EventFailed(row_id) from exc
        writes.write()
    finally:
        writes.detach()
    return names


def _mark_done(session: Session, items: Sequence[BatchItem]) -> list[tuple[int, Inbound]]:
    """One UPDATE ... RETURNING for the whole batch: the events still pending, in the items' order."""
    counted = [item.row_id for item in items if item.counted]
    statement = (update(_INBOX)
                 .where(_INBOX.c.id.in_(bindparam("ids", expanding=True)), _INBOX.c.status == "pending")
                 .values(status="done", processed_at=utcnow(),
                         attempts=_INBOX.c.attempts + case((_INBOX.c.id.in_(counted or [-1]), 0), else_=1))
                 .returning(_INBOX.c.id, _INBOX.c.payload))
    payloads: dict[int, Any] = dict(session.connection().execute(statement, {"ids": [item.row_id for item in items]}).all())
    return [(item.row_id, Inbound.from_json(payloads[item.row_id])) for item in items if item.row_id in payloads]


def _handle(session: Session, settings: Settings, router: Router, rows: _Rows, writes: BatchWrites,
            row_id: int, event: Inbound, now: datetime) -> str:
    """One event: what arriving changes (seen, names, language, last message), its history row,
    the handlers, and the replies."""
    identity = rows.identities.get((event.channel, event.user_id or "")) if event.user_id else None
    customer = identity.customer if identity is not None else None
    conversation = rows.conversations[(event.channel, event.chat_id)]
    if identity is not None:
        writes.seen(identity)
        take_event_name(identity, event)
        if profile_due(settings, identity, event, now, looks_up_profiles=registry.looks_up_profiles(event.channel)):
            writes.profile_wanted(identity.id)
    if customer is not None and event.kind == "text":
        switched = language_after(event.text or "", customer.language, lambda: previous_text(session, conversation, event))
        if switched:
            customer.language = switched
    writes.last_message(conversation, event.occurred_at)
    state = rows.states.get(customer.id) if customer is not None else None
    ctx = Context(session, settings, event, customer, identity, conversation, state, now, writes)
    if event.kind not in IGNORED_HISTORY_KINDS:
        writes.incoming(row_id, {
            "conversation_id": conversation.id, "direction": "in", "kind": event.kind, "text": event.text,
            "payload": {"payload": dict(event.payload), "user_id": event.user_id},
            "platform_message_id": event.message_id, "inbox_event_id": row_id, "created_at": event.occurred_at,
        })
    if event.standby:
        return "standby"
    name, replies = router.route(ctx)
    writes.handled_by(row_id, name)
    if replies and (conversation.handled_by == "bot" or router.speaks_during_handoff(name)):
        queue_replies(ctx, replies)
    return name


class _Rows:
    """The rows a batch's events are about, read (and where missing, created) once per batch."""

    def __init__(self) -> None:
        self.identities: dict[tuple[str, str], ChannelIdentity] = {}
        self.conversations: dict[tuple[str, str], Conversation] = {}
        self.states: dict[int, DialogueState] = {}

    @classmethod
    def load(cls, session: Session, events: Sequence[Inbound], settings: Settings) -> _Rows:
        rows = cls()
        senders = _by_channel((event.channel, event.user_id) for event in events if event.user_id)
        rows.identities = _find_or_create(session, lambda: _identities(session, senders),
                                          lambda found: _new_identities(senders, found, settings))
        chats = {(event.channel, event.chat_id): event for event in reversed(events)}  # the first event of each chat
        rows.conversations = _find_or_create(session, lambda: _conversations(session, _by_channel(chats)),
                                             lambda found: _new_conversations(chats, found, rows.identities))
        customers = {identity.customer_id for identity in rows.identities.values()}
        rows.states = _find_or_create(session, lambda: _states(session, customers), lambda found: _new_states(customers, found))
        return rows


def _by_channel(pairs: Iterable[tuple[str, Any]]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = defaultdict(set)
    for channel, key in pairs:
        grouped[channel].add(str(key))
    return grouped


def _find_or_create(session: Session, find: Any, create: Any) -> Any:
    """`find()`'s rows, with `create(found)`'s new ones (objects to add, and the new rows by key)
    added in one flush.

    Why in a savepoint, and read again when it fails: another worker handling the same sender in
    another conversation may create a row between our read and our insert; the unique constraint
    refuses ours, and the next read finds theirs. After a few rounds every row exists."""
    found = find()
    for _ in range(3):
        new, keyed = create(found)
        if not new:
            return found
        try:
            with session.begin_nested():
                session.add_all(new)
            return {**found, **keyed}
        except IntegrityError:  # theirs, committed: ours went with the savepoint
            found = find()
    raise RuntimeError("rows kept colliding with another worker's; the batch is retried event by event")


def _identities(session: Session, senders: dict[str, set[str]]) -> dict[tuple[str, str], ChannelIdentity]:
    found: dict[tuple[str, str], ChannelIdentity] = {}
    for channel, user_ids in senders.items():
        query = (select(ChannelIdentity).options(joinedload(ChannelIdentity.customer))
                 .where(ChannelIdentity.channel == channel, ChannelIdentity.platform_user_id.in_(sorted(user_ids))))
        found.update({(identity.channel, identity.platform_user_id): identity for identity in session.scalars(query)})
    return found


def _new_identities(senders: dict[str, set[str]], found: dict[tuple[str, str], ChannelIdentity],
                    settings: Settings) -> tuple[list[Any], dict[tuple[str, str], ChannelIdentity]]:
    new: list[Any] = []
    keyed: dict[tuple[str, str], ChannelIdentity] = {}
    for channel, user_ids in sorted(senders.items()):
        for user_id in sorted(user_ids):
            if (channel, user_id) not in found:
                customer = Customer(language=settings.app.default_language)
                identity = keyed[(channel, user_id)] = ChannelIdentity(channel=channel, platform_user_id=user_id,
                                                                       customer=customer)
                new += [customer, identity]
    return new, keyed


def _conversations(session: Session, chats: dict[str, set[str]]) -> dict[tuple[str, str], Conversation]:
    found: dict[tuple[str, str], Conversation] = {}
    for channel, addresses in chats.items():
        query = select(Conversation).where(Conversation.channel == channel, Conversation.address.in_(sorted(addresses)))
        found.update({(conversation.channel, conversation.address): conversation for conversation in session.scalars(query)})
    return found


def _new_conversations(chats: dict[tuple[str, str], Inbound], found: dict[tuple[str, str], Conversation],
                       identities: dict[tuple[str, str], ChannelIdentity]) -> tuple[list[Conversation], dict[tuple[str, str], Conversation]]:
    keyed = {}
    for key, event in sorted(chats.items()):
        if key in found:
            continue
        identity = identities.get((event.channel, event.user_id)) if event.user_id else None
        keyed[key] = Conversation(channel=event.channel, address=event.chat_id, kind=event.chat_type,
                                  customer_id=identity.customer_id if identity and event.chat_type == "user" else None)
    return list(keyed.values()), keyed


def _new_states(customers: set[int], found: dict[int, DialogueState]) -> tuple[list[DialogueState], dict[int, DialogueState]]:
    keyed = {customer: DialogueState(customer_id=customer, data={}) for customer in sorted(customers - set(found))}
    return list(keyed.values()), keyed


def _states(session: Session, customers: set[int]) -> dict[int, DialogueState]:
    if not customers:
        return {}
    query = select(DialogueState).where(DialogueState.customer_id.in_(sorted(customers)))
    return {state.customer_id: state for state in session.scalars(query)}
