"""The customer's coupons in the chat: "優惠券 / 优惠券 / coupons / my coupons" lists them, and a
code typed with the keyword (or a code of theirs on its own) shows that one coupon.

Issuing lives in `bot.crm.coupons` so that leads, loyalty, jobs and the API share one implementation;
`issue_coupon` is re-exported here because the dialogue features call it from their handlers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot import code_images
from bot.crm.coupons import CODE_LENGTH, CouponError, customer_coupons, find, issue_coupon, looks_like_code, normalize_code, status
from bot.engine import Context
from bot.events import CAROUSEL_LIMIT, Card, CardField, Outbound
from bot.i18n.commerce import gives, local_date, say
from handlers.faq import menu_buttons
from models import Coupon

__all__ = ["CouponError", "issue_coupon", "on_coupons", "POSTBACK"]

POSTBACK = "coupons:list"
# Latin words are bounded by non-letters, not by \b: "我的coupons" has no word boundary in it.
KEYWORDS = re.compile(r"我的優惠券|我的优惠券|優惠券|优惠券|折價券|折价券|優惠碼|优惠码"
                      r"|(?<![A-Za-z])(?:my\s+)?coupons?(?:\s+codes?)?(?![A-Za-z])", re.IGNORECASE)
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]{4,24}")
MAX_ECHO = 20


def on_coupons(ctx: Context) -> Sequence[Outbound] | None:
    if ctx.event.chat_type != "user" or ctx.customer is None:
        return None
    if ctx.postback == POSTBACK:
        return _list(ctx)
    if ctx.event.kind != "text" or not ctx.text:
        return None
    if not KEYWORDS.search(ctx.text):
        if looks_like_code(ctx.text):  # a bare code: answer only if it is theirs, else not ours
            coupon = find(ctx.session, ctx.text)
            if coupon is not None and coupon.customer_id == ctx.customer.id:
                return _one(ctx, coupon)
        return None
    attempt = next((t for t in TOKEN.findall(KEYWORDS.sub(" ", ctx.text)) if _is_code_attempt(t)), None)
    if attempt is None:
        return _list(ctx)
    coupon = find(ctx.session, attempt)
    if coupon is None or coupon.customer_id != ctx.customer.id:  # never reveal another customer's coupon
        shown = normalize_code(attempt)[:MAX_ECHO]
        return [Outbound(say("coupon_not_found", ctx.language, code=shown), quick_replies=menu_buttons(ctx))]
    return _one(ctx, coupon)


def _is_code_attempt(token: str) -> bool:
    """"coupon AB3D..." is an attempt at a code; "my coupons please" is not."""
    return any(ch.isdigit() for ch in token) or len(normalize_code(token)) == CODE_LENGTH


def _list(ctx: Context) -> list[Outbound]:
    assert ctx.customer is not None  # on_coupons answers only a known customer
    coupons, more = customer_coupons(ctx.session, ctx.customer.id, ctx.now, ctx.settings.coupons.list_limit)
    if not coupons:
        return [Outbound(say("coupons_none", ctx.language), quick_replies=menu_buttons(ctx))]
    lines = [say("coupons_header", ctx.language)] + [_line(ctx, c) for c in coupons]
    if more:
        lines.append(say("coupons_more", ctx.language, n=more, count=more))
    lines.append(say("coupon_show_hint", ctx.language))
    cards = tuple(coupon_card(ctx, c) for c in coupons[:CAROUSEL_LIMIT])
    return [Outbound("\n".join(lines), quick_replies=menu_buttons(ctx), carousel=cards)]


def _one(ctx: Context, coupon: Coupon) -> list[Outbound]:
    return [Outbound(_line(ctx, coupon) + "\n" + say("coupon_show_hint", ctx.language), quick_replies=menu_buttons(ctx),
                     card=coupon_card(ctx, coupon))]


def _facts(ctx: Context, coupon: Coupon) -> dict[str, str]:
    """What a coupon is, in the customer's language: one source for its line and its card."""
    language, default = ctx.language, ctx.settings.app.default_language
    state = status(coupon, ctx.now)
    if state == "active" and coupon.max_uses > 1:
        state_text = say("status_active_uses", language, n=coupon.max_uses - coupon.uses, left=coupon.max_uses - coupon.uses)
    else:
        state_text = say(f"status_{state}", language)
    name = coupon.template.name
    return {"code": coupon.code, "status": state_text,
            "gives": gives(coupon.kind, coupon.value, coupon.template.item, language, default),
            "name": name.get(language) or name.get(default) or coupon.template.code,
            "expiry": local_date(coupon.expires_at, ctx.settings.app.timezone)}


def _line(ctx: Context, coupon: Coupon) -> str:
    facts = _facts(ctx, coupon)
    return say("coupon_line", ctx.language, code=facts["code"], status=facts["status"], gives=facts["gives"],
               name=facts["name"], expiry=facts["expiry"])


def coupon_card(ctx: Context, coupon: Coupon) -> Card:
    """A coupon as a card: what it gives, until when, and its code as a QR code for the till."""
    facts = _facts(ctx, coupon)
    card = Card(title=facts["name"], text=facts["gives"], code=coupon.code, code_kind="qr",
                fields=(CardField(ctx.t("cards.coupon_expiry"), facts["expiry"]),
                        CardField(ctx.t("cards.coupon_status"), facts["status"])))
    return code_images.with_code_images(card, ctx.settings.web.public_url, ctx.settings.web.secret_key)
