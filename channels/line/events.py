"""LINE webhook events (plain JSON dicts) normalised into `Inbound`.

Why not the SDK's model classes here: the webhook must answer in milliseconds, and a dict walk is
an order of magnitude cheaper than building pydantic models for every event. The tests check
this normalisation against the SDK's own parser on the SDK's own test body.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.events import EARLIEST_EVENT, LATEST_EVENT, Inbound, rejected_event, storable
from bot.safe_text import has_unstorable
from channels.webhook_json import problem, record

ATTACHMENT_TYPES = {"file", "audio", "video"}
SIMPLE_KINDS = {"unfollow": "unfollow", "join": "join", "leave": "leave"}
SOURCE_IDS = ("groupId", "roomId", "userId")
WEBHOOK_EVENT_ID_CHARS = 100
EARLIEST_MS = EARLIEST_EVENT.timestamp() * 1000
LATEST_MS = LATEST_EVENT.timestamp() * 1000
# What a malformed event raises while it is read; anything else is our bug and should be loud.
MALFORMED = (ValueError, TypeError, AttributeError, KeyError, OverflowError, OSError)


def read_event(event: Any) -> Inbound:
    """One event of a webhook body: usable, or rejected with the reason (never raises for bad input).

    Each event is judged alone, because one body carries many users' events and LINE would
    redeliver the whole body on an error: the well-formed ones must not wait for, or be lost with,
    a malformed neighbour."""
    reason = problem(event)
    if reason is None:
        try:
            return storable(normalise(event))
        except MALFORMED as exc:
            reason = str(exc) or type(exc).__name__
    kept = record(event)
    source = event.get("source") if isinstance(event, Mapping) else None
    chat_id = next((source[k] for k in SOURCE_IDS if isinstance(source, Mapping) and source.get(k)), "")
    return rejected_event("line", event_id(kept if isinstance(kept, Mapping) else {"event": kept}),
                          f"malformed event: {reason}", kept, chat_id=chat_id)


def event_id(event: Mapping[str, Any]) -> str:
    """The dedup key: LINE's `webhookEventId` plus a digest of the event's content.

    A redelivery repeats both (the digest leaves out `deliveryContext` and `replyToken`, the parts
    a redelivery may change), so it is stored once. The digest keeps apart distinct events that
    carry one id, as the SDK's own test body does, instead of silently dropping all but one.
    """
    content = {k: v for k, v in event.items() if k not in ("deliveryContext", "replyToken")}
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(encoded).hexdigest()
    webhook_id = event.get("webhookEventId")
    return f"{webhook_id}:{digest[:16]}" if _usable_webhook_id(webhook_id) else digest


def _usable_webhook_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= WEBHOOK_EVENT_ID_CHARS and not has_unstorable(value)


def _object(holder: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """`holder[key]` when it is an object, {} when absent; anything else is a malformed event."""
    value = holder.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{key} is not an object")
    return value


def normalise(event: Mapping[str, Any]) -> Inbound:
    """Map one LINE event onto an `Inbound`; a type we do not know becomes kind `unknown`."""
    if not isinstance(event, Mapping):
        raise ValueError("event is not an object")
    source = _object(event, "source")
    webhook_id = event.get("webhookEventId")
    if webhook_id is not None and not _usable_webhook_id(webhook_id):
        raise ValueError(f"webhookEventId is not a string of 1 to {WEBHOOK_EVENT_ID_CHARS} plain characters")
    for key in SOURCE_IDS:
        if source.get(key) is not None and not isinstance(source.get(key), str):
            raise ValueError(f"source.{key} is not a string")
    chat_type = source.get("type", "user")
    chat_id = source.get("groupId") or source.get("roomId") or source.get("userId") or ""
    kind, text, payload, message_id = _kind_and_content(event)
    context = _object(event, "deliveryContext")
    return Inbound(
        channel="line",
        kind=kind,
        event_id=event_id(event),
        occurred_at=_occurred_at(event.get("timestamp")),
        chat_id=chat_id,
        chat_type=chat_type if chat_type in ("user", "group", "room") else "user",
        user_id=source.get("userId"),
        text=text,
        payload=payload,
        message_id=message_id,
        reply_handle=event.get("replyToken"),
        standby=event.get("mode") == "standby",
        redelivery=bool(context.get("isRedelivery")),
    )


def _occurred_at(timestamp: Any) -> datetime:
    """LINE's millisecond timestamp, checked before conversion (1e20 ms would overflow datetime)."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
        raise ValueError("event has no timestamp")
    if not math.isfinite(timestamp) or not EARLIEST_MS <= timestamp < LATEST_MS:
        raise ValueError("timestamp is outside the years 2000 to 2099")
    return datetime.fromtimestamp(timestamp / 1000, tz=UTC)


def _kind_and_content(event: Mapping[str, Any]) -> tuple[str, str | None, dict[str, Any], str | None]:
    etype = event.get("type")
    if etype == "message":
        return _message(_object(event, "message"))
    if etype == "follow":
        return "follow", None, {"unblocked": bool(_object(event, "follow").get("isUnblocked"))}, None
    if etype in SIMPLE_KINDS:
        return SIMPLE_KINDS[etype], None, {}, None
    if etype == "postback":
        postback = _object(event, "postback")
        return "postback", None, {"data": str(postback.get("data", "")), "params": dict(_object(postback, "params"))}, None
    if etype in ("memberJoined", "memberLeft"):
        members = _object(event, "joined" if etype == "memberJoined" else "left").get("members") or []
        if not isinstance(members, list):
            raise ValueError("members is not a list")
        ids = [m.get("userId") for m in members if isinstance(m, Mapping) and isinstance(m.get("userId"), str)]
        return ("member_joined" if etype == "memberJoined" else "member_left"), None, {"members": ids}, None
    if etype == "unsend":
        return "unsend", None, {"message_id": _object(event, "unsend").get("messageId")}, None
    return "unknown", None, {"type": str(etype)}, None


def _list(holder: Mapping[str, Any], key: str) -> list[Any]:
    value = holder.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{key} is not a list")
    return value


def _message(message: Mapping[str, Any]) -> tuple[str, str | None, dict[str, Any], str | None]:
    mtype = message.get("type")
    mid = message.get("id")
    if mtype == "text":
        return "text", str(message.get("text", "")), {}, mid
    if mtype == "sticker":
        return "sticker", None, {"package_id": message.get("packageId"), "sticker_id": message.get("stickerId"),
                                 "keywords": _list(message, "keywords")}, mid
    if mtype == "image":
        return "image", None, {"content_provider": dict(_object(message, "contentProvider"))}, mid
    if mtype == "location":
        return "location", None, {k: message.get(k) for k in ("title", "address", "latitude", "longitude")}, mid
    if mtype in ATTACHMENT_TYPES:
        return "attachment", None, {"attachment_type": mtype, "file_name": message.get("fileName"),
                                    "file_size": message.get("fileSize"), "duration": message.get("duration")}, mid
    return "unknown", None, {"type": f"message/{mtype}"}, mid
