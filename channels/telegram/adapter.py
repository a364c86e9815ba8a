"""The Telegram Bot API adapter: verify and parse webhooks, send messages with python-telegram-bot.

One long-lived `telegram.Bot` per process, living on one asyncio event loop in one background
thread (`channels/telegram/async_loop.py`): delivery threads hand it coroutines and wait for the result,
so its HTTP connection pool is reused and no event loop is ever created per message. The host
comes from `[telegram] api_base`, so tests and the sandbox point the real client at a local
stand-in. Telegram's flood limits are declared per delivery (`rate_limits`) and enforced by the
delivery worker; what a failure tells us about the customer (blocked us, the group moved) comes
back as inbound events, so the handlers act on it like on any platform event.
"""

from __future__ import annotations

import hmac
import logging
import warnings
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.events import REQUEST_PHONE, Button, Inbound, Outbound
from channels import webhook_json
from channels.base import Delivery, DeliveryError, RateLimit, SendResult, WebhookRejected
from channels.card_text import card_as_plain, qr_png
from channels.telegram.async_loop import AsyncLoop
from channels.telegram.events import CALLBACK_DATA_MAX_BYTES, read_update, usable_update_id
from channels.telegram.limits import LIMITS

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
QUICK_REPLIES_PER_ROW = 3
# The update types `set-webhook` asks for: exactly the ones `telegram_events` handles.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
# Margin on Telegram's published rates, so a drift between our clock and theirs never trips a 429.
RATE_MARGIN = 1.01
# How far ahead of the per-bot schedule a message may go: three messages' worth, so delivery
# threads that stalled for a moment catch up instead of losing those slots.
BOT_CATCH_UP_MESSAGES = 3


class TelegramChannel:
    name = "telegram"
    max_messages_per_request = LIMITS.messages_per_request

    def __init__(self, token: str, webhook_secret: str, api_base: str, *, connect_timeout: float = 3.0,
                 read_timeout: float = 10.0, messages_per_second: float = 30.0, chat_interval_seconds: float = 1.0,
                 group_messages_per_minute: float = 20.0) -> None:
        self._secret = webhook_secret.encode()
        base = api_base.rstrip("/")
        request = HTTPXRequest(connection_pool_size=32, connect_timeout=connect_timeout, read_timeout=read_timeout,
                               write_timeout=read_timeout, pool_timeout=read_timeout)
        self.bot = Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot", request=request)
        self._loop = AsyncLoop("telegram-bot")
        self._call_timeout = connect_timeout + 2 * read_timeout + 5
        bot_id = token.split(":", 1)[0]
        self._bot_key = f"telegram:{bot_id}"
        self._bot_interval = RATE_MARGIN / messages_per_second
        self._chat_interval = RATE_MARGIN * chat_interval_seconds
        self._group_interval = RATE_MARGIN * 60.0 / group_messages_per_minute

    # --- inbound -------------------------------------------------------------------------------

    def parse(self, headers: Mapping[str, str], body: bytes) -> list[Inbound]:
        secret = headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(secret.encode("utf-8", "replace"), self._secret):
            raise WebhookRejected(403, f"missing or wrong {SECRET_HEADER}")
        content_type = headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if content_type != "application/json":
            raise WebhookRejected(400, f"content type must be application/json, got {content_type or 'none'!r}")
        document = webhook_json.load(body)
        if not isinstance(document, dict) or not usable_update_id(document.get("update_id")):
            raise WebhookRejected(400, "body is not a Telegram Update (no integer update_id)")
        # An update that is malformed beyond its update_id is stored rejected with the reason and
        # answered 200: Telegram redelivers anything else, and this body can never succeed.
        return [read_update(document, self.bot)]

    def webhook_reply(self, events: Sequence[Inbound]) -> dict[str, Any] | None:
        """Answer a button press in the webhook's own response, so the client stops spinning at once;
        a press stored as rejected too, when `read_update` kept a callback id that is safe to send."""
        for event in events:
            query_id = event.payload.get("callback_query_id") if event.kind == "postback" or event.rejected else None
            if query_id:
                return {"method": "answerCallbackQuery", "callback_query_id": query_id}
        return None

    # --- outbound ------------------------------------------------------------------------------

    def rate_limits(self, delivery: Delivery) -> list[RateLimit]:
        chat = _target(delivery)
        limits = [RateLimit(self._bot_key, self._bot_interval, tolerance=BOT_CATCH_UP_MESSAGES * self._bot_interval),
                  RateLimit(f"{self._bot_key}:chat:{chat}", self._chat_interval)]
        if chat.startswith("-"):  # group and supergroup ids are negative
            limits.append(RateLimit(f"{self._bot_key}:group:{chat}", self._group_interval))
        return limits

    def send(self, delivery: Delivery) -> SendResult:
        if len(delivery.messages) != 1 or len(delivery.recipients) > 1:
            raise DeliveryError("a Telegram request carries one message to one chat", retryable=False)
        chat = _target(delivery)
        message = delivery.messages[0]
        try:
            sent_id = self._run(self._send(chat, message))
            return SendResult("push", (sent_id,))
        except ChatMigrated as exc:
            new_chat = str(exc.new_chat_id)
            migrated = _event("migrated", delivery, chat, {"from_chat_id": chat, "to_chat_id": new_chat}, "group")
            try:
                sent_id = self._run(self._send(new_chat, message))
            except TelegramError as again:
                error = self._translate(again, delivery, new_chat)
                error.events = (migrated, *error.events)
                raise error from None
            return SendResult("push", (sent_id,), events=(migrated,))
        except TelegramError as exc:
            raise self._translate(exc, delivery, chat) from None

    async def _send(self, chat: str, message: Outbound) -> str:
        if message.card is not None or message.carousel:
            return await self._send_card(chat, message)
        markup = render_markup(message, private=not chat.startswith("-"))
        text = f"{message.title}\n{message.text}" if message.title else message.text
        if message.image_url:
            sent = await self.bot.send_photo(chat, message.image_url, caption=text[:CAPTION_LIMIT], reply_markup=markup)
        else:
            sent = await self.bot.send_message(chat, text[:TEXT_LIMIT], reply_markup=markup)
        return str(sent.message_id)

    async def _send_card(self, chat: str, message: Outbound) -> str:
        """A card as a photo (its picture, else its code drawn as a QR code) whose caption is the
        message's text and whose buttons are an inline keyboard; a carousel, which Telegram cannot
        show in one message, as its text with every card's buttons."""
        plain = card_as_plain(message)
        card = message.card
        photo: Any = card.image_url if card is not None else None
        if card is not None and photo is None and card.code:
            photo = qr_png(card.code)
        if photo is None or len(message.text) > CAPTION_LIMIT:
            return await self._send(chat, plain)
        markup = render_markup(plain, private=not chat.startswith("-"))
        sent = await self.bot.send_photo(chat, photo, caption=message.text, reply_markup=markup)
        return str(sent.message_id)

    def _translate(self, exc: TelegramError, delivery: Delivery, chat: str) -> DeliveryError:
        """Telegram's failure as a retry / fail decision, with what it means for the customer."""
        if isinstance(exc, RetryAfter):
            seconds = _seconds(exc)
            return DeliveryError(f"Telegram asked us to wait {seconds:g} s", retryable=True, status=429,
                                 retry_after=seconds, pause=(self._bot_key,))
        if isinstance(exc, Forbidden):
            group = chat.startswith("-")
            gone = _event("leave" if group else "unfollow", delivery, chat, {"reason": "forbidden"}, "group" if group else "user")
            return DeliveryError(f"Telegram answered 403: {exc.message}", retryable=False, status=403, events=(gone,))
        if isinstance(exc, InvalidToken):
            return DeliveryError(f"Telegram refused the bot token: {exc.message}", retryable=False, status=401)
        if isinstance(exc, (BadRequest, Conflict)):
            return DeliveryError(f"Telegram answered 400: {exc.message}", retryable=False, status=400)
        if isinstance(exc, NetworkError):
            never_connected = isinstance(exc.__cause__, (httpx.ConnectError, httpx.ConnectTimeout))
            return DeliveryError(f"Telegram unreachable: {type(exc).__name__}: {exc.message}", retryable=True,
                                 maybe_sent=not never_connected)
        return DeliveryError(f"Telegram error: {type(exc).__name__}: {exc.message}", retryable=True, maybe_sent=True)

    def _run(self, coroutine: Any) -> Any:
        try:
            return self._loop.run(coroutine, timeout=self._call_timeout)
        except TimeoutError:
            raise DeliveryError("Telegram call timed out", retryable=True, maybe_sent=True) from None

    # --- administration (the CLI) --------------------------------------------------------------

    def set_webhook(self, url: str) -> bool:
        return self._loop.run(self.bot.set_webhook(url, secret_token=self._secret.decode(),
                                                   allowed_updates=list(ALLOWED_UPDATES)), timeout=self._call_timeout)

    def set_commands(self, commands: Sequence[tuple[str, str]], language_code: str | None = None) -> bool:
        """The bot's command menu (`setMyCommands`) for users of one language (None: everyone else)."""
        return bool(self._loop.run(self.bot.set_my_commands([BotCommand(name, description) for name, description in commands],
                                                            language_code=language_code), timeout=self._call_timeout))

    def info(self) -> dict[str, Any]:
        async def gather() -> dict[str, Any]:
            me = await self.bot.get_me()
            hook = await self.bot.get_webhook_info()
            return {"bot": me.to_dict(), "webhook": hook.to_dict()}
        return self._loop.run(gather(), timeout=self._call_timeout)

    def close(self) -> None:
        self._loop.close(self.bot.shutdown())


def _target(delivery: Delivery) -> str:
    return str(delivery.recipients[0] if delivery.recipients else delivery.address)


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the type becomes a timedelta; accept both
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _event(kind: str, delivery: Delivery, chat: str, payload: dict[str, Any], chat_type: str) -> Inbound:
    """An event the platform told us about while we sent: keyed by the row, so a retry stores it once."""
    return Inbound(channel="telegram", kind=kind, event_id=f"send:{delivery.idempotency_key}:{kind}",
                   occurred_at=datetime.now(UTC), chat_id=payload.get("from_chat_id", chat), chat_type=chat_type,
                   user_id=None if chat_type == "group" else chat, payload=payload)


def render_markup(message: Outbound, *, private: bool) -> Any:
    """Buttons as an inline keyboard; a phone request as a one-time "share contact" keyboard.

    A plain message in a private chat removes any reply keyboard we showed earlier, so the phone
    request never outlives the question that needed it."""
    buttons = [*message.buttons, *message.quick_replies]
    if any(b.data == REQUEST_PHONE for b in buttons):
        keyboard = [[KeyboardButton(b.label, request_contact=True)] if b.data == REQUEST_PHONE else [KeyboardButton(b.text or b.label)]
                    for b in buttons]
        return ReplyKeyboardMarkup(keyboard, one_time_keyboard=True, resize_keyboard=True)
    rows = [[_inline(b)] for b in message.buttons if _fits(b)]
    quick = [_inline(b) for b in message.quick_replies if _fits(b)]
    rows += [quick[i:i + QUICK_REPLIES_PER_ROW] for i in range(0, len(quick), QUICK_REPLIES_PER_ROW)]
    if rows:
        return InlineKeyboardMarkup(rows)
    return ReplyKeyboardRemove() if private else None


def _inline(button: Button) -> InlineKeyboardButton:
    if button.action == "uri":
        return InlineKeyboardButton(button.label[:64], url=button.data)
    return InlineKeyboardButton(button.label[:64], callback_data=button.data)


def _fits(button: Button) -> bool:
    if button.action == "uri" or 0 < len(button.data.encode()) <= CALLBACK_DATA_MAX_BYTES:
        return True
    log.warning("button dropped: its data is longer than Telegram's 64 bytes", extra={"label": button.label[:20]})
    return False
