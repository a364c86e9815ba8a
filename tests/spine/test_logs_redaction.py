"""Logs at DEBUG carry no message bodies, reply tokens or SQL parameters, on SQLite and PostgreSQL.

The logs are read twice: as the service writes them (the JSON lines of `configure_logging`) and as
any other handler on the root logger receives them (pytest's caplog)."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import insert, select, text

from bot.devtools.chat import line_event
from bot.engine import Context, Router
from bot.logs import configure_logging
from bot.worker import Worker
from models import InboxEvent, SentNotice
from models.db import is_postgresql
from tests.chat import Chat
from tests.conftest import CHANNEL_SECRET


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], str]]:
    """The service's own logging set-up at DEBUG; returns everything logged so far. Restores the set-up after."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    loggers = [logging.getLogger(name) for name in list(logging.Logger.manager.loggerDict)]
    saved_levels = {logger.name: logger.level for logger in loggers}
    for logger in loggers:  # as in a fresh process: no level left behind by earlier tests (or Alembic's logging set-up)
        logger.setLevel(logging.NOTSET)
    stream = io.StringIO()
    configure_logging("DEBUG", stream)
    caplog.handler.setLevel(logging.DEBUG)
    root.addHandler(caplog.handler)
    yield lambda: stream.getvalue() + "\n" + caplog.text
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    for name, level in saved_levels.items():
        logging.getLogger(name).setLevel(level)


def test_a_database_error_in_a_handler_is_logged_without_its_parameters(runtime, server, standin, db, debug_logs):
    secret = f"secret-{uuid.uuid4().hex}"

    def collide(ctx: Context) -> None:
        statement = insert(SentNotice).values(key=secret)
        ctx.session.execute(statement)
        ctx.session.execute(statement)  # the same primary key: an IntegrityError that names the value

    def bad_data(ctx: Context) -> None:
        # PostgreSQL: "invalid input syntax for type integer" quotes the value; SQLite: malformed JSON.
        query = "SELECT CAST(:value AS integer)" if is_postgresql(ctx.session) else "SELECT json(:value)"
        ctx.session.execute(text(query), {"value": secret})

    for name, handle in (("collide", collide), ("bad_data", bad_data)):
        router = Router()
        router.add(name, 0, handle)
        worker = Worker(runtime.settings, runtime.sessions, router, runtime.channels, owner=f"test-{name}")
        chat = Chat(server, worker, standin, CHANNEL_SECRET, user=f"U{uuid.uuid4().hex}")
        chat.send("message", text="hello")

    logged = debug_logs()
    assert "IntegrityError" in logged and ("DataError" in logged or "OperationalError" in logged)
    assert "SQL parameters hidden" in logged
    assert secret not in logged
    if is_postgresql(runtime.engine):
        assert "sqlstate 23505" in logged and "constraint pk_sent_notices" in logged and "sqlstate 22P02" in logged
    # The error kept on the event for staff is as free of values as the log.
    errors = db.all(select(InboxEvent.error))
    assert any(errors) and all(secret not in (error or "") for error in errors)


def test_a_chat_round_trip_logs_neither_the_text_nor_the_reply_token(chat, debug_logs):
    words = f"我的秘密訊息 {uuid.uuid4().hex}"
    token = f"replytoken{uuid.uuid4().hex}"
    event = line_event("message", chat.user, text=words)
    event["replyToken"] = token
    assert chat.post([event]).status_code == 200
    deliveries = chat.replies()
    assert [d["reply_token"] for d in deliveries] == [token]  # the round trip really happened
    logged = debug_logs()
    assert words not in logged and token not in logged
    for delivery in deliveries:
        for message in delivery["messages"]:
            assert message.get("text", "")[:30] not in logged


def test_the_formatter_blanks_fields_that_hold_bodies_or_secrets(debug_logs):
    logging.getLogger("bot.test").warning(
        "outbox row failed: (x) boom\n[SQL: INSERT INTO t VALUES (?)]\n[parameters: ('hidden-1',)]\nDETAIL:  Key (k)=(hidden-2)",
        extra={"text": "hidden-3", "reply_token": "hidden-4", "Payload": {"a": "hidden-5"}, "channel": "line"})
    line = debug_logs().splitlines()[0]
    entry = json.loads(line)
    assert "hidden-" not in line
    assert entry["text"] == entry["reply_token"] == entry["Payload"] == "[redacted]" and entry["channel"] == "line"
    assert "[parameters hidden]" in entry["message"] and "[SQL: INSERT INTO t VALUES (?)]" in entry["message"]
