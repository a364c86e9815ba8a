"""Channel-level events that change who a customer is or how to reach them, whatever the channel.

Telegram's `/stop`, an email one-click unsubscribe and a spam complaint are all `opt_out`; a
bounce is `bounce`; a group that moved to a new id is `migrated`. Each lands in the same records
(consent, reachability, the conversation's address), so a broadcast sees the change however it
arrived. None of them needs to know which platform produced it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select

from bot.engine import Context
from bot.events import Outbound
from handlers.consent import MARKETING, set_consent
from handlers.faq import menu_buttons
from models import ChannelIdentity, Conversation

# Soft bounces in a row (mailbox full, greylisted for days) before an address counts as unreachable.
SOFT_FAILURE_LIMIT = 3
PHONE_RE = re.compile(r"^\+?[0-9]{6,15}$")


def on_opt_out(ctx: Context) -> Sequence[Outbound] | None:
    """An explicit opt-out: marketing consent off on this channel. Answered unless it came from a
    mail system (an unsubscribe click or a spam complaint), where a reply would be unwelcome."""
    if ctx.event.kind != "opt_out":
        return None
    source = str(ctx.event.payload.get("source") or "opt_out")
    set_consent(ctx, MARKETING, False, f"{ctx.event.channel}:{source}")
    if ctx.event.payload.get("silent"):
        return []
    return [Outbound(ctx.t("opted_out"))]


def on_bounce(ctx: Context) -> Sequence[Outbound] | None:
    """A delivery status report about one of our addresses: hard means undeliverable now, soft
    counts towards it. Never answered (the report comes from a mail system, not the customer)."""
    if ctx.event.kind != "bounce":
        return None
    identity = ctx.session.scalar(select(ChannelIdentity).where(
        ChannelIdentity.channel == ctx.event.channel, ChannelIdentity.platform_user_id == ctx.event.chat_id))
    if identity is None:
        return []
    if ctx.event.payload.get("severity") == "hard":
        identity.reachable, identity.unreachable_reason = False, f"{ctx.event.channel}:bounce:hard"
    else:
        identity.soft_failures = (identity.soft_failures or 0) + 1
        if identity.soft_failures >= SOFT_FAILURE_LIMIT:
            identity.reachable, identity.unreachable_reason = False, f"{ctx.event.channel}:bounce:soft"
    return []


def on_migrated(ctx: Context) -> Sequence[Outbound] | None:
    """A group moved to a new chat id: the conversation follows it, so replies and history stay one."""
    if ctx.event.kind != "migrated":
        return None
    new_address = str(ctx.event.payload.get("to_chat_id") or "")
    if not new_address or new_address == ctx.conversation.address:
        return []
    taken = ctx.session.scalar(select(Conversation).where(
        Conversation.channel == ctx.event.channel, Conversation.address == new_address))
    if taken is None:
        ctx.conversation.address = new_address
    else:  # the new group already spoke to us first: keep that one, retire the old
        ctx.conversation.active = False
    return []


def on_help(ctx: Context) -> Sequence[Outbound] | None:
    if ctx.event.kind != "help":
        return None
    return [Outbound(ctx.t("help"), quick_replies=menu_buttons(ctx))]


def verified_phone(ctx: Context) -> str | None:
    """The phone number of a shared contact, only when the contact is the sender's own: anyone can
    share someone else's card, and a phone number links accounts."""
    payload = ctx.event.payload
    if ctx.event.kind != "contact" or not ctx.event.user_id or payload.get("contact_user_id") != ctx.event.user_id:
        return None
    phone = re.sub(r"[\s()-]", "", str(payload.get("phone") or ""))
    return phone if PHONE_RE.match(phone) else None


