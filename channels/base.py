"""The small interface every channel adapter implements, and the errors it speaks in."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.events import Inbound, Outbound


class WebhookRejected(Exception):
    """A webhook request we refuse; `status` is the HTTP answer, nothing is stored."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class DeliveryError(Exception):
    """A send that did not go through. `retryable` decides between retry and failed."""

    def __init__(self, reason: str, *, retryable: bool, status: int | None = None,
                 retry_after: float | None = None, maybe_sent: bool = False,
                 reply_token_dead: bool = False, pause: Sequence[str] = (),
                 events: Sequence[Inbound] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after
        # True when the platform may have acted on the request (a read timeout, a dropped
        # connection): a reply handle used in it must then not be given up for a push.
        self.maybe_sent = maybe_sent
        # True when the platform refused the reply handle before we fell back to a push.
        self.reply_token_dead = reply_token_dead
        # Rate-limit keys to hold back for `retry_after` (the platform said the whole bot is too fast).
        self.pause = tuple(pause)
        # What the failure told us about the customer (blocked the bot, left the group): stored in
        # the inbox with the row's result, so handlers act on it like on any platform event.
        self.events = tuple(events)


class Deferred(Exception):
    """Not now, and not a failure: send again after `retry_after` seconds without using an attempt.

    Raised when a rate limit would make the delivery thread wait longer than it should sleep.
    """

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"deferred for {retry_after:.2f} s by a rate limit")
        self.retry_after = retry_after


@dataclass(frozen=True)
class RateLimit:
    """At most one request per `interval` seconds on `key` (e.g. per bot, per chat, per group),
    on average: a request may come up to `tolerance` seconds ahead of that schedule, so a sender
    that fell behind for a moment can catch up instead of losing the slots for good."""

    key: str
    interval: float
    tolerance: float = 0.0


@dataclass(frozen=True)
class Delivery:
    """One send request, built by the delivery job from an outbox row."""

    address: str
    messages: Sequence[Outbound]
    idempotency_key: str
    recipients: Sequence[str] = ()
    reply_token: str | None = None
    reply_attempted_before: bool = False
    purpose: str = "reply"
    conversation_id: int | None = None


@dataclass(frozen=True)
class SendResult:
    transport: str
    platform_ids: Sequence[str] = field(default_factory=tuple)
    duplicate: bool = False
    # What the platform told us while sending (a group moved to a new chat id): stored in the inbox.
    events: Sequence[Inbound] = ()


class Channel(Protocol):
    name: str
    max_messages_per_request: int

    def parse(self, headers: Mapping[str, str], body: bytes) -> list[Inbound]:
        """Verify and normalise a webhook body, or raise `WebhookRejected`."""

    def send(self, delivery: Delivery) -> SendResult:
        """Send, or raise `DeliveryError`."""


def rate_limits_of(channel: object, delivery: Delivery) -> Sequence[RateLimit]:
    """The limits a channel declares for one delivery (none if it declares none)."""
    declare = getattr(channel, "rate_limits", None)
    return tuple(declare(delivery)) if declare else ()


# --- what the registry knows about a platform ---------------------------------------------------
# The settings objects below are typed `Any` on purpose: channels import only `bot.events`, so a
# record reads its own section by attribute (`settings.line`) without importing `bot.config`.


@dataclass(frozen=True)
class Limits:
    """What one platform request may carry. The pipeline cuts outbox rows by these numbers."""

    messages_per_request: int = 1
    # Recipients one multicast request may name (1: the platform has no multicast).
    multicast_recipients: int = 1
    # How long the platform's own reply handle stays usable, when the platform decides it (an
    # email's Message-ID); None leaves it to the caller's setting ([line] reply_token_ttl_seconds).
    reply_handle_ttl_seconds: int | None = None
    # The keys of the channel's settings section that set its send rates; the adapter turns them
    # into `RateLimit`s per delivery (`rate_limits`).
    rate_settings: tuple[str, ...] = ()


class Stoppable(Protocol):
    def stop(self) -> Any: ...


@dataclass(frozen=True)
class Standin:
    """A started local stand-in, and how the sandbox points the bot and `python -m bot chat` at it."""

    server: Stoppable
    settings: Mapping[str, Any]  # keys that replace the channel's settings section
    info: Mapping[str, Any]  # what `python -m bot chat` needs, written to var/sandbox.json
    notice: tuple[str, ...] = ()  # the lines `serve` prints about it


@dataclass(frozen=True)
class ConsoleStatus:
    """What the console's channels page shows about a platform."""

    # The platform calls a webhook whose URL the operator pastes into its own console.
    webhook: bool = True
    # True when the given settings point the channel at a local stand-in (the page says so).
    in_sandbox: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class ChannelRecord:
    """Everything the application knows about one platform; `channels/registry.py` lists them."""

    name: str  # the webhook path (/webhooks/<name>) and the outbox's `channel`
    section: str  # its settings section: `[<section>]` in config.toml, `BOT_<SECTION>_*`
    label: str  # the platform's own name, as customers know it (not translated)
    configured: Callable[[Any], bool]  # settings -> whether real credentials are set
    build: Callable[[Any], Channel]  # settings -> the adapter
    start_standin: Callable[[Any, str, str], Standin]  # settings, host, webhook base -> a started stand-in
    # "module:function" that speaks the platform in `python -m bot chat` (settings, request -> exit
    # code): named, not imported, because it lives in the application, above channels.
    chat: str | None = None
    limits: Limits = Limits()
    console: ConsoleStatus = ConsoleStatus()
    staff_alerts: bool = False  # may carry alerts to staff ([staff] alert_channel)
    # The platform tells a customer's profile (name, picture, language) through a look-up call of its
    # API, made after the reply (jobs/profiles.py); others carry names on the events themselves.
    profile_lookup: bool = False
