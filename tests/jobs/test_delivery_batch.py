"""A delivery batch records its successes in one statement, and they are all recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from bot import pipeline
from bot.events import Outbound
from models import OutboxMessage


def test_a_batch_of_sends_is_recorded_in_one_statement(runtime: Any, worker: Any, standin: Any, db: Any) -> None:
    with runtime.sessions.begin() as session:
        for index in range(5):
            pipeline.enqueue(session, "line", f"U{index:032d}", [Outbound(f"hello {index}")])
    updates: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE OUTBOX"):
            updates.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", seen)
    try:
        assert worker.deliver_once() == 5
    finally:
        event.remove(runtime.engine, "before_cursor_execute", seen)
    assert len(standin.deliveries) == 5
    assert len(updates) == 2  # the claim, and the five outcomes together
    rows = db.all(select(OutboxMessage))
    assert {(r.status, r.transport, r.lease_owner) for r in rows} == {("sent", "push", None)}
    assert all(r.sent_at is not None and r.platform_ids for r in rows)
