"""What handling inbox events writes about the events themselves, buffered and written for a whole
batch in a few multi-row statements: the history in and out, the replies' outbox rows, last-seen
and last-message times, profile look-ups.

Why a buffer and not ORM objects: those rows are about three quarters of what an event writes,
and as ORM objects each cost a unit-of-work pass and its own INSERT or UPDATE (the worker's CPU
went mostly to flushes). Buffered, a batch of a hundred events writes them in five statements.

Why it is still exact: the buffer is written before any statement the session runs while it
holds rows (`Session.do_orm_execute`, see `attach`), so a handler that reads the history, or a
second event of the same conversation, sees everything written before it, as it would with
autoflush. Statements run on `session.connection()` directly are not seen; handlers use the session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, event, insert, update
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.crm.profiles import queue_profile_fetches
from models import ChannelIdentity, Conversation, Message, OutboxMessage

_MESSAGES = cast("Table", Message.__table__)
_OUTBOX = cast("Table", OutboxMessage.__table__)
_IDENTITIES = cast("Table", ChannelIdentity.__table__)
_CONVERSATIONS = cast("Table", Conversation.__table__)
_WRITE_OUTBOX = insert(_OUTBOX).returning(_OUTBOX.c.id, sort_by_parameter_order=True)
_WRITE_MESSAGES = insert(_MESSAGES).returning(_MESSAGES.c.id, sort_by_parameter_order=True)
_SEEN = update(_IDENTITIES).where(_IDENTITIES.c.id.in_(bindparam("ids", expanding=True))).values(
    last_seen_at=bindparam("seen_at", type_=_IDENTITIES.c.last_seen_at.type))
_LAST_MESSAGE = update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == bindparam("b_id")).values(
    last_message_at=bindparam("b_at", type_=_CONVERSATIONS.c.last_message_at.type))
_HANDLED_BY = update(_MESSAGES).where(_MESSAGES.c.id == bindparam("b_id")).values(
    payload=bindparam("b_payload", type_=_MESSAGES.c.payload.type))


class BatchWrites:
    """The buffer of one batch (one transaction of `session`)."""

    def __init__(self, session: Session, now: datetime, clock_now: datetime) -> None:
        """`now`: the wall clock, for the times rows are written and seen; `clock_now`: the worker's
        clock, which tests move, for when a profile look-up is due."""
        self.session = session
        self.now = now
        self.clock_now = clock_now
        self._outbox: list[dict[str, Any]] = []
        # History rows in order; a reply's row names its outbox row by position in `_outbox`.
        self._messages: list[tuple[dict[str, Any], int | None, int | None]] = []  # (row, outbox position, event row id)
        self._written_incoming: dict[int, tuple[int, dict[str, Any]]] = {}  # event row id -> (message id, payload)
        self._incoming: dict[int, dict[str, Any]] = {}  # event row id -> its history row, until written
        self._seen: set[int] = set()
        self._last_message: dict[int, datetime] = {}
        self._profiles: set[int] = set()

    # --- what handling an event adds ------------------------------------------------------------

    def seen(self, identity: ChannelIdentity) -> None:
        """The sender was seen now (also on the object, without making it dirty)."""
        set_committed_value(identity, "last_seen_at", self.now)
        self._seen.add(identity.id)

    def last_message(self, conversation: Conversation, at: datetime) -> None:
        set_committed_value(conversation, "last_message_at", at)
        self._last_message[conversation.id] = at

    def profile_wanted(self, identity_id: int) -> None:
        self._profiles.add(identity_id)

    def incoming(self, event_row_id: int, row: dict[str, Any]) -> None:
        """The history row of an incoming event (`Message` columns)."""
        self._incoming[event_row_id] = row
        self._messages.append((row, None, event_row_id))

    def handled_by(self, event_row_id: int, name: str) -> None:
        """Note which handler answered on the event's history row, written or not yet."""
        row = self._incoming.get(event_row_id)
        if row is not None:
            row["payload"] = {**row["payload"], "handled_by": name}
            return
        written = self._written_incoming.get(event_row_id)
        if written is not None:  # a handler's read wrote the buffer early: update the row
            message_id, payload = written
            self.session.connection().execute(_HANDLED_BY, {"b_id": message_id, "b_payload": {**payload, "handled_by": name}})

    def replies(self, outbox_rows: Sequence[dict[str, Any]], conversation_id: int) -> None:
        """Outbox rows (`bot.pipeline.outbox_rows`) and, for each of their messages, an outgoing
        history row that points at its outbox row."""
        for values in outbox_rows:
            position = len(self._outbox)
            self._outbox.append(values)
            for message in values["messages"]:
                self._messages.append(({"conversation_id": conversation_id, "direction": "out", "kind": "text",
                                        "text": message["text"], "payload": {"outbound": message},
                                        "platform_message_id": None, "inbox_event_id": None,
                                        "created_at": self.now}, position, None))

    # --- writing ----------------------------------------------------------------------------------

    def write(self) -> None:
        """Write what is buffered: outbox rows first (the history points at them), then the history
        in arrival order, then the small updates. Each kind is one statement whatever the count."""
        connection = self.session.connection()
        if self._outbox or self._messages:
            outbox_ids = [row.id for row in connection.execute(_WRITE_OUTBOX, self._outbox)] if self._outbox else []
            rows = [{**row, "outbox_id": outbox_ids[position] if position is not None else None}
                    for row, position, _ in self._messages]
            message_ids = [row.id for row in connection.execute(_WRITE_MESSAGES, rows)] if rows else []
            for (row, _, event_row_id), message_id in zip(self._messages, message_ids, strict=True):
                if event_row_id is not None:
                    self._written_incoming[event_row_id] = (message_id, row["payload"])
            self._outbox, self._messages, self._incoming = [], [], {}
        if self._seen:
            connection.execute(_SEEN, {"ids": sorted(self._seen), "seen_at": self.now})
            self._seen = set()
        if self._last_message:
            connection.execute(_LAST_MESSAGE, [{"b_id": key, "b_at": at} for key, at in sorted(self._last_message.items())])
            self._last_message = {}
        if self._profiles:
            queue_profile_fetches(self.session, sorted(self._profiles), self.clock_now)
            self._profiles = set()

    def attach(self) -> None:
        """Write the buffer before each statement the session runs (see the module's docstring)."""
        event.listen(self.session, "do_orm_execute", self._before_statement)

    def detach(self) -> None:
        event.remove(self.session, "do_orm_execute", self._before_statement)

    def _before_statement(self, state: ORMExecuteState) -> None:
        if self._outbox or self._messages or self._seen or self._last_message or self._profiles:
            self.write()
