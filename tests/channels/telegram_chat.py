"""A Telegram test backend that reads like a chat: post Updates as a user, read the bot's replies.

The whole real path: the webhook over HTTP with the secret header, the inbox, the engine, the
outbox, the delivery worker with its rate limits, the real python-telegram-bot client, and the
Telegram stand-in that records what arrived.
"""

from __future__ import annotations

import time
from typing import Any

import requests

from bot.devtools.chat_telegram import callback_update, post_update, text_update
from bot.worker import Worker
from channels.telegram.standin import TelegramStandin


class TelegramChat:
    def __init__(self, base_url: str, worker: Worker, standin: TelegramStandin, secret: str,
                 user: int = 700000001) -> None:
        self.url = f"{base_url}/webhooks/telegram"
        self.worker = worker
        self.standin = standin
        self.secret = secret
        self.user = user
        self._seen = 0

    def post(self, update: dict[str, Any], *, secret: str | None = "default") -> requests.Response:
        return post_update(self.url, self.secret if secret == "default" else secret, update)

    def send(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.post(update)
        assert response.status_code == 200, response.text
        return self.replies()

    def say(self, text: str, **fields: Any) -> list[str]:
        return texts(self.send(text_update(self.user, text, **fields)))

    def press(self, data: str) -> list[str]:
        return texts(self.send(callback_update(self.user, data)))

    def replies(self, settle: float = 0.0) -> list[dict[str, Any]]:
        """Drain the worker (again after `settle` seconds, for rows a rate limit deferred)."""
        self.worker.drain()
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline:
            time.sleep(0.05)
            self.worker.drain()
        new = self.standin.deliveries[self._seen:]
        self._seen = len(self.standin.deliveries)
        return new


def texts(deliveries: list[dict[str, Any]]) -> list[str]:
    return [d.get("text") or d.get("caption") or "" for d in deliveries]


def inline_data(delivery: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for row in (delivery.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
