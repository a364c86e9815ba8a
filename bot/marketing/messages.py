"""What each treated recipient of a broadcast is sent: the text in their language, with their own
fields and their coupon filled in.

Why the text is chosen per language before per customer: a text without fields or a coupon is the
same for everyone who reads that language, so LINE takes it by multicast (500 a request); only a
text that differs per customer costs a push each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm import loyalty
from bot.crm.tiers import tier_name
from bot.events import Button, Card, CardField, Outbound
from bot.i18n.commerce import gives, local_date, say
from bot.marketing.broadcast_coupons import IssuedCoupon
from bot.marketing.texts import fields_used, render
from models import Broadcast, CouponTemplate, utcnow


class Recipient(Protocol):
    # Read-only (properties), so that frozen dataclasses such as planning.Target satisfy it.
    @property
    def customer_id(self) -> int: ...
    @property
    def name(self) -> str | None: ...
    @property
    def tier(self) -> int | None: ...
    @property
    def language(self) -> str: ...


def text_for(broadcast: Broadcast, language: str) -> str:
    """The broadcast's text for a reader of `language`: its translation, else the main text."""
    return (broadcast.translations or {}).get(language) or broadcast.text


def broadcast_message(broadcast: Broadcast, text: str, language: str = "") -> Outbound:
    """What a recipient is sent: `text` alone, or a card (the broadcast's picture above it) whose
    body is the card's own text or else `text`, its words in the reader's `language` where the card
    has them (`card_for`). `text` stays the message's words, so LINE's notification, Telegram's
    caption and the plain part of an email say the same."""
    card = broadcast_card(broadcast.image_url, card_for(broadcast.card, language), text)
    return Outbound(text, card=card) if card is not None else Outbound(text)


def card_language(broadcast: Broadcast, language: str) -> str:
    """`language` when the broadcast's card has words of its own for it, else "" (the shop's
    default card): readers who get the same card share a multicast."""
    return language if language in ((broadcast.card or {}).get("translations") or {}) else ""


def card_for(card: dict[str, Any] | None, language: str) -> dict[str, Any] | None:
    """The card in `language`: its translation's title, text and button labels over the default
    card's, each falling back to the default where the translation leaves it empty (fields, links
    and postbacks are the same in every language)."""
    local = ((card or {}).get("translations") or {}).get(language) if language else None
    if not card or not local:
        return card
    labels = list(local.get("buttons") or [])
    buttons = [{**button, "label": (labels[i] if i < len(labels) and labels[i] else button["label"])}
               for i, button in enumerate(card.get("buttons") or [])]
    return {**card, "title": local.get("title") or card.get("title") or "", "text": local.get("text") or card.get("text") or "",
            "buttons": buttons}


def broadcast_card(image_url: str | None, card: dict[str, Any] | None, text: str) -> Card | None:
    if not image_url and not card:
        return None
    card = card or {}
    return Card(title=card.get("title") or "", text=card.get("text") or text, image_url=image_url or None,
                fields=tuple(CardField(f["label"], f["value"]) for f in card.get("fields") or ()),
                buttons=tuple(Button(b["label"], b["data"], action=b.get("action", "postback")) for b in card.get("buttons") or ()))


def is_personal(broadcast: Broadcast) -> bool:
    """Whether recipients who read the same language may be sent different texts."""
    texts = [broadcast.text, *(broadcast.translations or {}).values()]
    return broadcast.coupon_template_id is not None or any(fields_used(text) for text in texts)


def personal_texts(session: Session, broadcast: Broadcast, settings: Settings, targets: Sequence[Recipient],
                   coupons: Mapping[int, IssuedCoupon], template: CouponTemplate | None) -> dict[int, str]:
    """Customer id -> the text they are sent. A coupon the text does not place with `{coupon}` is
    announced in a line of its own after it, in the customer's language."""
    fields_by_language: dict[str, set[str]] = {}
    for target in targets:
        if target.language not in fields_by_language:
            fields_by_language[target.language] = fields_used(text_for(broadcast, target.language))
    wanted = set().union(*fields_by_language.values())
    points = loyalty.balances(session, [t.customer_id for t in targets]) if "points" in wanted else {}
    coupon_lines = {language: _coupon_line(settings, template, language, coupons)
                    for language, fields in fields_by_language.items() if template is not None and "coupon" not in fields}
    texts = {}
    for target in targets:  # up to 100,000: only the per-customer parts are worked out here
        language = target.language
        coupon = coupons.get(target.customer_id)
        values = {"name": target.name or say("broadcast_name_fallback", language),
                  "tier": tier_name(settings, target.tier, language) if "tier" in wanted else "",
                  "points": points.get(target.customer_id, 0), "coupon": coupon.code if coupon else ""}
        text = render(text_for(broadcast, language), values)
        if coupon is not None and language in coupon_lines:
            text += coupon_lines[language].replace("\0code\0", coupon.code)
        texts[target.customer_id] = text
    return texts


def _coupon_line(settings: Settings, template: CouponTemplate, language: str, coupons: Mapping[int, IssuedCoupon]) -> str:
    """The line announcing the coupon in `language`, with a placeholder for the code. One broadcast's
    coupons are issued together, so they share what they give and their expiry date."""
    expires_at = next(iter(coupons.values())).expires_at if coupons else utcnow()
    what = gives(template.kind, template.value, template.item or {}, language, settings.app.default_language)
    return "\n\n" + say("broadcast_coupon", language, code="\0code\0", gives=what, expiry=local_date(expires_at, settings.app.timezone))
