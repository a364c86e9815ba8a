"""Telegram updates, parsed by python-telegram-bot's own `Update.de_json`, normalised into `Inbound`.

What the customer did becomes the same kinds LINE produces where the meaning is the same: `/start`
is a follow (with its deep-link payload), a button press is a postback, blocking the bot is an
unfollow, adding it to a group is a join. What only Telegram says has its own kind: `/stop` is an
explicit opt-out, `/help` a help request, a group that became a supergroup is `migrated`.
Nothing here is trusted: a start payload or callback data that breaks the rules is dropped and
marked, so the handlers can never be fed a value we did not issue in a shape we did not expect.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from telegram import Bot, CallbackQuery, ChatMemberUpdated, Message, Update

from bot.events import Inbound, rejected_event, storable
from channels.webhook_json import INT64_MAX, problem, record

# Telegram allows up to 64 characters of A-Z a-z 0-9 _ - in a deep link; we only issue these two.
START_PAYLOAD_RE = re.compile(r"^(ref|src)_[A-Za-z0-9_-]{1,60}$")
CALLBACK_DATA_MAX_BYTES = 64
# Telegram's callback query ids are short decimal strings; a longer or odder one is not worth echoing back.
CALLBACK_QUERY_ID_MAX_CHARS = 64
CHAT_TYPES = {"private": "user", "group": "group", "supergroup": "group"}
COMMAND_KINDS = {"stop": "opt_out", "help": "help"}


# What a malformed update raises while python-telegram-bot reads it or we normalise it
# (a `date` of 1e20 overflows datetime); anything else is our bug and should be loud.
MALFORMED = (ValueError, TypeError, AttributeError, KeyError, OverflowError, OSError)
UPDATE_PARTS = ("message", "edited_message", "channel_post", "callback_query", "my_chat_member")


def usable_update_id(value: Any) -> bool:
    """An update_id we can key the inbox on: a non-negative integer within BIGINT."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= INT64_MAX


def read_update(document: Mapping[str, Any], bot: Bot) -> Inbound:
    """One Update (with a usable update_id): usable, or rejected with the reason (never raises for bad
    input). A rejected update keeps its update_id as event id, so Telegram's redelivery of it is
    stored once, and the webhook answers 200 so Telegram stops redelivering a body that cannot work."""
    reason = problem(document, "update") or next(
        (f"{part} is not an object" for part in UPDATE_PARTS if part in document and not isinstance(document[part], Mapping)),
        None)
    if reason is None:
        try:
            return storable(normalise(Update.de_json(dict(document), bot)))
        except MALFORMED as exc:
            reason = f"{type(exc).__name__}: {exc}"
    rejected = rejected_event("telegram", str(document["update_id"]), f"malformed update: {reason}", record(document),
                              chat_id=_chat_id_of(document))
    query_id = _callback_query_id_of(document)
    if query_id is None:
        return rejected
    # Kept so the webhook response can still answer the press: otherwise the user's button spins.
    return dataclasses.replace(rejected, payload={**rejected.payload, "callback_query_id": query_id})


def _callback_query_id_of(document: Mapping[str, Any]) -> str | None:
    """The id of a malformed update's button press, when it is one we can safely send back to
    Telegram as it arrived: a short printable string (no NUL, no control or lone surrogate)."""
    query = document.get("callback_query")
    query_id = query.get("id") if isinstance(query, Mapping) else None
    # isprintable() is False for NUL, other control characters and lone surrogates.
    if isinstance(query_id, str) and 0 < len(query_id) <= CALLBACK_QUERY_ID_MAX_CHARS and query_id.isprintable():
        return query_id
    return None


def _chat_id_of(document: Mapping[str, Any]) -> str:
    """The chat a malformed update came from, where it says so plainly (for the record only)."""
    for part in UPDATE_PARTS:
        body = document.get(part)
        chat = body.get("chat") if isinstance(body, Mapping) else None
        chat_id = chat.get("id") if isinstance(chat, Mapping) else None
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            return str(chat_id)
    return ""


def _id(value: Any, name: str) -> str:
    """A Telegram id (always an integer on the wire) as our string id; anything else is malformed."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} is not an integer")
    return str(value)


def normalise(update: Update) -> Inbound:
    """One update is one event; kinds we do not handle become `unknown` (stored and ignored)."""
    event_id = str(update.update_id)
    if update.message is not None:
        return _message(event_id, update.message)
    if update.callback_query is not None:
        return _callback(event_id, update.callback_query)
    if update.my_chat_member is not None:
        return _membership(event_id, update.my_chat_member)
    described = next((name for name in ("edited_message", "channel_post", "inline_query", "poll", "chat_member")
                      if getattr(update, name, None) is not None), "other")
    return Inbound(channel="telegram", kind="unknown", event_id=event_id, occurred_at=datetime.now(UTC),
                   chat_id="", payload={"type": described})


def _base(event_id: str, message: Message, **fields: Any) -> Inbound:
    chat = message.chat
    sender = message.from_user
    values: dict[str, Any] = {
        "channel": "telegram", "event_id": event_id, "occurred_at": message.date.astimezone(UTC),
        "chat_id": _id(chat.id, "chat.id"), "chat_type": CHAT_TYPES.get(chat.type, "room"),
        "user_id": _id(sender.id, "from.id") if sender else None, "message_id": _id(message.message_id, "message_id"),
    }
    values.update(fields)
    if sender is not None and not sender.is_bot:  # who wrote: the name staff see for a new customer
        profile = {"first_name": sender.first_name, "last_name": sender.last_name, "username": sender.username}
        values["payload"] = {**values.get("payload", {}), "profile": {k: v for k, v in profile.items() if v}}
    return Inbound(**values)


def _message(event_id: str, message: Message) -> Inbound:
    if message.migrate_to_chat_id or message.migrate_from_chat_id:
        old = _id(message.migrate_from_chat_id or message.chat.id, "migrate_from_chat_id")
        new = _id(message.migrate_to_chat_id or message.chat.id, "migrate_to_chat_id")
        return _base(event_id, message, kind="migrated", chat_id=old, chat_type="group",
                     payload={"from_chat_id": old, "to_chat_id": new})
    if message.text is not None:
        return _text(event_id, message)
    if message.contact is not None:
        contact = message.contact
        return _base(event_id, message, kind="contact", payload={
            "phone": contact.phone_number, "first_name": contact.first_name, "last_name": contact.last_name,
            "contact_user_id": str(contact.user_id) if contact.user_id else None})
    if message.location is not None:
        venue = message.venue
        return _base(event_id, message, kind="location", payload={
            "latitude": message.location.latitude, "longitude": message.location.longitude,
            "title": venue.title if venue else None, "address": venue.address if venue else None})
    if message.photo:
        largest = max(message.photo, key=lambda p: p.width * p.height)
        return _base(event_id, message, kind="image", text=message.caption, payload={
            "file_id": largest.file_id, "file_unique_id": largest.file_unique_id,
            "width": largest.width, "height": largest.height, "file_size": largest.file_size})
    attachment = message.document or message.video or message.audio or message.voice
    if attachment is not None:
        return _base(event_id, message, kind="attachment", text=message.caption, payload={
            "attachment_type": type(attachment).__name__.lower(), "file_id": attachment.file_id,
            "file_name": getattr(attachment, "file_name", None), "mime_type": getattr(attachment, "mime_type", None),
            "file_size": attachment.file_size})
    if message.sticker is not None:
        return _base(event_id, message, kind="sticker", payload={"emoji": message.sticker.emoji,
                                                                 "set_name": message.sticker.set_name})
    return _base(event_id, message, kind="unknown", payload={"type": "message/other"})


def _text(event_id: str, message: Message) -> Inbound:
    text = message.text or ""
    command, argument = _command(text)
    if command == "start":
        payload: dict[str, Any] = {"unblocked": False}
        if argument:
            if START_PAYLOAD_RE.match(argument):
                payload["start"] = argument
            else:
                payload["start_rejected"] = True  # not one of ours: never recorded as a source
        return _base(event_id, message, kind="follow", payload=payload)
    if command in COMMAND_KINDS and message.chat.type == "private":
        return _base(event_id, message, kind=COMMAND_KINDS[command], text=text, payload={"command": command})
    return _base(event_id, message, kind="text", text=text)


def _command(text: str) -> tuple[str | None, str]:
    """`/start@ShopBot ref_x` -> ("start", "ref_x"); plain text -> (None, "")."""
    if not text.startswith("/"):
        return None, ""
    head, _, rest = text[1:].partition(" ")
    return head.split("@", 1)[0].lower(), rest.strip()


def _callback(event_id: str, query: CallbackQuery) -> Inbound:
    """A button press. Its data is checked for shape only; what it means is for the handlers to verify."""
    data = query.data if isinstance(query.data, str) else ""
    payload: dict[str, Any] = {"data": data, "callback_query_id": query.id}
    if not data or len(data.encode()) > CALLBACK_DATA_MAX_BYTES or not data.isprintable():
        payload.update(data="", invalid=True)
    message = query.message
    chat = getattr(message, "chat", None)
    return Inbound(
        channel="telegram", kind="postback", event_id=event_id, occurred_at=datetime.now(UTC),
        chat_id=_id(chat.id, "chat.id") if chat else _id(query.from_user.id, "from.id"),
        chat_type=CHAT_TYPES.get(chat.type, "room") if chat else "user",
        user_id=_id(query.from_user.id, "from.id"), payload=payload,
    )


def _membership(event_id: str, change: ChatMemberUpdated) -> Inbound:
    """The bot's own membership: blocked or unblocked in a private chat, added to or removed from a group."""
    chat = change.chat
    status = change.new_chat_member.status
    chat_type = CHAT_TYPES.get(chat.type, "room")
    if chat_type == "user":
        # An unblock is always followed by /start, which restores reachability and greets once.
        kind = "unfollow" if status == "kicked" else "unknown"
    else:
        kind = "join" if status in ("member", "administrator") else "leave" if status in ("left", "kicked") else "unknown"
    return Inbound(
        channel="telegram", kind=kind, event_id=event_id, occurred_at=change.date.astimezone(UTC),
        chat_id=_id(chat.id, "chat.id"), chat_type=chat_type,
        user_id=_id(change.from_user.id, "from.id") if chat_type == "user" else None,
        payload={"status": status},
    )
