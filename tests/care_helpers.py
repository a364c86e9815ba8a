"""Helpers for the customer-care tests: who a LINE delivery went to, events from channels that
have no webhook here yet (Telegram contact shares), and reading the outbox."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from bot import pipeline
from bot.events import Inbound
from models import OutboxMessage, utcnow
from tests.chat import texts

STAFF_GROUP = "C" + "5" * 32
SUPERVISOR_CHAT = "C" + "6" * 32
STAFF_EMAIL = "support@shop.test"
SUPERVISOR_EMAIL = "boss@shop.test"
STAFF_OVERRIDES = {
    "BOT_STAFF_ALERT_ADDRESS": STAFF_GROUP, "BOT_STAFF_ALERT_EMAILS": STAFF_EMAIL,
    "BOT_STAFF_SUPERVISOR_ADDRESS": SUPERVISOR_CHAT, "BOT_STAFF_SUPERVISOR_EMAILS": SUPERVISOR_EMAIL,
}


def to_customer(deliveries: list[dict[str, Any]], user: str) -> list[str]:
    """Texts that reached the customer (a reply to their event, or a push to them)."""
    return texts([d for d in deliveries if d["kind"] == "reply" or d["to"] == [user]])


def to_address(deliveries: list[dict[str, Any]], address: str) -> list[str]:
    return texts([d for d in deliveries if d["to"] == [address]])


def say(chat: Any, text: str) -> list[str]:
    return to_customer(chat.send("message", text=text), chat.user)


def press(chat: Any, data: str, **params: str) -> list[str]:
    return to_customer(chat.send("postback", postback=data, params=params or None), chat.user)


def buttons(delivery: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action offered in a delivery: template buttons and quick replies."""
    found = []
    for message in delivery["messages"]:
        found += message.get("template", {}).get("actions", [])
        found += _card_actions(message.get("contents") or {})
        found += [item["action"] for item in (message.get("quickReply") or {}).get("items", [])]
    return found


def _card_actions(contents: dict[str, Any]) -> list[dict[str, Any]]:
    """The buttons of a Flex card (a bubble's footer, each bubble of a carousel)."""
    bubbles = contents.get("contents", []) if contents.get("type") == "carousel" else [contents]
    return [b["action"] for bubble in bubbles for b in (bubble.get("footer") or {}).get("contents", []) if "action" in b]


def button_data(deliveries: list[dict[str, Any]]) -> list[str]:
    return [action.get("data", "") for delivery in deliveries for action in buttons(delivery)]


def outbox(db: Any, channel: str, address: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id)
    if address is not None:
        query = query.where(OutboxMessage.address == address)
    return db.all(query)


def outbox_texts(db: Any, channel: str, address: str | None = None) -> list[str]:
    return [m["text"] for row in outbox(db, channel, address) for m in row.messages]


class TelegramUser:
    """Events as the Telegram adapter (another issue) will store them: straight into the inbox.
    Replies stay in the outbox (no Telegram channel is configured here), where the test reads them."""

    def __init__(self, runtime: Any, worker: Any, db: Any, user_id: str = "700100") -> None:
        self.runtime, self.worker, self.db, self.user_id = runtime, worker, db, user_id
        self._seen = 0

    def send(self, kind: str, text: str | None = None, **payload: Any) -> list[str]:
        event = Inbound(channel="telegram", kind=kind, event_id=uuid.uuid4().hex, occurred_at=utcnow(),
                        chat_id=self.user_id, user_id=self.user_id, text=text, payload=payload)
        with self.runtime.sessions.begin() as session:
            pipeline.accept(session, [event])
        self.worker.drain()
        replies = outbox_texts(self.db, "telegram", self.user_id)
        new, self._seen = replies[self._seen:], len(replies)
        return new
