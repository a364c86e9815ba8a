"""The small interface every channel adapter implements, and the errors it speaks in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

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
