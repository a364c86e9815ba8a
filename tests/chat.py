"""A test backend that reads like a chat: say something as a LINE user, read the bot's replies.

It goes through the whole real path: a signed webhook over HTTP, the inbox, the engine, the
outbox, the real line-bot-sdk client, and the LINE stand-in that records what arrived.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from bot.devtools.chat import line_event
from bot.worker import Worker
from channels.line.adapter import sign
from channels.line.standin import LineStandin


class Chat:
    def __init__(self, base_url: str, worker: Worker, standin: LineStandin, secret: str,
                 user: str = "U0123456789abcdef0123456789abcdef") -> None:
        self.base_url = base_url
        self.worker = worker
        self.standin = standin
        self.secret = secret
        self.user = user
        self._seen = 0

    def post(self, events: list[dict[str, Any]], *, secret: str | None = None) -> requests.Response:
        body = json.dumps({"destination": "Ubot", "events": events}, ensure_ascii=False).encode()
        return self.post_raw(body, sign(secret or self.secret, body))

    def post_raw(self, body: bytes, signature: str | None, **headers: str) -> requests.Response:
        all_headers = {"Content-Type": "application/json", **headers}
        if signature is not None:
            all_headers["X-Line-Signature"] = signature
        return requests.post(f"{self.base_url}/webhooks/line", data=body, headers=all_headers, timeout=10)

    def send(self, kind: str, **fields: Any) -> list[dict[str, Any]]:
        """Post one event of this user, let the worker run, return the deliveries that resulted."""
        event = line_event(kind, fields.pop("user", self.user), **fields)
        response = self.post([event])
        assert response.status_code == 200, response.text
        return self.replies()

    def say(self, text: str) -> list[str]:
        return texts(self.send("message", text=text))

    def press(self, data: str, **params: str) -> list[str]:
        """Press a button; `params` are what a LINE date-time picker sends (date=, time=, datetime=)."""
        return texts(self.send("postback", postback=data, params=params or None))

    def replies(self) -> list[dict[str, Any]]:
        self.worker.drain()
        new = self.standin.deliveries[self._seen:]
        self._seen = len(self.standin.deliveries)
        return new


def texts(deliveries: list[dict[str, Any]]) -> list[str]:
    found = []
    for delivery in deliveries:
        for message in delivery["messages"]:
            # a Flex card's altText is its meaning in words, as the phone's notification shows it
            found.append(message.get("text") or message.get("template", {}).get("text", "") or message.get("altText", ""))
    return found


def quick_reply_data(delivery: dict[str, Any]) -> list[str]:
    return [item["action"]["data"] for m in delivery["messages"] for item in (m.get("quickReply") or {}).get("items", [])]
