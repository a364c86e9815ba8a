"""The router's contract, and the order of events within one conversation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.devtools.chat import line_event
from bot.engine import Router
from bot.events import Outbound
from bot.routing import build_router
from models import InboxEvent, InboxLane, Message, utcnow


def test_first_match_wins_lower_group_first_none_falls_through():
    router = Router()
    calls = []
    router.add("late", 20, lambda ctx: calls.append("late") or [Outbound("late")])
    router.add("declines", 10, lambda ctx: calls.append("declines") or None)
    router.add("early", 10, lambda ctx: calls.append("early") or [Outbound("early")])
    router.set_fallback("fallback", lambda ctx: [Outbound("fallback")])
    assert router.order == ["declines", "early", "late", "fallback"]
    name, replies = router.route(None)  # type: ignore[arg-type]
    assert (name, [r.text for r in replies], calls) == ("early", ["early"], ["declines", "early"])


def test_an_empty_list_means_handled_silently():
    router = Router()
    router.add("silent", 0, lambda ctx: [])
    router.set_fallback("fallback", lambda ctx: [Outbound("menu")])
    assert router.route(None) == ("silent", [])  # type: ignore[arg-type]


def test_registering_a_name_twice_or_two_fallbacks_is_an_error():
    router = Router()
    router.add("a", 0, lambda ctx: None)
    with pytest.raises(ValueError, match="registered twice"):
        router.add("a", 5, lambda ctx: None)
    router.set_fallback("f", lambda ctx: None)
    with pytest.raises(ValueError, match="already registered"):
        router.set_fallback("g", lambda ctx: None)


def test_the_real_router_ends_with_the_fallback():
    assert build_router().order[-1] == "faq.fallback"


def test_events_of_one_conversation_are_handled_in_the_order_they_happened(chat, db):
    now = int(utcnow().timestamp() * 1000)
    later = line_event("message", chat.user, text="second", timestamp_ms=now)
    earlier = line_event("message", chat.user, text="first", timestamp_ms=now - 5000)
    assert chat.post([later]).status_code == 200  # arrives first, happened second
    assert chat.post([earlier]).status_code == 200
    chat.replies()
    incoming = db.all(select(Message.text).where(Message.direction == "in").order_by(Message.id))
    assert incoming == ["first", "second"]


def test_many_conversations_are_all_handled_once(chat, db):
    users = [f"U{i:032x}" for i in range(30)]
    events = [line_event("message", u, text="營業時間") for u in users for _ in range(2)]
    assert chat.post(events).status_code == 200
    deliveries = chat.replies()
    assert len(deliveries) == 60
    assert db.all(select(InboxEvent.status).distinct()) == ["done"]


def test_a_handler_crash_is_retried_then_failed_with_an_apology(chat, runtime, worker, db):
    def explode(ctx):
        if ctx.text == "boom":
            raise RuntimeError("handler bug")
        return None

    worker.router = build_router()
    worker.router.add("test.explode", -1, explode)
    chat.post([line_event("message", chat.user, text="boom")])
    for _ in range(3):
        worker.drain()
        with runtime.sessions.begin() as session:  # end the backoff hold on the lane early
            session.execute(update(InboxLane).values(lease_owner=None, lease_expires_at=None))
    row = db.scalar(select(InboxEvent))
    assert row.status == "failed" and row.attempts == 3 and "handler bug" in row.error
    assert "系統暫時無法處理" in chat.replies()[-1]["messages"][0]["text"]
    assert utcnow() - row.received_at < timedelta(minutes=1)
