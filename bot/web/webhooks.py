"""Webhook endpoints: verify, normalise, store in the inbox, answer. Nothing else happens here.

Why so little: LINE retries slow webhooks and eventually disables them, so the request does only
what makes the event safe (one INSERT and a commit) and the worker does the rest.

On PostgreSQL that is one round trip: the INSERT of all the body's events runs in autocommit mode,
a single statement being atomic on its own, so no BEGIN and COMMIT travel around it (they were two
of the acknowledgement's three round trips). SQLite keeps its explicit write transaction, which
also takes the write lock up front (models/db.py).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import Connection, Engine

from bot import pipeline
from channels.base import WebhookRejected
from models.sqlite_writer import FIRST_IN_LINE

log = logging.getLogger(__name__)
webhooks = Blueprint("webhooks", __name__)


def ack_connection(engine: Engine) -> Connection:
    """A connection for the acknowledgement: autocommit on PostgreSQL; on SQLite a write transaction
    at the head of the process's queue of writers (models/sqlite_writer.py)."""
    if engine.dialect.name == "postgresql":
        return engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    return engine.connect().execution_options(**{FIRST_IN_LINE: True})


@webhooks.post("/webhooks/<channel_name>")
def receive(channel_name: str) -> Any:
    runtime = current_app.extensions["bot"]
    channel = runtime.channels.get(channel_name)
    if channel is None:
        return jsonify(error=f"channel {channel_name!r} is not configured"), 404
    body = request.get_data(cache=False)  # over MAX_CONTENT_LENGTH: 413 before we read it all
    try:
        events = channel.parse(request.headers, body)
    except WebhookRejected as exc:
        log.info("webhook refused", extra={"channel": channel_name, "status": exc.status, "reason": exc.reason})
        return jsonify(error=exc.reason), exc.status
    stored = 0
    if events:
        with ack_connection(runtime.engine) as connection:
            stored = pipeline.accept(connection, events)
            connection.commit()  # a no-op in autocommit mode (PostgreSQL); SQLite's BEGIN IMMEDIATE ends here
    # Rejected events are stored with their reason and still answered 200: the platform would
    # redeliver a body answered 5xx (or 4xx) again and again, and that body can never succeed.
    rejected = sum(1 for event in events if event.rejected)
    if rejected:
        log.warning("webhook events rejected", extra={"channel": channel_name, "rejected": rejected})
    # A platform may let the response carry one call back to it (Telegram: answer a button press).
    reply = getattr(channel, "webhook_reply", None)
    answer = reply(events) if reply else None
    summary = {"received": len(events), "stored": stored, **({"rejected": rejected} if rejected else {})}
    return jsonify(answer or summary), 200
