"""A local stand-in for the LINE Messaging API: real HTTP, LINE's wire format, a record of sends.

Why it exists: a newcomer can chat with the bot without LINE credentials, and the tests and
benchmarks drive the real line-bot-sdk client against it. It behaves as LINE does where our
guarantees depend on it: reply tokens work once, audience uploads are checked as LINE checks them, a repeated `X-Line-Retry-Key` gets 409, requests
are limited to 5 messages and 500 multicast recipients, and the bearer token is checked.
Faults (a status code, a delay) can be injected per path through `/__sandbox/faults`.
"""

from __future__ import annotations

import argparse
import itertools
import re
import threading
import time
import uuid
from typing import Any

from flask import Flask, jsonify, request
from linebot.v3.messaging.models import RichMenuRequest

from channels.line.message_rules import message_problem
from channels.line.rich_menu_rules import RichMenuError, check_menu
from channels.standin_server import FaultTable, StandinServer

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


class LineStandin(StandinServer):
    thread_name = "line-standin"

    def __init__(self, access_token: str | None = None) -> None:
        self.access_token = access_token
        self._lock = threading.Lock()
        self._ids = itertools.count(100000)
        self.deliveries: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.loading: list[dict[str, Any]] = []
        # What the profile endpoint answers per user (None: 404); others get a sandbox profile.
        self.profiles: dict[str, dict[str, Any] | None] = {}
        self.profile_reads: list[str] = []
        self.rich_menus: dict[str, dict[str, Any]] = {}
        self.rich_menu_aliases: dict[str, str] = {}
        self.user_rich_menus: dict[str, str] = {}
        self.bulk_links: list[int] = []
        self.deleted_rich_menus: list[str] = []
        self.default_rich_menu: str | None = None
        self._used_tokens: set[str] = set()
        self._retry_keys: dict[str, str] = {}
        self.audiences: dict[int, dict[str, Any]] = {}  # audience group id -> the group, with its user ids
        self.faults = FaultTable()
        self.app = self._build_app()

    # --- control, for tests in the same process --------------------------------------------------

    def add_fault(self, path: str, status: int = 500, times: int = 1, delay: float = 0.0) -> None:
        self.faults.add(path, status, times, delay)

    def messages_for(self, user_id: str | None = None, reply_token: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [d for d in self.deliveries
                    if (user_id and user_id in d["to"]) or (reply_token and d.get("reply_token") == reply_token)]

    def reset(self) -> None:
        with self._lock:
            self.deliveries.clear()
            self.requests.clear()
            self.loading.clear()
            self.profiles.clear()
            self.profile_reads.clear()
            self.rich_menus.clear()
            self.rich_menu_aliases.clear()
            self.user_rich_menus.clear()
            self.bulk_links.clear()
            self.deleted_rich_menus.clear()
            self.default_rich_menu = None
            self.faults.clear()
            self._used_tokens.clear()
            self._retry_keys.clear()
            self.audiences.clear()

    # --- the HTTP side ---------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("line_standin")

        @app.before_request
        def _check() -> Any:
            if request.path.startswith("/__sandbox"):
                return None
            with self._lock:
                self.requests.append({"path": request.path, "retry_key": request.headers.get("X-Line-Retry-Key")})
            if self.access_token and request.headers.get("Authorization") != f"Bearer {self.access_token}":
                return _error(401, "Authentication failed. Confirm that the access token in the authorization header is valid.")
            return self._fault(request.path)

        @app.post("/v2/bot/message/reply")
        def reply() -> Any:
            body = request.get_json(silent=True) or {}
            token = body.get("replyToken")
            problem = _check_messages(body)
            if problem:
                return _error(400, problem)
            with self._lock:
                if not token or token in self._used_tokens:
                    return _error(400, "Invalid reply token")
                self._used_tokens.add(token)
                return jsonify(sentMessages=self._record("reply", [], body["messages"], reply_token=token))

        @app.post("/v2/bot/message/push")
        def push() -> Any:
            body = request.get_json(silent=True) or {}
            problem = _check_messages(body) or (None if isinstance(body.get("to"), str) else "The property, 'to', in the request body is invalid")
            if problem:
                return _error(400, problem)
            return self._with_retry_key(lambda: {"sentMessages": self._record("push", [body["to"]], body["messages"])})

        @app.post("/v2/bot/message/multicast")
        def multicast() -> Any:
            body = request.get_json(silent=True) or {}
            to = body.get("to")
            problem = _check_messages(body)
            if not isinstance(to, list) or not 1 <= len(to) <= 500:
                problem = "Size must be between 1 and 500"
            if problem:
                return _error(400, problem)
            assert isinstance(to, list)  # checked above
            return self._with_retry_key(lambda: (self._record("multicast", list(to), body["messages"]), {})[1])

        @app.before_request
        def _audience_retry_key() -> Any:
            # LINE takes X-Line-Retry-Key only on push, multicast, narrowcast and broadcast; elsewhere 400
            if request.path.startswith("/v2/bot/audienceGroup") and request.headers.get("X-Line-Retry-Key"):
                return _error(400, "The retry key is not supported by this API")
            return None

        @app.get("/v2/bot/audienceGroup/list")
        def audience_list() -> Any:
            """Audiences whose description contains `description` (case-insensitive), as LINE pages them."""
            wanted = (request.args.get("description") or "").casefold()
            page, size = request.args.get("page", type=int), request.args.get("size", 20, type=int)
            if page is None or page < 1 or not 1 <= size <= 40:
                return _error(400, "The value of 'page' or 'size' is invalid")
            with self._lock:
                found = [{k: v for k, v in group.items() if k != "user_ids"} for group in self.audiences.values()
                         if wanted in group["description"].casefold()]
            shown = found[(page - 1) * size:page * size]
            return jsonify(audienceGroups=shown, hasNextPage=len(found) > page * size, totalCount=len(found),
                           readWriteAudienceGroupTotalCount=len(found), page=page, size=size)

        @app.post("/v2/bot/audienceGroup/upload")
        def audience_create() -> Any:
            body: Any = request.get_json(silent=True)
            problem = _check_audience(body, creating=True)
            if problem:
                return _error(400, problem)
            with self._lock:
                group_id = next(self._ids)
                ids = {a["id"] for a in body["audiences"]}
                created = {"audienceGroupId": group_id, "type": "UPLOAD", "description": body["description"],
                           "created": int(time.time()), "permission": "READ_WRITE", "createRoute": "MESSAGING_API",
                           "isIfaAudience": False}
                self.audiences[group_id] = {**created, "status": "IN_PROGRESS", "audienceCount": len(ids), "user_ids": ids}
            answer = jsonify(created)
            answer.status_code = 202  # LINE accepts the upload and matches the ids afterwards
            return answer

        @app.put("/v2/bot/audienceGroup/upload")
        def audience_add() -> Any:
            body: Any = request.get_json(silent=True)
            problem = _check_audience(body, creating=False)
            if problem:
                return _error(400, problem)
            with self._lock:
                group = self.audiences.get(body["audienceGroupId"])
                if group is None:
                    return _error(400, "audience group not found")
                if group["status"] not in ("IN_PROGRESS", "READY"):
                    return _error(400, f"audience group status is {group['status']}")
                group["user_ids"] |= {a["id"] for a in body["audiences"]}
                group["audienceCount"] = len(group["user_ids"])
            return _accepted()

        @app.get("/v2/bot/audienceGroup/<int:group_id>")
        def audience_get(group_id: int) -> Any:
            with self._lock:
                group = self.audiences.get(group_id)
                if group is None:
                    return _error(404, "audience group not found")
                shown = {k: v for k, v in group.items() if k != "user_ids"}
                group["status"] = "READY"  # LINE matches the ids in the background; here by the next look
            return jsonify(audienceGroup=shown, jobs=[])

        @app.get("/v2/bot/profile/<user_id>")
        def profile(user_id: str) -> Any:
            with self._lock:
                self.profile_reads.append(user_id)
                given = self.profiles.get(user_id, {})
            if given is None:  # blocked the account, or never was a friend
                return _error(404, "Not found")
            return jsonify({"userId": user_id, "displayName": f"Sandbox {user_id[-4:]}", "language": "zh-TW",
                            "pictureUrl": f"https://profile.line-scdn.net/sandbox-{user_id[-6:]}", **given})

        @app.post("/v2/bot/chat/loading/start")
        def loading_start() -> Any:
            body = request.get_json(silent=True) or {}
            chat, seconds = body.get("chatId"), body.get("loadingSeconds", 20)
            if not isinstance(chat, str) or not chat.startswith("U"):
                return _error(400, "The property, 'chatId', in the request body is invalid")
            if not isinstance(seconds, int) or not 5 <= seconds <= 60 or seconds % 5:
                return _error(400, "The property, 'loadingSeconds', in the request body is invalid")
            with self._lock:
                self.loading.append({"chat_id": chat, "seconds": seconds, "at": time.time()})
            return _accepted()

        @app.post("/v2/bot/richmenu")
        def richmenu_create() -> Any:
            body = request.get_json(silent=True)
            problem = _rich_menu_problem(body)
            if problem:
                return _error(400, problem)
            menu_id = f"richmenu-{uuid.uuid4().hex}"
            with self._lock:
                self.rich_menus[menu_id] = {"object": body, "image": None}
            return jsonify(richMenuId=menu_id)

        @app.post("/v2/bot/richmenu/<menu_id>/content")
        def richmenu_image(menu_id: str) -> Any:
            data = request.get_data()
            with self._lock:
                menu = self.rich_menus.get(menu_id)
            if menu is None:
                return _error(404, "Not found")
            if request.content_type not in ("image/png", "image/jpeg"):
                return _error(415, "Unsupported Media Type")
            if len(data) > 1024 * 1024:
                return _error(413, "Request Entity Too Large")
            if menu["image"] is not None:
                return _error(400, "An image has already been uploaded to the richmenu")
            with self._lock:
                menu["image"] = {"type": request.content_type, "bytes": len(data)}
            return jsonify({})

        @app.post("/v2/bot/user/all/richmenu/<menu_id>")
        def richmenu_default(menu_id: str) -> Any:
            with self._lock:
                menu = self.rich_menus.get(menu_id)
                if menu is None or menu["image"] is None:
                    return _error(400 if menu else 404, "must upload richmenu image before applying it to user")
                self.default_rich_menu = menu_id
            return jsonify({})

        @app.post("/v2/bot/richmenu/bulk/link")
        def richmenu_bulk_link() -> Any:
            body = request.get_json(silent=True) or {}
            users, menu_id = body.get("userIds"), body.get("richMenuId")
            if not isinstance(users, list) or not 1 <= len(users) <= 500:
                return _error(400, "The property, 'userIds', must have 1 to 500 items")
            with self._lock:
                menu = self.rich_menus.get(str(menu_id))
                if menu is None or menu["image"] is None:
                    return _error(400, "richmenu not found or without an image")
                for user in users:
                    self.user_rich_menus[str(user)] = str(menu_id)
                self.bulk_links.append(len(users))
            return _accepted()

        @app.post("/v2/bot/richmenu/bulk/unlink")
        def richmenu_bulk_unlink() -> Any:
            users = (request.get_json(silent=True) or {}).get("userIds")
            if not isinstance(users, list) or not 1 <= len(users) <= 500:
                return _error(400, "The property, 'userIds', must have 1 to 500 items")
            with self._lock:
                for user in users:
                    self.user_rich_menus.pop(str(user), None)
            return _accepted()

        @app.delete("/v2/bot/richmenu/<menu_id>")
        def richmenu_delete(menu_id: str) -> Any:
            """LINE deletes the menu and unlinks its users; a menu an alias still points to is refused."""
            with self._lock:
                if menu_id not in self.rich_menus:
                    return _error(404, "richmenu not found")
                if menu_id in self.rich_menu_aliases.values():
                    return _error(400, "richmenu is used by a richmenu alias")
                del self.rich_menus[menu_id]
                self.deleted_rich_menus.append(menu_id)
                for user in [u for u, m in self.user_rich_menus.items() if m == menu_id]:
                    del self.user_rich_menus[user]
                if self.default_rich_menu == menu_id:
                    self.default_rich_menu = None
            return jsonify({})

        @app.post("/v2/bot/richmenu/alias")
        def richmenu_alias() -> Any:
            body = request.get_json(silent=True) or {}
            alias, menu_id = str(body.get("richMenuAliasId") or ""), str(body.get("richMenuId") or "")
            if not ALIAS_ID_RE.fullmatch(alias):
                return _error(400, "The property, 'richMenuAliasId', in the request body is invalid")
            with self._lock:
                if alias in self.rich_menu_aliases:
                    return _error(400, "conflict richmenu alias id")
                if menu_id not in self.rich_menus:
                    return _error(400, "richmenu not found")
                self.rich_menu_aliases[alias] = menu_id
            return jsonify({})

        @app.delete("/v2/bot/richmenu/alias/<alias>")
        def richmenu_alias_delete(alias: str) -> Any:
            with self._lock:
                if self.rich_menu_aliases.pop(alias, None) is None:
                    return _error(404, "richmenu alias not found")
            return jsonify({})

        @app.get("/v2/bot/richmenu/alias/<alias>")
        def richmenu_alias_get(alias: str) -> Any:
            with self._lock:
                menu_id = self.rich_menu_aliases.get(alias)
            if menu_id is None:
                return _error(404, "richmenu alias not found")
            return jsonify(richMenuAliasId=alias, richMenuId=menu_id)

        @app.post("/v2/bot/richmenu/alias/<alias>")
        def richmenu_alias_update(alias: str) -> Any:
            menu_id = str((request.get_json(silent=True) or {}).get("richMenuId") or "")
            with self._lock:
                if alias not in self.rich_menu_aliases or menu_id not in self.rich_menus:
                    return _error(400, "richmenu alias or richmenu not found")
                self.rich_menu_aliases[alias] = menu_id
            return jsonify({})

        @app.get("/v2/bot/info")
        def info() -> Any:
            return jsonify(userId="Usandboxbot", basicId="@sandbox", displayName="Sandbox bot", chatMode="bot")

        @app.get("/__sandbox/messages")
        def sandbox_messages() -> Any:
            after = request.args.get("after", default=0, type=int)
            found = self.messages_for(request.args.get("to"), request.args.get("reply_token"))
            return jsonify(messages=[d for d in found if d["seq"] > after])

        @app.post("/__sandbox/faults")
        def sandbox_faults() -> Any:
            body = request.get_json(force=True)
            self.add_fault(body["path"], int(body.get("status", 500)), int(body.get("times", 1)), float(body.get("delay", 0)))
            return jsonify(ok=True)

        @app.get("/__sandbox/stats")
        def sandbox_stats() -> Any:
            with self._lock:
                return jsonify(deliveries=len(self.deliveries), requests=len(self.requests))

        return app

    def _fault(self, path: str) -> Any:
        status = self.faults.take(path)
        return _error(status, "Injected fault") if status else None

    def _with_retry_key(self, deliver: Any) -> Any:
        key = request.headers.get("X-Line-Retry-Key")
        if key is not None and not UUID_RE.match(key):
            return _error(400, "The value of the X-Line-Retry-Key header is invalid")
        with self._lock:
            if key in self._retry_keys:
                response = _error(409, "The retry key is already accepted")
                response.headers["x-line-accepted-request-id"] = self._retry_keys[key]
                return response
            request_id = str(uuid.uuid4())
            if key is not None:
                self._retry_keys[key] = request_id
            result = jsonify(deliver())
        result.headers["x-line-request-id"] = request_id
        return result

    def _record(self, kind: str, to: list[str], messages: list[Any], reply_token: str | None = None) -> list[dict[str, str]]:
        """Store one accepted request; the caller holds the lock."""
        sent = [{"id": str(next(self._ids)), "quoteToken": uuid.uuid4().hex} for _ in messages]
        self.deliveries.append({"seq": len(self.deliveries) + 1, "kind": kind, "to": to, "reply_token": reply_token,
                                "retry_key": request.headers.get("X-Line-Retry-Key"), "messages": messages,
                                "at": time.time()})
        return sent


def _check_messages(body: dict[str, Any]) -> str | None:
    messages = body.get("messages")
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return "Size must be between 1 and 5"
    if not all(isinstance(m, dict) and m.get("type") for m in messages):
        return "The property, 'messages[0].type', in the request body is invalid"
    # Every message as LINE checks it: the SDK's own models (Flex included) and LINE's limits.
    return next((p for p in (message_problem(i, m) for i, m in enumerate(messages)) if p), None)


def _rich_menu_problem(body: Any) -> str | None:
    """LINE's answer to a rich menu object: the SDK's model, then LINE's rules."""
    if not isinstance(body, dict):
        return "The request body has 1 error(s)"
    try:
        RichMenuRequest.from_dict(body)
        size = body.get("size") or {}
        check_menu(int(size.get("width", 0)), int(size.get("height", 0)), str(body.get("chatBarText") or ""),
                   body.get("areas") or [])
    except RichMenuError as exc:
        return f"invalid rich menu: {exc}"
    except Exception:  # the SDK's model refused it
        return "The request body has 1 error(s)"
    return None


ALIAS_ID_RE = re.compile(r"[-_A-Za-z0-9]{1,32}")  # LINE's rich menu alias ids
AUDIENCE_MAX_IDS = 10000  # user ids per upload request, as LINE allows
USER_ID_RE = re.compile(r"^U[0-9a-f]{32}$")


def _check_audience(body: Any, *, creating: bool) -> str | None:
    """What LINE refuses in an audience upload by user ids (JSON): the words of its 400 answers."""
    if not isinstance(body, dict):
        return "The request body is invalid"
    if creating:
        description = body.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 120:
            return "The property, 'description', in the request body is invalid (1 to 120 characters)"
        if body.get("isIfaAudience", False) is not False:
            return "The property, 'isIfaAudience', must be false for user ids"
    elif isinstance(body.get("audienceGroupId"), bool) or not isinstance(body.get("audienceGroupId"), int):
        return "The property, 'audienceGroupId', in the request body is invalid"
    upload = body.get("uploadDescription")
    if upload is not None and (not isinstance(upload, str) or len(upload) > 300):
        return "The property, 'uploadDescription', in the request body is invalid"
    audiences = body.get("audiences")
    if not isinstance(audiences, list) or not 1 <= len(audiences) <= AUDIENCE_MAX_IDS:
        return f"Size must be between 1 and {AUDIENCE_MAX_IDS}"
    for index, audience in enumerate(audiences):
        if not isinstance(audience, dict) or not isinstance(audience.get("id"), str) or not USER_ID_RE.match(audience["id"]):
            return f"The property, 'audiences[{index}].id', in the request body is invalid"
    return None


def _accepted() -> Any:
    """LINE's empty 202 Accepted (bulk calls it carries out afterwards)."""
    response = jsonify({})
    response.status_code = 202
    return response


def _error(status: int, message: str) -> Any:
    response = jsonify(message=message)
    response.status_code = status
    return response


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the local LINE Messaging API stand-in.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--access-token", default=None)
    args = parser.parse_args()
    standin = LineStandin(args.access_token)
    print(f"LINE stand-in on {standin.start(args.host, args.port)}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
