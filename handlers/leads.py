"""First contact: the welcome with the shop's incentive. (The capture dialogue builds on this.)"""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine import Context
from bot.events import Outbound
from bot.i18n import pick
from handlers.faq import menu_buttons


def on_follow(ctx: Context) -> Sequence[Outbound] | None:
    """LINE follow (or re-follow after a block): greet and offer the incentive."""
    if ctx.event.kind != "follow":
        return None
    unblocked = bool(ctx.event.payload.get("unblocked"))
    greeting = ctx.t("welcome_back" if unblocked else "welcome")
    shop = ctx.settings.shop
    lines = [greeting]
    if shop.welcome:
        lines.append(pick(shop.welcome, ctx.language, ctx.settings.app.default_language))
    if shop.incentive:
        lines.append(pick(shop.incentive, ctx.language, ctx.settings.app.default_language))
    return [Outbound("\n".join(lines), quick_replies=menu_buttons(ctx))]


def on_join(ctx: Context) -> Sequence[Outbound] | None:
    """The bot was added to a group or room: introduce itself once."""
    if ctx.event.kind != "join":
        return None
    ctx.conversation.active = True
    return [Outbound(ctx.t("group_hello"))]
