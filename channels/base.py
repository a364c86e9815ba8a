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
                 reply_token_dead: bool = False) -> None:
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


@dataclass(frozen=True)
class Delivery:
    """One send request, built by the delivery job from an outbox row."""

    address: str
    messages: Sequence[Outbound]
    idempotency_key: str
    recipients: Sequence[str] = ()
    reply_token: str | None = None
    reply_attempted_before: bool = False


@dataclass(frozen=True)
class SendResult:
    transport: str
    platform_ids: Sequence[str] = field(default_factory=tuple)
    duplicate: bool = False


class Channel(Protocol):
    name: str
    max_messages_per_request: int

    def parse(self, headers: Mapping[str, str], body: bytes) -> list[Inbound]:
        """Verify and normalise a webhook body, or raise `WebhookRejected`."""

    def send(self, delivery: Delivery) -> SendResult:
        """Send, or raise `DeliveryError`."""
