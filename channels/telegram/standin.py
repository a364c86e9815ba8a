"""A local stand-in for the Telegram Bot API: real HTTP, Telegram's wire format, a record of sends.

Why it exists: a newcomer can chat with the bot without a Telegram token, and the tests and
benchmarks drive the real python-telegram-bot client against it. It behaves as Telegram does
where our guarantees depend on it: the token in the path is checked (401), requests are read as
form fields or JSON as the Bot API accepts them, flood limits answer 429 with
`parameters.retry_after` (30 messages per second per bot, 1 per second per chat, 20 per minute
per group, each with a small jitter allowance as Telegram tolerates short bursts), a user who
blocked the bot gets 403, a migrated group gets 400 with `parameters.migrate_to_chat_id`, and a
button's callback data over 64 bytes is refused. Faults can be injected per method.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import threading
import time
from typing import Any

from flask import Flask, jsonify, request

from channels.standin_server import FaultTable, StandinServer

SEND_METHODS = {"sendMessage", "sendPhoto"}
JITTER_ALLOWANCE = 0.25  # seconds a request may arrive early against a key's strict schedule


class TelegramStandin(StandinServer):
    thread_name = "telegram-standin"

    def __init__(self, token: str, *, per_second: float = 30.0, chat_interval: float = 1.0,
                 group_per_minute: float = 20.0, retry_after: int = 1) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.intervals = {"bot": 1.0 / per_second, "chat": chat_interval, "group": 60.0 / group_per_minute}
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.deliveries: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.throttled = 0
        self.blocked: set[str] = set()
        self.migrated: dict[str, str] = {}
        self.webhook: dict[str, Any] = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        self._schedule: dict[str, float] = {}
        self.faults = FaultTable()
        self.commands: dict[str, list[tuple[str, str]]] = {}  # setMyCommands by language code ("" = default)
        self.app = self._build_app()

    # --- control, for tests in the same process --------------------------------------------------

    def add_fault(self, method: str, status: int = 500, times: int = 1, delay: float = 0.0) -> None:
        self.faults.add(method, status, times, delay)

    def messages_for(self, chat_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [d for d in self.deliveries if d["chat_id"] == str(chat_id)]

    def reset(self) -> None:
        with self._lock:
            self.deliveries.clear()
            self.calls.clear()
            self.faults.clear()
            self._schedule.clear()
            self.blocked.clear()
            self.migrated.clear()
            self.throttled = 0
            self.commands.clear()

    # --- the HTTP side ---------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("telegram_standin")

        @app.post("/bot<token>/<method>")
        @app.get("/bot<token>/<method>")
        def api(token: str, method: str) -> Any:
            params = _params()
            with self._lock:
                self.calls.append({"method": method, "params": params, "at": time.time()})
            if token != self.token:
                return _error(401, "Unauthorized")
            fault = self._fault(method)
            if fault is not None:
                return fault
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                return _error(404, "Not Found")
            return handler(params)

        @app.get("/__sandbox/messages")
        def sandbox_messages() -> Any:
            after = request.args.get("after", default=0, type=int)
            with self._lock:
                found = [d for d in self.deliveries if d["seq"] > after
                         and (not request.args.get("chat_id") or d["chat_id"] == request.args["chat_id"])]
            return jsonify(messages=found)

        @app.get("/__sandbox/stats")
        def sandbox_stats() -> Any:
            with self._lock:
                return jsonify(deliveries=len(self.deliveries), throttled=self.throttled)

        return app

    def _fault(self, method: str) -> Any:
        status = self.faults.take(method)
        if status == 429:  # flood control, as Telegram says it
            return _error(429, f"Too Many Requests: retry after {self.retry_after}", parameters={"retry_after": self.retry_after})
        return _error(status, "Injected fault") if status else None

    # --- methods ---------------------------------------------------------------------------------

    def _m_getMe(self, params: dict[str, Any]) -> Any:
        return _ok({"id": self.bot_id, "is_bot": True, "first_name": "Sandbox bot", "username": "sandbox_bot",
                    "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False})

    def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            return _error(400, "Bad Request: commands must be a list of at most 100 commands")
        for command in commands:
            name, description = str(command.get("command", "")), str(command.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                return _error(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                return _error(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        language = str(params.get("language_code") or "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            return _error(400, "Bad Request: LANGUAGE_CODE_INVALID")
        with self._lock:
            self.commands[language] = [(c["command"], c["description"]) for c in commands]
        return _ok(True)

    def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        if not str(params.get("url", "")).startswith("https://") and params.get("url"):
            return _error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        with self._lock:
            self.webhook = {"url": params.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0,
                            "allowed_updates": params.get("allowed_updates") or [], "max_connections": 40,
                            "secret_token": params.get("secret_token")}
        return _ok(True, description="Webhook was set")

    def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self.webhook = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return _ok(True, description="Webhook was deleted")

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        with self._lock:
            return _ok({k: v for k, v in self.webhook.items() if k != "secret_token"})

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return _ok(True) if params.get("callback_query_id") else _error(400, "Bad Request: query is too old or query ID is invalid")

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        text = str(params.get("text") or "")
        if not text:
            return _error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return _error(400, "Bad Request: message is too long")
        return self._send("sendMessage", params, text=text)

    def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        if not params.get("photo"):
            return _error(400, "Bad Request: there is no photo in the request")
        if len(str(params.get("caption") or "")) > 1024:
            return _error(400, "Bad Request: message caption is too long")
        return self._send("sendPhoto", params, caption=str(params.get("caption") or ""), photo=params["photo"])

    def _send(self, method: str, params: dict[str, Any], **content: Any) -> Any:
        chat = str(params.get("chat_id") or "")
        if not chat.lstrip("-").isdigit():
            return _error(400, "Bad Request: chat not found")
        markup = params.get("reply_markup")
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if len(str(button.get("callback_data", "")).encode()) > 64:
                    return _error(400, "Bad Request: BUTTON_DATA_INVALID")
        with self._lock:
            if chat in self.migrated:
                return _error(400, "Bad Request: group chat was upgraded to a supergroup chat",
                              parameters={"migrate_to_chat_id": int(self.migrated[chat])})
            if chat in self.blocked:
                return _error(403, "Forbidden: bot was blocked by the user")
            if not self._admit(chat, time.monotonic()):
                self.throttled += 1
                return _error(429, f"Too Many Requests: retry after {self.retry_after}",
                              parameters={"retry_after": self.retry_after})
            message_id = next(self._ids)
            self.deliveries.append({"seq": len(self.deliveries) + 1, "method": method, "chat_id": chat,
                                    "message_id": message_id, "reply_markup": markup, "at": time.time(), **content})
        result: dict[str, Any] = {
            "message_id": message_id, "date": int(time.time()),
            "from": {"id": self.bot_id, "is_bot": True, "first_name": "Sandbox bot", "username": "sandbox_bot"},
            "chat": {"id": int(chat), "type": "private" if not chat.startswith("-") else
                     "supergroup" if chat.startswith("-100") else "group"},
        }
        if "text" in content:
            result["text"] = content["text"]
        else:
            result.update(caption=content["caption"], photo=[{"file_id": "AgAD" + str(message_id), "file_unique_id":
                                                              f"u{message_id}", "width": 640, "height": 480}])
        if markup and "inline_keyboard" in markup:
            result["reply_markup"] = markup
        return _ok(result)

    def _admit(self, chat: str, now: float) -> bool:
        """Strict spacing per key with a jitter allowance (GCRA); the caller holds the lock."""
        keys = [("bot", "bot"), (f"chat:{chat}", "chat")]
        if chat.startswith("-"):
            keys.append((f"group:{chat}", "group"))
        if any(now < self._schedule.get(key, 0.0) - JITTER_ALLOWANCE for key, _ in keys):
            return False
        for key, kind in keys:
            self._schedule[key] = max(self._schedule.get(key, 0.0), now) + self.intervals[kind]
        return True


def _params() -> dict[str, Any]:
    """The Bot API takes JSON bodies, form fields or query strings; objects in fields are JSON."""
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    params: dict[str, Any] = {**request.args.to_dict(), **request.form.to_dict()}
    for key, upload in request.files.items():  # an uploaded photo: recorded by name and size
        params[key] = f"upload:{upload.filename}:{len(upload.read())}"
    for key, value in params.items():
        if isinstance(value, str) and value[:1] in "[{":
            try:
                params[key] = json.loads(value)
            except json.JSONDecodeError:
                pass
    return params


def _ok(result: Any, **extra: Any) -> Any:
    return jsonify(ok=True, result=result, **extra)


def _error(status: int, description: str, **extra: Any) -> Any:
    response = jsonify(ok=False, error_code=status, description=description, **extra)
    response.status_code = status
    return response


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the local Telegram Bot API stand-in.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--token", default="123456:sandbox-token")
    args = parser.parse_args()
    standin = TelegramStandin(args.token)
    print(f"Telegram stand-in on {standin.start(args.host, args.port)}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
