"""A poison event ends: a handler that always raises, and a failure path that raises too, still
end the event `failed` after a bounded number of attempts, with the apology sent once, while the
other conversations claimed with it are answered at once and nothing stays `pending`."""

from __future__ import annotations

import collections
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

import bot.worker
from bot.devtools.chat import line_event
from bot.leasing import claim_lanes
from bot.routing import build_router
from bot.worker import MAX_EVENT_ATTEMPTS, Worker
from models import InboxEvent, InboxLane, utcnow

APOLOGY = "系統暫時無法處理"


def poison_router(worker: Worker) -> list[str]:
    """The real router with one handler in front that raises on "boom"; returns the calls it got."""
    calls: list[str] = []

    def explode(ctx):  # noqa: ANN001, ANN202 - a handler
        if ctx.text == "boom":
            calls.append(ctx.text)
            raise RuntimeError("handler bug")
        return None

    worker.router = build_router()
    worker.router.add("test.explode", -1, explode)
    return calls


def break_failure_recording(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail_event(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("recording the failure failed")

    monkeypatch.setattr(bot.worker, "fail_event", fail_event)


def end_holds(runtime) -> None:  # noqa: ANN001
    """Let the backoff hold on a failed lane run out now instead of in a few seconds."""
    with runtime.sessions.begin() as session:
        session.execute(update(InboxLane).values(lease_owner=None, lease_expires_at=None))


def received_by_user(events: list[dict[str, Any]], deliveries: list[dict[str, Any]]) -> dict[str, list[str]]:
    user_of_token = {e["replyToken"]: e["source"]["userId"] for e in events}
    received: dict[str, list[str]] = collections.defaultdict(list)
    for delivery in deliveries:
        user = user_of_token[delivery["reply_token"]] if delivery["kind"] == "reply" else delivery["to"][0]
        received[user] += [m.get("text") or m.get("template", {}).get("text", "") for m in delivery["messages"]]
    return received


def test_a_poison_event_ends_when_recording_its_failure_fails_too(chat, runtime, worker, standin, db, monkeypatch):
    calls = poison_router(worker)
    break_failure_recording(monkeypatch)
    now_ms = int(utcnow().timestamp() * 1000)
    poison = line_event("message", chat.user, text="boom", timestamp_ms=now_ms - 2000)
    behind = line_event("message", chat.user, text="營業時間", timestamp_ms=now_ms - 1000)
    others = [line_event("message", f"U{i:032x}", text="營業時間", timestamp_ms=now_ms) for i in range(5)]
    events = [poison, behind, *others]
    assert chat.post(events).status_code == 200

    started = time.monotonic()
    worker.process_inbox_once()  # one round claims all six conversations together
    # the other conversations were handled in that round and their lanes given back now ...
    assert db.scalar(select(func.count()).where(InboxEvent.status == "done")) == len(others)
    assert db.all(select(InboxLane.key).where(InboxLane.lease_owner.is_not(None))) == [f"line:{chat.user}"]
    # ... and the poison's lane is only held for a short backoff, far less than the 30 s lease
    hold = db.scalar(select(func.max(InboxLane.lease_expires_at)))
    assert runtime.settings.worker.lease_seconds == 30 and hold - utcnow() < timedelta(seconds=5)
    worker.drain()
    assert time.monotonic() - started < 10
    received = received_by_user(events, standin.deliveries)
    assert all(len(received[o["source"]["userId"]]) == 1 for o in others)

    for _ in range(MAX_EVENT_ATTEMPTS + 2):
        end_holds(runtime)
        worker.drain()
    row = db.scalar(select(InboxEvent).where(InboxEvent.lane_key == f"line:{chat.user}").order_by(InboxEvent.occurred_at))
    assert row.status == "failed" and row.attempts == MAX_EVENT_ATTEMPTS
    assert len(calls) == MAX_EVENT_ATTEMPTS  # the handler never ran more often than the bound
    assert db.scalar(select(func.count()).where(InboxEvent.status == "pending")) == 0
    received = received_by_user(events, standin.deliveries)
    mine = received[chat.user]
    assert sum(APOLOGY in text for text in mine) == 1, mine  # the apology, exactly once
    assert len(mine) == 2 and APOLOGY not in mine[1]  # then the event behind it was answered
    assert all(len(received[o["source"]["userId"]]) == 1 for o in others)


def test_an_event_claimed_too_often_ends_without_running_again(chat, runtime, worker, standin, db):
    """A worker that dies while handling (killed, out of memory) records nothing at all: the
    attempts counted at each claim still bring the event to an end."""
    calls = poison_router(worker)
    event = line_event("message", chat.user, text="boom")
    assert chat.post([event]).status_code == 200
    with runtime.sessions.begin() as session:  # three claims already made by workers that died
        session.execute(update(InboxEvent).values(attempts=MAX_EVENT_ATTEMPTS))
    worker.drain()
    row = db.scalar(select(InboxEvent))
    assert (row.status, row.attempts, calls) == ("failed", MAX_EVENT_ATTEMPTS + 1, [])
    assert "gave up" in row.error
    texts = [m["text"] for d in standin.deliveries for m in d["messages"]]
    assert len(texts) == 1 and APOLOGY in texts[0]


def test_an_event_whose_payload_cannot_be_read_still_ends(chat, runtime, worker, standin, db):
    """A real fault in both paths: the handler side and the apology both need the payload."""
    assert chat.post([line_event("message", chat.user, text="營業時間")]).status_code == 200
    with runtime.sessions.begin() as session:
        session.execute(update(InboxEvent).values(payload={"not": "an event"}))
    for _ in range(MAX_EVENT_ATTEMPTS + 1):
        worker.drain()
        end_holds(runtime)
    row = db.scalar(select(InboxEvent))
    assert (row.status, row.attempts) == ("failed", MAX_EVENT_ATTEMPTS)
    assert db.scalar(select(func.count()).select_from(InboxLane).where(InboxLane.lease_owner.is_not(None))) == 0
    assert standin.deliveries == []  # nobody could be named to answer


def test_only_pending_events_are_claimed(chat, runtime, db):
    assert chat.post([line_event("message", chat.user, text="hi")]).status_code == 200
    for status in ("rejected", "failed", "done"):
        with runtime.sessions.begin() as session:
            session.execute(update(InboxEvent).values(status=status))
        assert claim_lanes(runtime.sessions, "test", limit=10, lease_seconds=30, events_per_lane=10) == []
    assert db.scalar(select(func.count()).select_from(InboxEvent)) == 1


def test_the_events_behind_a_failed_event_go_on_in_the_same_round(chat, runtime, worker, standin, db):
    calls = poison_router(worker)
    now_ms = int(utcnow().timestamp() * 1000)
    events = [line_event("message", chat.user, text="boom", timestamp_ms=now_ms - 1000),
              line_event("message", chat.user, text="營業時間", timestamp_ms=now_ms)]
    assert chat.post(events).status_code == 200
    for _ in range(MAX_EVENT_ATTEMPTS - 1):
        worker.drain()
        end_holds(runtime)
    worker.drain()  # the last attempt fails the event, and its lane is not held after it
    assert len(calls) == MAX_EVENT_ATTEMPTS
    assert db.all(select(InboxEvent.status).order_by(InboxEvent.occurred_at)) == ["failed", "done"]
    assert db.scalar(select(func.count()).select_from(InboxLane).where(InboxLane.lease_owner.is_not(None))) == 0
    mine = received_by_user(events, standin.deliveries)[chat.user]
    assert len(mine) == 2 and APOLOGY in mine[0] and APOLOGY not in mine[1]
