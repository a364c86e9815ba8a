"""The LINE Messaging API adapter: verify and parse webhooks, send replies, pushes and multicasts.

One long-lived SDK client per adapter (its urllib3 pool is thread-safe). Every call carries an
explicit (connect, read) timeout, urllib3's own retries are off (the outbox retries, with the same
`X-Line-Retry-Key`), and the host comes from `[line] api_base` so tests and the sandbox point it
at a local stand-in.

Replies, pushes and multicasts skip the SDK's request layer: its per-call pydantic validation of
the request, serialisation and response models cost about 1 ms of CPU per message, three times
the HTTP request itself. The messages are still the SDK's models (`render`), the body is what the
SDK would send (`request_body`; tests/channels/line/test_request_body.py checks it against the
SDK's request models), and it goes out over the SDK client's own keep-alive pool.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ButtonsTemplate,
    Configuration,
    CreateRichMenuAliasRequest,
    DatetimePickerAction,
    MessagingApi,
    PostbackAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    RichMenuBulkLinkRequest,
    RichMenuBulkUnlinkRequest,
    RichMenuRequest,
    ShowLoadingAnimationRequest,
    TemplateMessage,
    TextMessage,
    UpdateRichMenuAliasRequest,
    URIAction,
)
from linebot.v3.messaging.exceptions import ApiException

from bot.events import Inbound, Outbound
from channels import webhook_json
from channels.base import Delivery, DeliveryError, SendResult, WebhookRejected
from channels.line.audiences import LineAudiences
from channels.line.events import read_event
from channels.line.flex import render_flex
from channels.line.limits import LIMITS

MAX_MESSAGES_PER_REQUEST = LIMITS.messages_per_request
MAX_MULTICAST_RECIPIENTS = LIMITS.multicast_recipients
BUTTONS_TEXT_LIMIT = 160
QUICK_REPLY_LIMIT = 13
LOADING_SECONDS = 5  # LINE takes 5 to 60, in steps of 5; the reply ends it sooner


def sign(channel_secret: str, body: bytes) -> str:
    """The `X-Line-Signature` LINE puts on a webhook body."""
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class LineChannel:
    name = "line"
    max_messages_per_request = MAX_MESSAGES_PER_REQUEST

    def __init__(self, channel_secret: str, access_token: str, api_base: str,
                 connect_timeout: float = 3.0, read_timeout: float = 10.0) -> None:
        self._secret = channel_secret.encode()
        configuration = Configuration(host=api_base.rstrip("/"), access_token=access_token)
        configuration.retries = False
        self._client = ApiClient(configuration)
        self._api = MessagingApi(self._client)
        # LINE serves pictures from a second host; a stand-in or proxy (any other base) serves both.
        base = api_base.rstrip("/")
        self._data_host = "https://api-data.line.me" if base == "https://api.line.me" else base
        self._timeout = (connect_timeout, read_timeout)
        self._host = configuration.host
        self._access_token = access_token
        self._headers = {"Authorization": f"Bearer {access_token}", "Content-Type": "application/json",
                         "User-Agent": self._client.user_agent}

    # --- inbound -------------------------------------------------------------------------------

    def parse(self, headers: Mapping[str, str], body: bytes) -> list[Inbound]:
        signature = headers.get("X-Line-Signature", "")
        if not signature:
            raise WebhookRejected(400, "missing X-Line-Signature")
        expected = base64.b64encode(hmac.new(self._secret, body, hashlib.sha256).digest())
        if not hmac.compare_digest(expected, signature.encode("utf-8", "replace")):
            raise WebhookRejected(400, "invalid X-Line-Signature")
        document = webhook_json.load(body)
        events = document.get("events") if isinstance(document, dict) else None
        if not isinstance(events, list):
            raise WebhookRejected(400, "body has no events list")
        # Each event alone: a malformed one comes back rejected (stored with its reason), the
        # others are handled, and the body is answered 200 so LINE does not redeliver it forever.
        return [read_event(event) for event in events]

    # --- outbound ------------------------------------------------------------------------------

    def send(self, delivery: Delivery) -> SendResult:
        messages = [rendered(m) for m in delivery.messages]
        if not 0 < len(messages) <= MAX_MESSAGES_PER_REQUEST:
            raise DeliveryError(f"{len(messages)} messages in one request (1 to 5 allowed)", retryable=False)
        if delivery.recipients:
            return self._multicast(delivery, messages)
        if delivery.reply_token:
            try:
                answer = self._post("/v2/bot/message/reply", request_body(messages, reply_token=delivery.reply_token))
                return SendResult("reply", _sent_ids(answer or {}))
            except DeliveryError as exc:
                if not _invalid_reply_token(exc):
                    raise
                if delivery.reply_attempted_before:
                    # Only we ever hold this token, and an earlier attempt of ours may have used
                    # it: a push now could deliver the same reply twice.
                    return SendResult("reply", duplicate=True)
            try:
                return self._push(delivery, messages)
            except DeliveryError as exc:
                exc.reply_token_dead = True
                raise
        return self._push(delivery, messages)

    def _push(self, delivery: Delivery, messages: list[Any]) -> SendResult:
        answer = self._post("/v2/bot/message/push", request_body(messages, to=delivery.address),
                            retry_key=delivery.idempotency_key)
        return SendResult("push", duplicate=True) if answer is None else SendResult("push", _sent_ids(answer))

    def _multicast(self, delivery: Delivery, messages: list[Any]) -> SendResult:
        if len(delivery.recipients) > MAX_MULTICAST_RECIPIENTS:
            raise DeliveryError(f"{len(delivery.recipients)} recipients in one multicast (500 allowed)", retryable=False)
        answer = self._post("/v2/bot/message/multicast", request_body(messages, to=list(delivery.recipients)),
                            retry_key=delivery.idempotency_key)
        return SendResult("multicast", duplicate=answer is None)

    def _post(self, path: str, body: dict[str, Any], *, retry_key: str | None = None) -> dict[str, Any] | None:
        """POST a request body over the SDK client's pool; its JSON answer, or None for a 409 to a
        retry key (LINE accepted that request earlier: it counts as sent). Failures are translated
        as `_call` translates the SDK's."""
        headers = self._headers if retry_key is None else {**self._headers, "X-Line-Retry-Key": retry_key}
        try:
            response = self._client.rest_client.pool_manager.request(
                "POST", self._host + path, body=json.dumps(body).encode(), headers=headers,
                timeout=urllib3.Timeout(connect=self._timeout[0], read=self._timeout[1]), retries=False)
        except urllib3.exceptions.HTTPError as exc:
            raise _unreachable(exc) from None
        if response.status == 409 and retry_key is not None:
            return None
        if not 200 <= response.status < 300:
            raise _answered(response.status, response.data.decode("utf-8", "replace"))
        answer = json.loads(response.data) if response.data else {}
        return answer if isinstance(answer, dict) else {}

    def _call(self, method: Any, request: Any, **kwargs: Any) -> Any:
        """Call the SDK and translate its failures into retry / fail decisions."""
        try:
            return method(request, _request_timeout=self._timeout, **kwargs)
        except ApiException as exc:
            status = exc.status or 0
            if status == 409 and "x_line_retry_key" in kwargs:
                return SendResult("push" if isinstance(request, PushMessageRequest) else "multicast", duplicate=True)
            body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body or "")
            raise _answered(status, body) from None
        except urllib3.exceptions.HTTPError as exc:
            raise _unreachable(exc) from None

    def show_loading(self, chat_id: str, seconds: int = LOADING_SECONDS) -> None:
        """LINE's loading animation in a one-on-one chat while the bot works on the reply (it stops
        by itself when the reply arrives); raises DeliveryError when LINE refuses."""
        self._call(self._api.show_loading_animation,
                   ShowLoadingAnimationRequest(chat_id=chat_id, loading_seconds=seconds))

    def get_profile(self, user_id: str) -> dict[str, str | None]:
        """The user's LINE profile (display name, picture URL, language); DeliveryError 404 when
        the user blocked the account or is unknown."""
        profile = self._call(self._api.get_profile, user_id)
        return {"name": profile.display_name, "picture_url": profile.picture_url, "language": profile.language}

    # --- rich menus (the worker's LINE tasks; jobs/line_tasks.py) ---------------------------------

    def create_rich_menu(self, menu: Mapping[str, Any]) -> str:
        """Create a rich menu from LINE's own object (checked by the SDK's model first); its id."""
        created = self._call(self._api.create_rich_menu, RichMenuRequest.from_dict(dict(menu)))
        return str(created.rich_menu_id)

    def upload_rich_menu_image(self, rich_menu_id: str, data: bytes, content_type: str) -> None:
        """The picture goes to LINE's data host (api-data.line.me), which the SDK's blob client
        hard-codes; through the same SDK client, pointed at our data host (the stand-in's in tests)."""
        def upload(_: Any, **kwargs: Any) -> Any:
            return self._client.call_api(
                "/v2/bot/richmenu/{richMenuId}/content", "POST", {"richMenuId": rich_menu_id}, [],
                {"Content-Type": content_type}, body=data, post_params=[], files={}, response_types_map={},
                auth_settings=["Bearer"], _host=self._data_host, **kwargs)
        self._call(upload, None)

    def set_default_rich_menu(self, rich_menu_id: str) -> None:
        self._call(self._api.set_default_rich_menu, rich_menu_id)

    def link_rich_menu(self, rich_menu_id: str, user_ids: list[str]) -> None:
        """LINE's bulk link: up to 500 users in one request."""
        self._call(self._api.link_rich_menu_id_to_users,
                   RichMenuBulkLinkRequest(rich_menu_id=rich_menu_id, user_ids=user_ids))

    def unlink_rich_menu(self, user_ids: list[str]) -> None:
        """LINE's bulk unlink (up to 500 users): they see the default menu again."""
        self._call(self._api.unlink_rich_menu_id_from_users, RichMenuBulkUnlinkRequest(user_ids=user_ids))

    def delete_rich_menu(self, rich_menu_id: str) -> None:
        """Delete a menu from LINE (its users fall back to the default); one LINE no longer has
        (404: deleted before a crash) counts as deleted."""
        try:
            self._call(self._api.delete_rich_menu, rich_menu_id)
        except DeliveryError as exc:
            if exc.status != 404:
                raise

    def delete_rich_menu_alias(self, alias: str) -> None:
        """Delete an alias (before its menu: LINE refuses to delete a menu an alias points to); one
        LINE does not have (404: deleted before a crash) counts as deleted."""
        try:
            self._call(self._api.delete_rich_menu_alias, alias)
        except DeliveryError as exc:
            if exc.status != 404:
                raise

    def set_rich_menu_alias(self, alias: str, rich_menu_id: str) -> None:
        """Create the alias (tabs switch to it), or point it at the new menu when it exists."""
        try:
            self._call(self._api.create_rich_menu_alias,
                       CreateRichMenuAliasRequest(rich_menu_alias_id=alias, rich_menu_id=rich_menu_id))
        except DeliveryError as exc:
            if exc.status != 400 or "conflict" not in exc.reason:  # LINE: 400 "conflict richmenu alias id"
                raise
            self._call(lambda request, **kwargs: self._api.update_rich_menu_alias(alias, request, **kwargs),
                       UpdateRichMenuAliasRequest(rich_menu_id=rich_menu_id))

    def audience_client(self) -> LineAudiences:
        """A client for LINE's audience endpoints with this channel's token (the worker uploads audiences)."""
        return LineAudiences(self._access_token, self._host, timeout=self._timeout[1])

    def close(self) -> None:
        self._client.close()


def request_body(messages: list[dict[str, Any]], *, reply_token: str | None = None,
                 to: str | list[str] | None = None) -> dict[str, Any]:
    """The JSON body of a reply (`reply_token`), push (`to` one id) or multicast (`to` a list) of
    `rendered` messages, as the SDK's ReplyMessageRequest / PushMessageRequest / MulticastRequest
    would serialise it."""
    head: dict[str, Any] = {"replyToken": reply_token} if reply_token is not None else {"to": to}
    return {**head, "messages": messages, "notificationDisabled": False}


def rendered(message: Outbound) -> dict[str, Any]:
    """`render(message)` as the SDK serialises it, kept per process for messages seen before: the
    menu and the FAQ answers go out thousands of times a day, and building the SDK's models and
    their dict is most of a send's CPU. Treat the result as read-only."""
    try:
        return _rendered(message)
    except TypeError:  # a message with an unhashable part: built each time
        return render(message).to_dict()


@functools.lru_cache(maxsize=2048)
def _rendered(message: Outbound) -> dict[str, Any]:
    return render(message).to_dict()


def _answered(status: int, body: str) -> DeliveryError:
    """LINE's error answer as a retry / fail decision: 429 and 5xx are worth another try."""
    return DeliveryError(f"LINE answered {status}: {body[:300]}", retryable=status == 429 or status >= 500, status=status)


def _unreachable(exc: urllib3.exceptions.HTTPError) -> DeliveryError:
    """No answer: certainly not sent if we never connected, maybe sent otherwise."""
    never_connected = isinstance(exc, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError))
    return DeliveryError(f"LINE unreachable: {type(exc).__name__}", retryable=True, maybe_sent=not never_connected)


def _invalid_reply_token(exc: DeliveryError) -> bool:
    return exc.status == 400 and "reply token" in exc.reason.lower()


def _sent_ids(answer: Mapping[str, Any]) -> tuple[str, ...]:
    sent = answer.get("sentMessages") or []
    return tuple(str(m["id"]) for m in sent if isinstance(m, Mapping) and "id" in m)


def render(message: Outbound) -> Any:
    """An `Outbound` as a LINE message: a Flex Message for a card or carousel, a buttons template
    when it fits, else text + quick replies."""
    if message.card is not None or message.carousel:
        return render_flex(message, _quick_reply(message.quick_replies), line_action)
    text_limit = 60 if message.title else BUTTONS_TEXT_LIMIT
    if message.buttons and len(message.buttons) <= 4 and len(message.text) <= text_limit:
        template = ButtonsTemplate(
            title=message.title[:40] if message.title else None,
            text=message.text,
            actions=[line_action(b) for b in message.buttons],
        )
        return TemplateMessage(alt_text=message.text[:400], template=template,
                               quick_reply=_quick_reply(message.quick_replies))
    # Buttons that do not fit a template become quick replies; the text stays whole.
    return TextMessage(text=message.text[:5000], quick_reply=_quick_reply(message.quick_replies or message.buttons))


def line_action(button: Any) -> PostbackAction | DatetimePickerAction | URIAction:
    """A button's LINE action; the console's card preview uses the same one."""
    if button.action == "uri":
        return URIAction(label=button.label[:20], uri=button.data)
    if button.action in ("date", "time", "datetime"):
        return DatetimePickerAction(label=button.label[:20], data=button.data[:300], mode=button.action,
                                    initial=button.initial, min=button.earliest, max=button.latest)
    return PostbackAction(label=button.label[:20], data=button.data[:300], display_text=(button.text or button.label)[:300])


def _quick_reply(buttons: Any) -> QuickReply | None:
    if not buttons:
        return None
    return QuickReply(items=[QuickReplyItem(action=line_action(b)) for b in list(buttons)[:QUICK_REPLY_LIMIT]])
