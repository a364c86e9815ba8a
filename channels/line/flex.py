"""Cards as LINE Flex Messages: one card is a bubble, a carousel of cards a Flex carousel.

Built from the SDK's own Flex models, so a field LINE does not know cannot be written; the
stand-in checks the rules the models do not (HTTPS images, lengths, counts) the way LINE does.
`altText`, what a phone's notification and an old client show, is the message's text: the card's
meaning in words.
"""

from __future__ import annotations

from typing import Any

from linebot.v3.messaging import (
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexCarousel,
    FlexImage,
    FlexMessage,
    FlexSeparator,
    FlexText,
    QuickReply,
)

from bot.events import CAROUSEL_LIMIT, Card, Outbound
from channels.line.limits import FLEX_ALT_TEXT_LIMIT

TITLE_LIMIT = 120
TEXT_LIMIT = 1000
FIELD_LIMIT = 8


def render_flex(message: Outbound, quick_reply: QuickReply | None, action: Any) -> FlexMessage:
    """`action(button)` makes a button's LINE action (the adapter's own, shared with templates)."""
    cards = [message.card] if message.card is not None else list(message.carousel[:CAROUSEL_LIMIT])
    bubbles = [bubble(card, action) for card in cards]
    contents: FlexBubble | FlexCarousel = bubbles[0] if len(bubbles) == 1 else FlexCarousel(contents=bubbles)
    alt = (message.text or cards[0].title).strip() or cards[0].title
    return FlexMessage(alt_text=alt[:FLEX_ALT_TEXT_LIMIT], contents=contents, quick_reply=quick_reply)


def bubble(card: Card, action: Any) -> FlexBubble:
    # A card without a title (a broadcast's picture with its text) starts with its text.
    body: list[Any] = ([FlexText(text=card.title[:TITLE_LIMIT] or " ", weight="bold", size="lg", wrap=True)]
                       if card.title or not card.text else [])
    if card.text:
        body.append(FlexText(text=card.text[:TEXT_LIMIT], size="sm", wrap=True, color="#555555", margin="md"))
    if card.fields:
        body.append(FlexSeparator(margin="lg"))
        body.extend(_field(f.label, f.value) for f in card.fields[:FIELD_LIMIT])
    body.extend(_code(card))
    hero = FlexImage(url=card.image_url, size="full", aspect_ratio="20:13", aspect_mode="cover") if card.image_url else None
    footer = None
    if card.buttons:
        footer = FlexBox(layout="vertical", spacing="sm",
                         contents=[FlexButton(action=action(b), style="primary" if i == 0 else "secondary", height="sm")
                                   for i, b in enumerate(card.buttons)])
    return FlexBubble(hero=hero, body=FlexBox(layout="vertical", spacing="sm", contents=body), footer=footer)


def _field(label: str, value: str) -> FlexBox:
    return FlexBox(layout="baseline", spacing="sm", margin="sm", contents=[
        FlexText(text=label[:40] or " ", size="sm", color="#888888", flex=2, wrap=True),
        FlexText(text=value[:200] or " ", size="sm", color="#111111", flex=4, wrap=True),
    ])


def _code(card: Card) -> list[Any]:
    """The code's pictures when the service could sign HTTPS addresses for them, and always the code
    in letters, so a cashier can type it when the scanner fails."""
    if not card.code:
        return []
    parts: list[Any] = [FlexSeparator(margin="lg")]
    if card.qr_url:
        parts.append(FlexImage(url=card.qr_url, size="lg", aspect_ratio="1:1", margin="md"))
    if card.barcode_url:
        parts.append(FlexImage(url=card.barcode_url, size="full", aspect_ratio="2:1", aspect_mode="fit", margin="md"))
    parts.append(FlexText(text=card.code, size="md", weight="bold", align="center", margin="md"))
    return parts

