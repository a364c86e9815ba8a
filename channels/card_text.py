"""What a channel without cards makes of one: the message's own text (the card's meaning in
words, which every card message carries) with the cards' buttons as ordinary buttons.

Also the QR picture a channel draws itself when it can attach an image (Telegram, email) instead
of fetching the signed address LINE needs.
"""

from __future__ import annotations

import io
from dataclasses import replace

import segno

from bot.events import Outbound


def card_as_plain(message: Outbound) -> Outbound:
    cards = [message.card] if message.card is not None else list(message.carousel)
    offered = {b.data for b in (*message.buttons, *message.quick_replies)}
    buttons = tuple(b for card in cards for b in card.buttons if b.data not in offered)
    return replace(message, card=None, carousel=(), buttons=(*message.buttons, *buttons))


def qr_png(code: str, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    segno.make(code, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
