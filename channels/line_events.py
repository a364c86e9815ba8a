"""LINE webhook events (plain JSON dicts) normalised into `Inbound`.

Why not the SDK's model classes here: the webhook must answer in milliseconds, and a dict walk is
an order of magnitude cheaper than building pydantic models for every event. The tests check
this normalisation against the SDK's own parser on the SDK's own test body.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.events import Inbound

ATTACHMENT_TYPES = {"file", "audio", "video"}
SIMPLE_KINDS = {"unfollow": "unfollow", "join": "join", "leave": "leave"}


def event_id(event: Mapping[str, Any]) -> str:
    """The dedup key: LINE's `webhookEventId` plus a digest of the event's content.

    A redelivery repeats both (the digest leaves out `deliveryContext` and `replyToken`, the parts
    a redelivery may change), so it is stored once. The digest keeps apart distinct events that
    carry one id, as the SDK's own test body does, instead of silently dropping all but one.
    """
    content = {k: v for k, v in event.items() if k not in ("deliveryContext", "replyToken")}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    webhook_id = event.get("webhookEventId")
    return f"{webhook_id}:{digest[:16]}" if isinstance(webhook_id, str) and webhook_id else digest


def normalise(event: Mapping[str, Any]) -> Inbound:
    """Map one LINE event onto an `Inbound`; a type we do not know becomes kind `unknown`."""
    if not isinstance(event, Mapping):
        raise ValueError("event is not an object")
    source = event.get("source") or {}
    chat_type = source.get("type", "user")
    chat_id = source.get("groupId") or source.get("roomId") or source.get("userId") or ""
    timestamp = event.get("timestamp")
    if not isinstance(timestamp, (int, float)):
        raise ValueError("event has no timestamp")
    kind, text, payload, message_id = _kind_and_content(event)
    context = event.get("deliveryContext") or {}
    return Inbound(
        channel="line",
        kind=kind,
        event_id=event_id(event),
        occurred_at=datetime.fromtimestamp(timestamp / 1000, tz=UTC),
        chat_id=str(chat_id),
        chat_type=chat_type if chat_type in ("user", "group", "room") else "user",
        user_id=source.get("userId"),
        text=text,
        payload=payload,
        message_id=message_id,
        reply_handle=event.get("replyToken"),
        standby=event.get("mode") == "standby",
        redelivery=bool(context.get("isRedelivery")),
    )


def _kind_and_content(event: Mapping[str, Any]) -> tuple[str, str | None, dict[str, Any], str | None]:
    etype = event.get("type")
    if etype == "message":
        return _message(event.get("message") or {})
    if etype == "follow":
        return "follow", None, {"unblocked": bool((event.get("follow") or {}).get("isUnblocked"))}, None
    if etype in SIMPLE_KINDS:
        return SIMPLE_KINDS[etype], None, {}, None
    if etype == "postback":
        postback = event.get("postback") or {}
        return "postback", None, {"data": str(postback.get("data", "")), "params": dict(postback.get("params") or {})}, None
    if etype in ("memberJoined", "memberLeft"):
        members = (event.get("joined") or event.get("left") or {}).get("members", [])
        ids = [m.get("userId") for m in members if isinstance(m, Mapping)]
        return ("member_joined" if etype == "memberJoined" else "member_left"), None, {"members": ids}, None
    if etype == "unsend":
        return "unsend", None, {"message_id": (event.get("unsend") or {}).get("messageId")}, None
    return "unknown", None, {"type": str(etype)}, None


def _message(message: Mapping[str, Any]) -> tuple[str, str | None, dict[str, Any], str | None]:
    mtype = message.get("type")
    mid = message.get("id")
    if mtype == "text":
        return "text", str(message.get("text", "")), {}, mid
    if mtype == "sticker":
        return "sticker", None, {"package_id": message.get("packageId"), "sticker_id": message.get("stickerId"),
                                 "keywords": list(message.get("keywords") or [])}, mid
    if mtype == "image":
        return "image", None, {"content_provider": dict(message.get("contentProvider") or {})}, mid
    if mtype == "location":
        return "location", None, {k: message.get(k) for k in ("title", "address", "latitude", "longitude")}, mid
    if mtype in ATTACHMENT_TYPES:
        return "attachment", None, {"attachment_type": mtype, "file_name": message.get("fileName"),
                                    "file_size": message.get("fileSize"), "duration": message.get("duration")}, mid
    return "unknown", None, {"type": f"message/{mtype}"}, mid
