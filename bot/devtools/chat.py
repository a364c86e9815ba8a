"""`python -m bot chat`: talk to the running sandbox exactly as LINE would.

It builds a real webhook body, signs it with the sandbox's channel secret, posts it to the
service's webhook, then waits for the bot's reply to arrive at the LINE stand-in and prints it.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any

import requests

from bot.devtools.standin_poll import wait_for_messages
from channels.line.adapter import sign

DEFAULT_USER = "U" + hashlib.md5(b"sandbox-newcomer").hexdigest()


def line_event(kind: str, user: str, *, text: str | None = None, postback: str | None = None,
               timestamp_ms: int | None = None, params: dict[str, str] | None = None) -> dict[str, Any]:
    """A LINE webhook event as the platform sends it (`params`: what a date-time picker chose)."""
    event: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": timestamp_ms or int(time.time() * 1000),
        "source": {"type": "user", "userId": user},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "replyToken": uuid.uuid4().hex,
    }
    if kind == "message":
        event["message"] = {"id": str(uuid.uuid4().int % 10**15), "type": "text", "text": text or "",
                            "quoteToken": uuid.uuid4().hex}
    elif kind == "postback":
        event["postback"] = {"data": postback or ""}
        if params:
            event["postback"]["params"] = params
    elif kind == "follow":
        event["follow"] = {"isUnblocked": False}
    return event


def post_events(webhook_url: str, secret: str, events: list[dict[str, Any]], timeout: float = 10) -> requests.Response:
    body = json.dumps({"destination": "Usandboxbot", "events": events}, ensure_ascii=False).encode()
    return requests.post(webhook_url, data=body, timeout=timeout,
                         headers={"Content-Type": "application/json", "X-Line-Signature": sign(secret, body)})


def wait_for_replies(api_base: str, user: str, reply_token: str, after: int, timeout: float) -> list[dict[str, Any]]:
    """Poll the stand-in until the bot's messages for this event arrived (by reply or push)."""
    return wait_for_messages(api_base, {"to": user, "reply_token": reply_token, "after": after}, timeout, settle=0.3)


def render_for_terminal(delivery: dict[str, Any]) -> str:
    lines = []
    for message in delivery["messages"]:
        if message.get("type") == "template":
            template = message["template"]
            lines.append(template.get("text", ""))
            actions = template.get("actions", [])
        elif message.get("type") == "flex":  # a card: its words (the notification text) and its buttons
            lines.append(message.get("altText", "[flex]"))
            actions = _flex_actions(message.get("contents"))
        else:
            lines.append(message.get("text", f"[{message.get('type')}]"))
            actions = []
        items = [i["action"] for i in (message.get("quickReply") or {}).get("items", [])]
        for number, action in enumerate(actions + items, 1):
            target = f"--postback '{action.get('data')}'" if action.get("type") == "postback" else action.get("uri", action.get("text", ""))
            lines.append(f"  [{number}] {action.get('label')}  ({target})")
    return "\n".join(lines)


def _flex_actions(node: Any) -> list[dict[str, Any]]:
    """The button actions anywhere in a Flex bubble or carousel, in reading order."""
    if isinstance(node, list):
        return [action for child in node for action in _flex_actions(child)]
    if not isinstance(node, dict):
        return []
    found = [node["action"]] if node.get("type") == "button" and isinstance(node.get("action"), dict) else []
    for key in ("header", "hero", "body", "footer", "contents"):
        found += _flex_actions(node.get(key))
    return found
