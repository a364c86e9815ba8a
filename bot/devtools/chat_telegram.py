"""`python -m bot chat --channel telegram`: talk to the running sandbox exactly as Telegram would.

It builds real-shaped Updates (the Bot API's JSON), posts them to the service's webhook with the
secret token header, then reads the bot's answer from the Telegram stand-in. The tests use the
same builders, so the sandbox and the suite speak one wire format.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import requests

from bot.devtools.standin_poll import wait_for_messages
from channels.telegram.adapter import SECRET_HEADER

DEFAULT_TELEGRAM_USER = 700000001
_update_ids = itertools.count(int(time.time() * 1000) % 10**9)
_message_ids = itertools.count(1)


def telegram_user(user_id: int, first_name: str = "Mei") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "zh-hant"}


def telegram_chat(chat_id: int, chat_type: str = "private") -> dict[str, Any]:
    if chat_type == "private":
        return {"id": chat_id, "type": "private", "first_name": "Mei"}
    return {"id": chat_id, "type": chat_type, "title": "Reading club"}


def telegram_message(user_id: int, *, chat_id: int | None = None, chat_type: str = "private",
                     **content: Any) -> dict[str, Any]:
    """A Message object: `text="..."`, `contact={...}`, `location={...}`, `photo=[...]`, `document={...}`."""
    message = {"message_id": next(_message_ids), "date": int(time.time()), "from": telegram_user(user_id),
               "chat": telegram_chat(chat_id or user_id, chat_type), **content}
    text = content.get("text")
    if isinstance(text, str) and text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split(" ", 1)[0])}]
    return message


def telegram_update(**body: Any) -> dict[str, Any]:
    """An Update with a fresh update_id and one of: message, callback_query, my_chat_member."""
    return {"update_id": next(_update_ids), **body}


def text_update(user_id: int, text: str, **fields: Any) -> dict[str, Any]:
    return telegram_update(message=telegram_message(user_id, text=text, **fields))


def callback_update(user_id: int, data: str, *, chat_id: int | None = None) -> dict[str, Any]:
    shown = telegram_message(user_id, chat_id=chat_id, text="(the bot's message with buttons)")
    shown["from"] = {"id": 1, "is_bot": True, "first_name": "Shop bot", "username": "shop_bot"}
    query = {"id": str(next(_update_ids)), "from": telegram_user(user_id), "chat_instance": "-1", "data": data,
             "message": shown}
    return telegram_update(callback_query=query)


def membership_update(user_id: int, status: str, *, chat_id: int | None = None, chat_type: str = "private",
                      old_status: str = "member") -> dict[str, Any]:
    bot_user = {"id": 1, "is_bot": True, "first_name": "Shop bot", "username": "shop_bot"}
    change = {"chat": telegram_chat(chat_id or user_id, chat_type), "from": telegram_user(user_id), "date": int(time.time()),
              "old_chat_member": _member(bot_user, old_status), "new_chat_member": _member(bot_user, status)}
    return telegram_update(my_chat_member=change)


def _member(user: dict[str, Any], status: str) -> dict[str, Any]:
    return {"user": user, "status": status, **({"until_date": 0} if status == "kicked" else {})}


def post_update(webhook_url: str, secret: str | None, update: dict[str, Any], timeout: float = 10) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return requests.post(webhook_url, json=update, headers=headers, timeout=timeout)


def wait_for_replies(api_base: str, chat_id: int, after: int, timeout: float) -> list[dict[str, Any]]:
    """Poll the stand-in until the bot's messages to this chat arrived (one per second per chat, so wait for a second)."""
    return wait_for_messages(api_base, {"chat_id": str(chat_id), "after": after}, timeout, settle=1.3)


def render_for_terminal(delivery: dict[str, Any]) -> str:
    lines = [delivery.get("text") or delivery.get("caption") or ""]
    markup = delivery.get("reply_markup") or {}
    for number, button in enumerate((b for row in markup.get("inline_keyboard", []) for b in row), 1):
        lines.append(f"  [{number}] {button.get('text')}  (--postback '{button.get('callback_data')}')")
    for row in markup.get("keyboard", []):
        for button in row:
            lines.append(f"  [keyboard] {button.get('text')}" + ("  (shares your phone)" if button.get("request_contact") else ""))
    return "\n".join(lines)
