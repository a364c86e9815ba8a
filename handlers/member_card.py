"""The member card in the chat: "會員卡 / 会员卡 / member card" (or its rich-menu cell) shows the
customer's name, tier, points, stamps and what the next tier needs, with the member code as a QR
code and a barcode the till scans (`GET /api/v1/customers?member_code=`).

A card where the channel shows cards (LINE Flex, a Telegram photo, an email block); the same facts
as text everywhere else and in LINE's notification.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot import code_images
from bot.crm import loyalty
from bot.crm.members import member_code
from bot.crm.tiers import window_start, window_stats
from bot.engine import Context
from bot.events import Button, Card, CardField, Outbound
from bot.i18n import pick
from bot.i18n.commerce import say
from handlers.faq import menu_buttons
from handlers.loyalty import tier_progress_lines

POSTBACK = "member:card"
KEYWORDS = re.compile(r"會員卡|会员卡|會員證|会员证|(?<![A-Za-z])(?:member(?:ship)?\s*card)(?![A-Za-z])", re.IGNORECASE)


def on_member_card(ctx: Context) -> Sequence[Outbound] | None:
    if ctx.event.chat_type != "user" or ctx.customer is None:
        return None
    if ctx.postback != POSTBACK and not (ctx.event.kind == "text" and KEYWORDS.search(ctx.text)):
        return None
    return [member_card(ctx)]


def member_card(ctx: Context) -> Outbound:
    assert ctx.customer is not None
    settings, customer, language = ctx.settings, ctx.customer, ctx.language
    code = member_code(ctx.session, customer)
    tier = pick(settings.tiers[customer.tier - 1].name, language, settings.app.default_language)
    points = f"{loyalty.balance(ctx.session, customer.id):,}"
    size = settings.loyalty.stamp_card_size
    filled, drawn = loyalty.card_state(loyalty.stamp_count(ctx.session, customer.id), size)
    stats = window_stats(ctx.session, customer.id, window_start(settings, ctx.now))
    ahead = " ".join(tier_progress_lines(ctx, stats)[:1])
    fields = [
        CardField(ctx.t("cards.member_name"), customer.display_name or "—"),
        CardField(ctx.t("cards.member_tier"), tier),
        CardField(ctx.t("cards.member_points"), points),
        CardField(ctx.t("cards.member_stamps"), f"{drawn} {filled}/{size}"),
    ]
    if ahead:
        fields.append(CardField(ctx.t("cards.member_next"), ahead))
    buttons = (Button(label=say("menu_coupons", language), data="coupons:list", text=say("menu_coupons", language)),
               Button(label=say("menu_points", language), data="points:show", text=say("menu_points", language)))
    card = Card(title=ctx.t("cards.member_title"), text=ctx.t("cards.member_hint"),
                fields=tuple(fields), buttons=buttons, code=code, code_kind="qr+barcode")
    card = code_images.with_code_images(card, settings.web.public_url, settings.web.secret_key)
    words = [card.title, *(f"{f.label}: {f.value}" for f in fields), ctx.t("cards.member_code", code=code)]
    return Outbound("\n".join(words), quick_replies=menu_buttons(ctx), card=card)
