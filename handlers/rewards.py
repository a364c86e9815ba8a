"""Spending points in the chat: "兌換 / 兑换 / redeem" lists the rewards the customer can afford as
cards; choosing one asks to confirm; confirming spends the points and issues the coupon
(`bot.crm.rewards.redeem`, one transaction), answered with the coupon's card.

Why a nonce in the confirm button: the confirmation's idempotency key is the customer and that
nonce, so pressing the same "confirm" twice (or LINE redelivering the postback) redeems once,
while a later, new confirmation is a new redemption.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from bot.crm import loyalty, rewards
from bot.engine import Context
from bot.events import CAROUSEL_LIMIT, Button, Card, CardField, Outbound
from handlers.coupons import coupon_card
from handlers.faq import menu_buttons
from models import Reward

LIST = "redeem:list"
ASK = "redeem:ask:"
CONFIRM = "redeem:ok:"
CANCEL = "redeem:no"
KEYWORDS = re.compile(r"兌換|兑换|換獎品|换奖品|點數換|点数换|(?<![A-Za-z])(?:redeem|rewards?)(?![A-Za-z])", re.IGNORECASE)
REFUSALS = {"insufficient_points": "rewards.too_few", "out_of_stock": "rewards.out_of_stock",
            "limit_reached": "rewards.limit_reached", "unknown_reward": "rewards.unknown", "coupon_refused": "rewards.unknown"}


def on_rewards(ctx: Context) -> Sequence[Outbound] | None:
    if ctx.event.chat_type != "user" or ctx.customer is None:
        return None
    data = ctx.postback
    if data == LIST or (not data and ctx.event.kind == "text" and KEYWORDS.search(ctx.text)):
        return [_list(ctx)]
    if data.startswith(ASK):
        return [_ask(ctx, data[len(ASK):])]
    if data.startswith(CONFIRM):
        code, _, nonce = data[len(CONFIRM):].partition(":")
        return _confirm(ctx, code, nonce)
    if data == CANCEL:
        return [Outbound(ctx.t("rewards.cancelled"), quick_replies=menu_buttons(ctx))]
    return None


def _name(ctx: Context, reward: Reward) -> str:
    return str(reward.name.get(ctx.language) or reward.name.get(ctx.settings.app.default_language) or reward.code)


def _list(ctx: Context) -> Outbound:
    assert ctx.customer is not None
    found, points = rewards.affordable(ctx.session, ctx.customer.id)
    if not found:
        return Outbound(ctx.t("rewards.none_affordable", points=f"{points:,}"), quick_replies=menu_buttons(ctx))
    shown = found[:CAROUSEL_LIMIT]
    cards = []
    for reward in shown:
        label = ctx.t("rewards.choose")
        cards.append(Card(title=_name(ctx, reward), text=ctx.t("rewards.costs", points=f"{reward.points:,}"),
                          fields=_stock_field(ctx, reward), buttons=(Button(label, f"{ASK}{reward.code}", text=label),)))
    lines = [ctx.t("rewards.header", points=f"{points:,}")]
    lines += [f"- {_name(ctx, r)}: {ctx.t('rewards.costs', points=f'{r.points:,}')}" for r in shown]
    buttons = tuple(Button(_name(ctx, r)[:20], f"{ASK}{r.code}", text=_name(ctx, r)) for r in shown)
    return Outbound("\n".join(lines), quick_replies=buttons, carousel=tuple(cards))


def _stock_field(ctx: Context, reward: Reward) -> tuple[CardField, ...]:
    return (CardField(ctx.t("rewards.left"), f"{reward.stock:,}"),) if reward.stock is not None else ()


def _ask(ctx: Context, code: str) -> Outbound:
    reward = rewards.find(ctx.session, code)
    if reward is None or not reward.active:
        return Outbound(ctx.t("rewards.unknown"), quick_replies=menu_buttons(ctx))
    nonce = secrets.token_hex(6)
    question = ctx.t("rewards.confirm", name=_name(ctx, reward), points=f"{reward.points:,}")
    yes, no = ctx.t("rewards.yes"), ctx.t("rewards.no")
    buttons = (Button(yes, f"{CONFIRM}{reward.code}:{nonce}", text=yes), Button(no, CANCEL, text=no))
    card = Card(title=_name(ctx, reward), text=question, buttons=buttons)
    return Outbound(question, buttons=buttons, card=card)


def _confirm(ctx: Context, code: str, nonce: str) -> list[Outbound]:
    assert ctx.customer is not None
    if not nonce or len(nonce) > 32:
        return [Outbound(ctx.t("rewards.unknown"), quick_replies=menu_buttons(ctx))]
    try:
        done = rewards.redeem(ctx.session, ctx.customer.id, code, idempotency_key=f"chat:{ctx.customer.id}:{nonce}", now=ctx.now)
    except rewards.RewardError as exc:
        balance = loyalty.balance(ctx.session, ctx.customer.id)
        return [Outbound(ctx.t(REFUSALS[exc.reason], points=f"{balance:,}"), quick_replies=menu_buttons(ctx))]
    key = "rewards.already" if done.again else "rewards.done"
    reward = ctx.session.get(Reward, done.redemption.reward_id)
    words = ctx.t(key, name=_name(ctx, reward) if reward else code, points=f"{done.redemption.points:,}")
    if done.coupon is None:
        return [Outbound(words, quick_replies=menu_buttons(ctx))]
    card = coupon_card(ctx, done.coupon)
    return [Outbound(f"{words}\n{done.coupon.code}", quick_replies=menu_buttons(ctx), card=card)]
