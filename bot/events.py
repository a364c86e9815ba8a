"""The one inbound type and the one outbound type that cross between channels and handlers.

Why plain frozen dataclasses: handlers never see SDK types and channels never see models, so each
side can change without the other, and an event survives a round trip through the inbox as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from bot.safe_text import clean_json, clean_text, has_unstorable

# What a customer (or the platform on their behalf) did. Channels map their events onto these.
INBOUND_KINDS = frozenset(
    {
        "text", "sticker", "image", "location", "attachment", "follow", "unfollow", "postback",
        "join", "leave", "member_joined", "member_left", "unsend", "contact", "unknown",
        # Channel-level events that Telegram and email produce: an explicit opt-out (/stop, one-click
        # unsubscribe, a spam complaint), a help request, a group that moved to a new chat id, and a
        # delivery status report (bounce) about an address.
        "opt_out", "help", "migrated", "bounce",
    }
)
# A button with this data asks the customer for their phone number: Telegram shows a "share my
# contact" keyboard; channels that cannot share contacts show it as an ordinary button.
REQUEST_PHONE = "request:phone"


@dataclass(frozen=True)
class Inbound:
    channel: str
    kind: str
    event_id: str
    occurred_at: datetime
    chat_id: str
    chat_type: str = "user"
    user_id: str | None = None
    text: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    message_id: str | None = None
    reply_handle: str | None = None
    standby: bool = False
    redelivery: bool = False
    # Why the platform's event could not be used (None for a usable one): it is stored with status
    # "rejected" and this reason, never handled, so one malformed event costs only itself.
    rejected: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in INBOUND_KINDS:
            raise ValueError(f"unknown inbound kind {self.kind!r}")
        if self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware")

    # Payload conventions handlers rely on: a "follow" may carry `deep_link` (Telegram's
    # `/start <payload>`); a "contact" carries `phone` and the `user_id` whose contact it is; a
    # "postback" carries `data` and, from a date-time picker, `params` (date / time / datetime).

    @property
    def lane_key(self) -> str:
        """Events with the same lane key are processed one at a time, in order."""
        return f"{self.channel}:{self.chat_id}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["occurred_at"] = self.occurred_at.isoformat()
        data["payload"] = dict(self.payload)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Inbound":
        values = dict(data)
        values["occurred_at"] = datetime.fromisoformat(values["occurred_at"]).astimezone(UTC)
        return cls(**values)


# The longest id each field may carry: the columns it ends up in (inbox event_id and lane_key,
# channel identities, conversation addresses, message ids, the outbox's reply token).
ID_LIMITS = {"event_id": 200, "chat_id": 200, "user_id": 200, "message_id": 100, "reply_handle": 200}
# Platform timestamps outside these years are a bug or an attack, not an event.
EARLIEST_EVENT = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_EVENT = datetime(2100, 1, 1, tzinfo=UTC)
REJECTION_REASON_CHARS = 300


def storable(event: Inbound) -> Inbound:
    """`event` as every database we run on accepts it, or ValueError saying why it cannot be.

    Free text (the message, the payload's strings) is cleaned: a NUL is dropped and a lone
    surrogate becomes U+FFFD, so the customer is still answered. An id is never altered, since a
    changed id would be another customer's or message's: one that is not a string, is longer than
    its column or carries such characters makes the event unusable."""
    for name, limit in ID_LIMITS.items():
        value = getattr(event, name)
        if value is None and name != "event_id":
            continue
        if not isinstance(value, str):
            raise ValueError(f"{name} is not a string")
        if len(value) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")
        if has_unstorable(value):
            raise ValueError(f"{name} contains NUL or an unpaired surrogate")
    if not EARLIEST_EVENT <= event.occurred_at < LATEST_EVENT:
        raise ValueError("timestamp is outside the years 2000 to 2099")
    text = clean_text(event.text) if event.text is not None else None
    return replace(event, text=text, payload=clean_json(dict(event.payload)))


def rejected_event(channel: str, event_id: str, reason: str, record: Any, *, chat_id: str = "") -> Inbound:
    """The inbox entry for an event we cannot use: kept (with what arrived, cleaned and bounded)
    so nothing is lost silently, and a redelivery of it is recognised by its `event_id`."""
    return Inbound(channel=channel, kind="unknown", event_id=event_id[:ID_LIMITS["event_id"]],
                   occurred_at=datetime.now(UTC), chat_id=chat_id if _usable_id(chat_id) else "",
                   payload={"rejected": record}, rejected=clean_text(reason)[:REJECTION_REASON_CHARS])


def _usable_id(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= ID_LIMITS["chat_id"] and not has_unstorable(value)


BUTTON_ACTIONS = frozenset({"postback", "date", "time", "datetime", "contact", "uri"})


@dataclass(frozen=True)
class Button:
    """A choice offered to the customer: `data` comes back as a postback, `label` is shown.

    `action` other than "postback" asks the platform for a native picker where it has one: "date",
    "time" or "datetime" (LINE's date-time picker; the postback's payload then carries `params`
    with the chosen date / time / datetime, between `earliest` and `latest`), or "contact" (a
    Telegram request to share the user's own phone number, arriving as an Inbound of kind
    "contact"), or "uri" (`data` is an https address the button opens: a broadcast's link).
    Channels without the native form show a plain postback button.
    """

    label: str
    data: str
    text: str | None = None
    action: str = "postback"
    initial: str | None = None
    earliest: str | None = None
    latest: str | None = None

    def __post_init__(self) -> None:
        if self.action not in BUTTON_ACTIONS:
            raise ValueError(f"unknown button action {self.action!r}")


# How a card shows its code: a QR code, a barcode (Code 128, for tills with a line scanner), or both.
CODE_KINDS = frozenset({"qr", "barcode", "qr+barcode"})
CARD_BUTTON_LIMIT = 3
CAROUSEL_LIMIT = 10


@dataclass(frozen=True)
class CardField:
    """One "label: value" row of a card (points, expiry, tier)."""

    label: str
    value: str


@dataclass(frozen=True)
class Card:
    """A card: what LINE shows as a Flex bubble, Telegram as a photo with a caption, email as HTML.

    Why the code images are URLs filled in beside the code: LINE can show an image only by an
    HTTPS address, so the service signs one it serves itself (`bot.code_images`); a channel that
    can draw or attach the image itself (Telegram, email) uses `code` and ignores the URLs.
    """

    title: str
    text: str = ""
    image_url: str | None = None
    fields: tuple[CardField, ...] = ()
    buttons: tuple[Button, ...] = ()
    code: str | None = None
    code_kind: str = "qr"
    qr_url: str | None = None
    barcode_url: str | None = None

    def __post_init__(self) -> None:
        if self.code_kind not in CODE_KINDS:
            raise ValueError(f"unknown code kind {self.code_kind!r}")
        if len(self.buttons) > CARD_BUTTON_LIMIT:
            raise ValueError(f"a card carries at most {CARD_BUTTON_LIMIT} buttons")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Card":
        values = dict(data)
        values["fields"] = tuple(CardField(**f) for f in values.get("fields", ()))
        values["buttons"] = tuple(Button(**b) for b in values.get("buttons", ()))
        return cls(**values)


@dataclass(frozen=True)
class Outbound:
    """What we say. Channels render buttons as they can and fall back to numbered text.

    A `card` or a `carousel` of cards is shown by channels that can; `text` always says the same
    thing in words, so a channel that cannot show a card (and LINE's notification, `altText`)
    still carries the meaning."""

    text: str
    quick_replies: tuple[Button, ...] = ()
    buttons: tuple[Button, ...] = ()
    title: str | None = None
    image_url: str | None = None
    card: Card | None = None
    carousel: tuple[Card, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Outbound":
        values = dict(data)
        for key in ("quick_replies", "buttons"):
            values[key] = tuple(Button(**b) for b in values.get(key, ()))
        if values.get("card") is not None:
            values["card"] = Card.from_json(values["card"])
        values["carousel"] = tuple(Card.from_json(c) for c in values.get("carousel", ()))[:CAROUSEL_LIMIT]
        return cls(**values)
