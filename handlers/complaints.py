"""Complaints and requests for a human: recognise them, apologise once, open a ticket, hand over.

Why before the dialogues and keywords in the routing: an angry message must never get a cheerful
FAQ answer or be taken as a form value. While staff hold the conversation (handled_by 'human')
`on_handoff` keeps the bot quiet; only consent commands (group 5) still answer.

The phrase lists come from `bot.crm.complaint_phrases.phrase_lists`: config.toml's `[complaints]` until
an admin saves them in the console, then the saved row, read for each text message so an edit
takes effect on the next one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.config.care import ComplaintSettings
from bot.crm import tickets
from bot.crm.complaint_phrases import cached_phrase_lists
from bot.crm.text import local_label
from bot.engine import Context
from bot.events import Outbound
from bot.i18n.texts import CARE as TEXTS
from handlers.common import end_flow, mentions, say

ANGRY_EMOJI = set("😡🤬😠💢👎")
SHOUTED_WORD = re.compile(r"\b[A-Z]{4,}\b")
EXCLAMATIONS = re.compile(r"[!！]{3,}|[?？][!！]|[!！][?？]")


@dataclass(frozen=True)
class Signal:
    """What a message says about the customer's mood: a complaint, a request for a human, or neither."""

    category: str | None
    severe: bool
    matched: tuple[str, ...]


def tone_signals(text: str) -> list[str]:
    """Signs of anger that are not words: !!!, ?!, SHOUTING, angry emoji."""
    found = []
    if EXCLAMATIONS.search(text):
        found.append("!!!")
    if SHOUTED_WORD.search(text):
        found.append("CAPS")
    if ANGRY_EMOJI & set(text):
        found.append("emoji")
    return found


def classify(text: str, phrases: ComplaintSettings) -> Signal:
    words, severe = mentions(text, phrases.words), mentions(text, phrases.severe_words)
    tone = tone_signals(text)
    if words or severe or len(tone) >= phrases.tone_threshold:
        return Signal("complaint", bool(severe), tuple(words + severe + tone))
    human = mentions(text, phrases.human_words)
    if human:
        return Signal("human_request", False, tuple(human))
    return Signal(None, False, ())


def on_complaint(ctx: Context) -> Sequence[Outbound] | None:
    """Open a ticket on a complaint or a request for a human (typed, or the menu's button)."""
    if ctx.event.chat_type != "user" or ctx.customer is None:
        return None
    if ctx.postback == "human:start":
        signal = Signal("human_request", False, ("button",))
    elif ctx.event.kind == "text" and ctx.text:
        signal = classify(ctx.text, cached_phrase_lists(ctx.session, ctx.settings))
    else:
        return None
    if signal.category is None:
        return None
    current = tickets.open_ticket_for(ctx.session, ctx.conversation.id)
    if current is not None:  # already with staff: no second apology, maybe more urgent now
        if signal.category == "complaint":
            tickets.raise_priority(ctx.settings, current, tickets.priority_for("complaint", signal.severe, ctx.customer.tier))
        return []
    ticket = tickets.open_ticket(ctx.session, ctx.settings, ctx.conversation, ctx.customer, category=signal.category,
                                 severe=signal.severe, summary=ctx.text or "", matched=list(signal.matched), now=ctx.now)
    end_flow(ctx)  # a half-filled form or booking is not what the customer cares about now
    key = "apology" if signal.category == "complaint" else "handover"
    return [Outbound(say(ctx, TEXTS, key, id=ticket.id, due=local_label(ticket.first_response_due, ctx.language, ctx.settings)))]


def on_handoff(ctx: Context) -> Sequence[Outbound] | None:
    """Staff hold this conversation: the bot stays quiet (the message is already in the history)."""
    if ctx.conversation.handled_by == "human":
        return []
    return None
