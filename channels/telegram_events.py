"""Telegram updates, parsed by python-telegram-bot's own `Update.de_json`, normalised into `Inbound`.

What the customer did becomes the same kinds LINE produces where the meaning is the same: `/start`
is a follow (with its deep-link payload), a button press is a postback, blocking the bot is an
unfollow, adding it to a group is a join. What only Telegram says has its own kind: `/stop` is an
explicit opt-out, `/help` a help request, a group that became a supergroup is `migrated`.
Nothing here is trusted: a start payload or callback data that breaks the rules is dropped and
marked, so the handlers can never be fed a value we did not issue in a shape we did not expect.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from telegram import CallbackQuery, ChatMemberUpdated, Message, Update

from bot.events import Inbound

# Telegram allows up to 64 characters of A-Z a-z 0-9 _ - in a deep link; we only issue these two.
START_PAYLOAD_RE = re.compile(r"^(ref|src)_[A-Za-z0-9_-]{1,60}$")
CALLBACK_DATA_MAX_BYTES = 64
CHAT_TYPES = {"private": "user", "group": "group", "supergroup": "group"}
COMMAND_KINDS = {"stop": "opt_out", "help": "help"}


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
        "chat_id": str(chat.id), "chat_type": CHAT_TYPES.get(chat.type, "room"),
        "user_id": str(sender.id) if sender else None, "message_id": str(message.message_id),
    }
    values.update(fields)
    return Inbound(**values)


def _message(event_id: str, message: Message) -> Inbound:
    if message.migrate_to_chat_id or message.migrate_from_chat_id:
        old = message.migrate_from_chat_id or message.chat.id
        new = message.migrate_to_chat_id or message.chat.id
        return _base(event_id, message, kind="migrated", chat_id=str(old), chat_type="group",
                     payload={"from_chat_id": str(old), "to_chat_id": str(new)})
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
        chat_id=str(chat.id if chat else query.from_user.id),
        chat_type=CHAT_TYPES.get(chat.type, "room") if chat else "user",
        user_id=str(query.from_user.id), payload=payload,
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
        chat_id=str(chat.id), chat_type=chat_type, user_id=str(change.from_user.id) if chat_type == "user" else None,
        payload={"status": status},
    )
