"""A button from a journey's message: "journey:<entry>:<answer>". The answer is recorded in the
domain (conditions branch on it, waits for it end) and the customer gets a short thanks: never
silence, and never an error for an old button."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.crm.journeys.triggers import record_answer
from bot.engine import Context
from bot.events import Outbound
from bot.i18n.texts import Section
from handlers.common import say

TEXTS = Section("journeys")
BUTTON = re.compile(r"journey:(\d+):([A-Za-z0-9_-]{1,60})")


def on_answer(ctx: Context) -> Sequence[Outbound] | None:
    match = BUTTON.fullmatch(ctx.postback or "")
    if match is None or ctx.customer is None:
        return None
    known = record_answer(ctx.session, ctx.customer.id, int(match.group(1)), match.group(2), ctx.now)
    return [Outbound(say(ctx, TEXTS, "answer_thanks" if known else "answer_unknown"))]
