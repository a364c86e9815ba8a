"""The welcome and its incentive: what a follow / `/start` shows, and the one-time offer to a
customer who wrote to us without ever following (an old LINE friend, a Telegram user who typed
before pressing Start).

Why one module: the greeting on follow (handlers/leads.py) and the answers that may carry the
offer (handlers/faq.py) must show the same incentive, chosen the same way: the campaign the
customer came through if it has one, else the shop's.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.engine import Context
from bot.events import Button
from bot.i18n import pick
from bot.i18n.texts import LEADS as TEXTS
from handlers.common import say
from models import Conversation, LeadCampaign, Message

WELCOMED = "welcomed"  # dialogue-state flag: the welcome (with its incentive) was shown once
CAMPAIGN_PREFIX = "campaign:"


def campaign_code(ctx: Context) -> str | None:
    source = ctx.customer.lead_source if ctx.customer is not None else None
    return source[len(CAMPAIGN_PREFIX):] if source and source.startswith(CAMPAIGN_PREFIX) else None


def incentive_text(ctx: Context, campaign: str | None = None) -> str | None:
    """The incentive to show: the active campaign's (by `campaign`, else the customer's lead
    source) when it has one, else the shop's `[shop] incentive`."""
    code = campaign or campaign_code(ctx)
    if code:
        row = ctx.session.scalar(select(LeadCampaign).where(LeadCampaign.code == code, LeadCampaign.active.is_(True)))
        if row is not None and row.incentive.strip():
            return row.incentive.strip()
    shop = ctx.settings.shop
    return pick(shop.incentive, ctx.language, ctx.settings.app.default_language) if shop.incentive else None


def welcome_lines(ctx: Context, *, back: bool = False, campaign: str | None = None) -> list[str]:
    """The welcome, the shop's introduction and the incentive; marks the customer as welcomed."""
    shop = ctx.settings.shop
    lines = [ctx.t("welcome_back") if back else ctx.t("welcome")]
    if shop.welcome:
        lines.append(pick(shop.welcome, ctx.language, ctx.settings.app.default_language))
    incentive = incentive_text(ctx, campaign)
    if incentive:
        lines.append(incentive)
    mark_welcomed(ctx)
    return lines


def join_button(ctx: Context) -> Button:
    return Button(say(ctx, TEXTS, "join_button"), "lead:start")


def mark_welcomed(ctx: Context) -> None:
    if ctx.state is not None and not ctx.state.data.get(WELCOMED):
        ctx.state.data = {**ctx.state.data, WELCOMED: True}


def offer_once(ctx: Context) -> list[str]:
    """The incentive line for a customer whose first message (in a 1:1 chat) this is, who never
    followed, was never welcomed and is not a lead already; empty otherwise. Offered once: the flag is set either way. The
    caller adds `join_button` to its reply when this returns a line."""
    customer, state = ctx.customer, ctx.state
    if customer is None or state is None or ctx.event.chat_type != "user" or state.data.get(WELCOMED):
        return []
    mark_welcomed(ctx)
    if customer.stage != "stranger" or "incentive" in state.data:
        return []
    kinds = ctx.session.scalars(
        select(Message.kind).join(Conversation, Message.conversation_id == Conversation.id)
        .where(Conversation.customer_id == customer.id, Message.direction == "in").limit(3)).all()
    if "follow" in kinds or len(kinds) > 1:  # followed, or not their first message: not a newcomer
        return []
    incentive = incentive_text(ctx)
    return [incentive] if incentive else []
