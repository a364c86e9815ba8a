"""Cards in the HTML part of an email: a bordered block per card with its picture, fields and
code. The plain-text part carries the message's text, which says the same in words.

A code's picture is the signed HTTPS address the service serves (`qr_url`, `barcode_url`) when it
has one; without one the code is printed large, which a cashier can type or a phone can read.
Everything that came from a customer or a marketer is escaped.
"""

from __future__ import annotations

import html

from bot.events import Card, Outbound

BLOCK = "border:1px solid #ddd;border-radius:8px;padding:12px 16px;margin:12px 0;max-width:28em"


def card_html(message: Outbound) -> str:
    cards = [message.card] if message.card is not None else list(message.carousel)
    return "".join(_card(card) for card in cards)


def _card(card: Card) -> str:
    parts = [f'<div style="{BLOCK}">']
    if card.image_url and card.image_url.startswith("https://"):
        parts.append(f'<img src="{html.escape(card.image_url)}" alt="" style="max-width:100%">')
    parts.append(f"<h3 style=\"margin:4px 0\">{html.escape(card.title)}</h3>")
    if card.text:
        parts.append("<p>" + html.escape(card.text).replace("\n", "<br>") + "</p>")
    if card.fields:
        rows = "".join(f'<tr><td style="color:#888;padding-right:12px">{html.escape(f.label)}</td>'
                       f"<td>{html.escape(f.value)}</td></tr>" for f in card.fields)
        parts.append(f"<table>{rows}</table>")
    for url in (card.qr_url, card.barcode_url):
        if url and url.startswith("https://"):
            parts.append(f'<p><img src="{html.escape(url)}" alt="{html.escape(card.code or "")}" style="max-width:240px"></p>')
    if card.code:
        parts.append(f'<p style="font:bold 1.4em monospace;letter-spacing:2px">{html.escape(card.code)}</p>')
    parts.append("</div>")
    return "".join(parts)
