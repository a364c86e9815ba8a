"""Small helpers every care handler shares: texts in three languages, command matching, dialogue
state, the customer's reachable address, and messages that go out from jobs.

Why here and not in each handler: the same rules (how a typed command is recognised, how a
dialogue keeps its language, where a job may reach a customer) must hold everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import pipeline
from bot.config import Settings
from bot.engine import Context
from bot.events import Outbound
from bot.i18n import Catalog, text_of
from models import ChannelIdentity, Conversation, Customer, Message

Texts = Catalog
PUNCTUATION = " \t\r\n.,!?;:。，！？；：、~～"
WEEKDAYS = {
    "zh-TW": "一二三四五六日",
    "zh-CN": "一二三四五六日",
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def render(texts: Texts, key: str, language: str, settings: Settings, **fields: object) -> str:
    """A text in a language; customer-supplied `fields` are inserted as they are, never re-parsed."""
    return text_of(texts, key, language, settings.app.default_language, shop=settings.shop.name, **fields)


def say(ctx: Context, texts: Texts, key: str, **fields: object) -> str:
    return render(texts, key, ctx.language, ctx.settings, **fields)


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, collapsed spaces, no surrounding punctuation."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"\s+", " ", folded).strip(PUNCTUATION)


def is_command(text: str, words: Iterable[str]) -> bool:
    """The whole message is one of the words: commands such as "stop" must not fire inside a
    sentence ("don't stop sending")."""
    said = normalise(text)
    return bool(said) and any(said == normalise(word) for word in words)


def mentions(text: str, words: Iterable[str]) -> list[str]:
    """Which of the words occur: Chinese ones anywhere, English ones as whole words."""
    said = normalise(text)
    found = []
    for word in words:
        wanted = normalise(word)
        if not wanted:
            continue
        if wanted.isascii():
            if re.search(rf"(?<![a-z0-9]){re.escape(wanted)}(?![a-z0-9])", said):
                found.append(word)
        elif wanted in said:
            found.append(word)
    return found


def zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.app.timezone)


def local_label(moment: datetime, language: str, settings: Settings, *, with_time: bool = True) -> str:
    """"3/3（二）14:00" or "Tue 3/3 14:00" in the shop's time zone."""
    local = moment.astimezone(zone(settings))
    weekday = WEEKDAYS.get(language, WEEKDAYS["zh-TW"])[local.weekday()]
    day = f"{weekday} {local.month}/{local.day}" if language == "en" else f"{local.month}/{local.day}（{weekday}）"
    return f"{day} {local:%H:%M}" if with_time else day


# --- dialogue state ------------------------------------------------------------------------------

def flow_of(ctx: Context) -> str | None:
    return ctx.state.flow if ctx.state is not None else None


def start_flow(ctx: Context, flow: str, step: str, **data: Any) -> None:
    """Enter a dialogue; the customer's language is remembered so typed values (an email, a name
    in Latin letters) do not switch the rest of the dialogue to English."""
    assert ctx.state is not None and ctx.customer is not None
    ctx.state.flow, ctx.state.step = flow, step
    ctx.state.data = {**ctx.state.data, flow: {**data, "language": ctx.customer.language, "misses": 0}}


def flow_data(ctx: Context) -> dict[str, Any]:
    assert ctx.state is not None and ctx.state.flow
    return dict(ctx.state.data.get(ctx.state.flow) or {})


def update_flow(ctx: Context, step: str | None = None, **data: Any) -> None:
    assert ctx.state is not None and ctx.state.flow
    if step is not None and step != ctx.state.step:
        ctx.state.step = step
        data.setdefault("misses", 0)  # a new question starts with a clean slate
    ctx.state.data = {**ctx.state.data, ctx.state.flow: {**flow_data(ctx), **data}}


def end_flow(ctx: Context) -> None:
    if ctx.state is None or not ctx.state.flow:
        return
    data = dict(ctx.state.data)
    data.pop(ctx.state.flow, None)
    ctx.state.flow, ctx.state.step, ctx.state.data = None, None, data


def keep_flow_language(ctx: Context) -> None:
    """Undo the engine's language guess for a value typed into a dialogue."""
    language = flow_data(ctx).get("language")
    if language and ctx.customer is not None and ctx.customer.language != language and ctx.event.kind == "text":
        ctx.customer.language = language


def miss(ctx: Context) -> int:
    """Count a bad answer at the current step; returns how many in a row."""
    misses = int(flow_data(ctx).get("misses", 0)) + 1
    update_flow(ctx, misses=misses)
    return misses


# --- reaching a customer outside a conversation --------------------------------------------------

def reachable_address(session: Session, customer_id: int) -> tuple[str, str] | None:
    """The customer's most recently used 1:1 chat on a channel where they have not blocked us."""
    rows = session.execute(
        select(Conversation.channel, Conversation.address)
        .where(Conversation.customer_id == customer_id, Conversation.kind == "user")
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    ).all()
    for channel, address in rows:
        if is_reachable(session, channel, address):
            return channel, address
    return None


def is_reachable(session: Session, channel: str, address: str) -> bool:
    blocked = session.scalar(select(ChannelIdentity.id).where(
        ChannelIdentity.channel == channel, ChannelIdentity.platform_user_id == address,
        ChannelIdentity.reachable.is_(False)))
    return blocked is None


def send_to_customer(session: Session, customer_id: int | None, channel: str, address: str,
                     messages: Sequence[Outbound], *, purpose: str) -> None:
    """Queue a message we start (a reminder, a survey) and put it in the conversation's history."""
    conversation = session.scalar(select(Conversation).where(Conversation.channel == channel, Conversation.address == address))
    rows = pipeline.enqueue(session, channel, address, messages, purpose=purpose, customer_id=customer_id,
                            conversation_id=conversation.id if conversation else None)
    if conversation is None:
        return
    for row in rows:
        for message in row.messages:
            session.add(Message(conversation_id=conversation.id, direction="out", kind="text", text=message["text"],
                                payload={"outbound": message, "purpose": purpose}, outbox_id=row.id))


def customer_language(session: Session, customer_id: int | None, settings: Settings) -> str:
    if customer_id is None:
        return settings.app.default_language
    return session.scalar(select(Customer.language).where(Customer.id == customer_id)) or settings.app.default_language


def safe_excerpt(text: str | None, limit: int = 200) -> str:
    """Customer text for a staff alert: control characters removed, one line, bounded."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in (text or ""))
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"
