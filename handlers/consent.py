"""Consent and privacy: reachability and marketing consent as platform events change them, the
typed opt-out / opt-in commands, "my data", and deletion requests; plus silent housekeeping.

Why first in the order: an unfollow, an unsend or a "stop" must take effect whatever else the
message looks like, even while staff hold the conversation. Every opt-out path lands in the one
Consent row per customer, channel and purpose; transactional messages (replies, reminders) are
a separate purpose and stay allowed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import InstrumentedAttribute

from bot.crm.alerts import alert
from bot.engine import Context
from bot.events import Button, Outbound
from bot.i18n.texts import CONSENT as TEXTS
from handlers import profile_words as words
from handlers.common import end_flow, is_command, render, say
from handlers.lead_fields import choice_label
from models import Appointment, ChannelIdentity, Consent, Conversation, DataRequest, Message, Order, Survey, Ticket

MARKETING = "marketing"
TRANSACTIONAL = "transactional"
STOP_WORDS = ("取消訂閱", "取消订阅", "退訂", "退订", "stop", "unsubscribe", "/stop")
SUBSCRIBE_WORDS = ("訂閱", "订阅", "subscribe", "/subscribe")
MY_DATA_WORDS = ("我的資料", "我的资料", "my data", "/mydata")
DELETE_WORDS = ("刪除我的資料", "删除我的资料", "刪除資料", "删除资料", "delete my data", "/delete")


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


# --- typed commands (answered even while staff hold the conversation) ----------------------------

def on_consent_commands(ctx: Context) -> Sequence[Outbound] | None:
    if ctx.customer is None or ctx.event.chat_type != "user" or ctx.event.kind not in ("text", "postback"):
        return None
    text, data = ctx.text if ctx.event.kind == "text" else "", ctx.postback
    if is_command(text, STOP_WORDS):
        set_consent(ctx, MARKETING, False, f"{ctx.event.channel}:command")
        end_flow(ctx)
        return [Outbound(say(ctx, TEXTS, "unsubscribed"))]
    if is_command(text, SUBSCRIBE_WORDS):
        set_consent(ctx, MARKETING, True, f"{ctx.event.channel}:command")
        return [Outbound(say(ctx, TEXTS, "subscribed"))]
    if is_command(text, MY_DATA_WORDS):
        return [my_data(ctx)]
    if is_command(text, DELETE_WORDS) or data == "privacy:delete":
        return [request_deletion(ctx)]
    if data.startswith("privacy:withdraw:"):
        return [withdraw_deletion(ctx, data.rsplit(":", 1)[1])]
    return None


def my_data(ctx: Context) -> Outbound:
    """Everything we hold about the customer, in their language (shown only in a 1:1 chat)."""
    customer, session = ctx.customer, ctx.session
    assert customer is not None
    none = say(ctx, TEXTS, "none")
    identities = session.scalars(select(ChannelIdentity).where(ChannelIdentity.customer_id == customer.id)).all()
    consents = {c.channel: c.granted for c in session.scalars(select(Consent).where(
        Consent.customer_id == customer.id, Consent.purpose == MARKETING))}
    joiner = say(ctx, TEXTS, "list_joiner")
    marketing = joiner.join(
        say(ctx, TEXTS, "marketing_on", channel=words.channel_name(i.channel), state=say(
            ctx, TEXTS, "consent_unset" if i.channel not in consents else "consent_on" if consents[i.channel] else "consent_off"))
        for i in identities)

    def count(model: type, column: InstrumentedAttribute[int] | InstrumentedAttribute[int | None]) -> int:
        return session.scalar(select(func.count()).select_from(model).where(column == customer.id)) or 0

    messages = session.scalar(select(func.count()).select_from(Message).join(Conversation)
                              .where(Conversation.customer_id == customer.id)) or 0
    rows = [
        ("field_name", customer.display_name), ("field_email", customer.email), ("field_phone", customer.phone),
        ("field_birthday_month", words.month_label(ctx, customer.birthday_month)),
        ("field_region", choice_label(ctx, "region", customer.region) if customer.region else None),
        ("field_interests", joiner.join(choice_label(ctx, "interests", i) for i in customer.interests or [])),
        ("field_stage", words.stage_label(ctx, customer.stage)), ("field_tier", words.tier_label(ctx, customer.tier)),
        ("field_source", words.source_label(ctx, customer.lead_source)),
        ("field_channels", joiner.join(dict.fromkeys(words.channel_name(i.channel) for i in identities))),
        ("field_marketing", marketing),
        ("field_activity", say(ctx, TEXTS, "activity", messages=messages, orders=count(Order, Order.customer_id),
                               appointments=count(Appointment, Appointment.customer_id),
                               tickets=count(Ticket, Ticket.customer_id),
                               surveys=_answered(ctx))),
    ]
    lines = [say(ctx, TEXTS, "my_data_title")]
    lines += [f"{say(ctx, TEXTS, key)}: {value if value not in (None, '') else none}" for key, value in rows]
    return Outbound("\n".join(lines), quick_replies=(Button(say(ctx, TEXTS, "delete_button"), "privacy:delete"),))


def _answered(ctx: Context) -> int:
    assert ctx.customer is not None
    return ctx.session.scalar(select(func.count()).select_from(Survey).where(
        Survey.customer_id == ctx.customer.id, Survey.score.is_not(None))) or 0


def request_deletion(ctx: Context) -> Outbound:
    """Record the request for staff to confirm (nothing is deleted by a chat message alone)."""
    customer = ctx.customer
    assert customer is not None
    pending = ctx.session.scalar(select(DataRequest).where(
        DataRequest.customer_id == customer.id, DataRequest.kind == "deletion", DataRequest.status == "pending"))
    if pending is not None:
        return Outbound(say(ctx, TEXTS, "deletion_already", id=pending.id))
    request = DataRequest(customer_id=customer.id, kind="deletion", channel=ctx.event.channel, requested_at=ctx.now)
    ctx.session.add(request)
    ctx.session.flush()
    # staff read the shop's default language
    text = render(TEXTS, "staff_deletion", ctx.settings.app.default_language, ctx.settings, id=request.id,
                  customer=customer.id, channel=ctx.event.channel)
    alert(ctx.session, ctx.settings, text, text)
    return Outbound(say(ctx, TEXTS, "deletion_recorded", id=request.id),
                    quick_replies=(Button(say(ctx, TEXTS, "withdraw_button"), f"privacy:withdraw:{request.id}"),))


def withdraw_deletion(ctx: Context, request_id: str) -> Outbound:
    assert ctx.customer is not None
    request = ctx.session.get(DataRequest, int(request_id)) if request_id.isdigit() else None
    if request is None or request.customer_id != ctx.customer.id or request.status != "pending":
        return Outbound(say(ctx, TEXTS, "deletion_gone"))
    request.status, request.handled_at, request.handled_by = "withdrawn", ctx.now, "customer"
    return Outbound(say(ctx, TEXTS, "deletion_withdrawn"))
