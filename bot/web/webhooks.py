"""Webhook endpoints: verify, normalise, store in the inbox, answer. Nothing else happens here.

Why so little: LINE retries slow webhooks and eventually disables them, so the request does only
what makes the event safe (one INSERT and a commit) and the worker does the rest.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from bot import pipeline
from channels.base import WebhookRejected

log = logging.getLogger(__name__)
webhooks = Blueprint("webhooks", __name__)


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
        with runtime.engine.begin() as connection:
            stored = pipeline.accept(connection, events)
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
