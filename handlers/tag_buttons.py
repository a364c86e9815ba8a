"""A button press that tags the customer: postback `tag:<name>` (an interest chosen in a rich menu,
a campaign's answer buttons) adds the tag with source "button" and thanks them.

Why only tags that exist: buttons are made by staff and marketers from tags they created, while a
Telegram callback's data can be forged by a modified client; a press can therefore only add a tag
the shop already has, never invent one.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot.crm.tags import TagError, add_tag, clean_name
from bot.engine import Context
from bot.events import Outbound
from handlers.faq import menu_buttons
from models import Tag

PREFIX = "tag:"


def on_tag_button(ctx: Context) -> Sequence[Outbound] | None:
    if ctx.customer is None or not ctx.postback.startswith(PREFIX):
        return None
    try:
        name = clean_name(ctx.postback[len(PREFIX):])
    except TagError:
        return [Outbound(ctx.t("tags.unknown"), quick_replies=menu_buttons(ctx))]
    if ctx.session.scalar(select(Tag.id).where(Tag.name == name)) is None:
        return [Outbound(ctx.t("tags.unknown"), quick_replies=menu_buttons(ctx))]
    add_tag(ctx.session, ctx.customer, name, source="button", now=ctx.now)
    return [Outbound(ctx.t("tags.noted", tag=name), quick_replies=menu_buttons(ctx))]
