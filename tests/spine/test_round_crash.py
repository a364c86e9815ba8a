"""A worker that dies in the middle of a round of events loses none and answers none twice.

On PostgreSQL a round runs in one transaction (bot/worker.py `_batch`): a death before its
commit takes back every event of the round, replies included, so the whole round comes back."""

from __future__ import annotations

import collections

import pytest
from sqlalchemy import func, select, update

from bot.devtools.chat import line_event
from bot.routing import build_router
from models import InboxEvent, InboxLane, OutboxMessage


class Died(BaseException):
    """Stands for SIGKILL: not an Exception, so no handler-failure path catches it."""


def test_a_round_cut_short_comes_back_whole(chat, runtime, worker, standin, db, db_url):
    users = [f"U{i:032x}" for i in range(10)]
    events = [line_event("message", user, text="營業時間") for user in users]
    assert chat.post(events).status_code == 200
    seen: list[str] = []

    def die_on_the_sixth(ctx):  # noqa: ANN001, ANN202 - a handler
        seen.append(ctx.event.user_id)
        if len(seen) == 6:
            raise Died()
        return None

    worker.router = build_router()
    worker.router.add("test.die", -1, die_on_the_sixth)
    with pytest.raises(Died):
        worker.process_inbox_once()
    if db_url.startswith("postgresql"):  # one transaction: nothing of the round was kept
        assert db.scalar(select(func.count()).where(InboxEvent.status == "done")) == 0
        assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    with runtime.sessions.begin() as session:  # as if the dead worker's leases had run out
        session.execute(update(InboxLane).values(lease_owner=None, lease_expires_at=None))
    worker.router = build_router()
    worker.drain()
    assert db.scalar(select(func.count()).where(InboxEvent.status == "done")) == len(users)
    user_of_token = {e["replyToken"]: e["source"]["userId"] for e in events}
    received = collections.Counter(user_of_token[d["reply_token"]] if d["kind"] == "reply" else d["to"][0]
                                   for d in standin.deliveries)
    assert received == {user: 1 for user in users}
