"""Reachability and marketing consent as platform events change them, plus silent housekeeping.

Why first in the order: an unfollow or an unsend must take effect whatever else the event looks
like, and none of them is answered.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update

from bot.engine import Context
from bot.events import Outbound
from models import Consent, Message

MARKETING = "marketing"


def set_consent(ctx: Context, purpose: str, granted: bool, source: str) -> Consent | None:
    """Record a consent decision for the customer on the event's channel (one row per purpose)."""
    if ctx.customer is None:
        return None
    consent = ctx.session.scalar(select(Consent).where(
        Consent.customer_id == ctx.customer.id, Consent.channel == ctx.event.channel, Consent.purpose == purpose))
    if consent is None:
        consent = Consent(customer_id=ctx.customer.id, channel=ctx.event.channel, purpose=purpose,
                          granted=granted, source=source)
        ctx.session.add(consent)
    else:
        consent.granted, consent.source = granted, source
    return consent


def on_unfollow(ctx: Context) -> Sequence[Outbound] | None:
    """Blocked or unfollowed: unreachable here and opted out of marketing. Nothing can be sent."""
    if ctx.event.kind != "unfollow" or ctx.identity is None:
        return None
    ctx.identity.reachable = False
    ctx.identity.unreachable_reason = f"{ctx.event.channel}:unfollow"
    set_consent(ctx, MARKETING, False, f"{ctx.event.channel}:unfollow")
    return []


def on_follow_consent(ctx: Context) -> None:
    """A follow makes the customer reachable again; it restores marketing consent only if an
    unfollow (not an explicit opt-out) took it away. Falls through to the welcome."""
    if ctx.event.kind != "follow" or ctx.identity is None:
        return None
    ctx.identity.reachable = True
    ctx.identity.unreachable_reason = None
    current = ctx.session.scalar(select(Consent).where(
        Consent.customer_id == ctx.identity.customer_id, Consent.channel == ctx.event.channel,
        Consent.purpose == MARKETING))
    if current is None or current.source.endswith(":unfollow"):
        set_consent(ctx, MARKETING, True, f"{ctx.event.channel}:follow")
    return None


def on_unsend(ctx: Context) -> Sequence[Outbound] | None:
    """The customer took a message back: blank its text in our history too."""
    if ctx.event.kind != "unsend":
        return None
    message_id = ctx.event.payload.get("message_id")
    if message_id:
        ctx.session.execute(
            update(Message).where(Message.platform_message_id == str(message_id), Message.direction == "in")
            .values(text=None, unsent_at=ctx.now)
        )
    return []


def on_silent_events(ctx: Context) -> Sequence[Outbound] | None:
    """Events that need no answer: leaving a group, members coming and going."""
    if ctx.event.kind == "leave":
        ctx.conversation.active = False
        return []
    if ctx.event.kind in ("member_joined", "member_left"):
        return []
    return None
