"""The answer to a satisfaction survey: the 1-5 buttons, or a typed score while a question is open.

Why only the answer here: scheduling and sending surveys is the domain's (`bot.crm.surveys`); a low
score on a ticket survey reopens the ticket through `bot.crm.tickets`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select

from bot.crm import hooks, tickets
from bot.crm.surveys import SCORES
from bot.engine import Context
from bot.events import Outbound
from bot.i18n.texts import CARE as TEXTS
from handlers.common import flow_of, say
from models import Survey, Ticket


def on_survey_answer(ctx: Context) -> Sequence[Outbound] | None:
    """`csat:<survey>:<score>` from the buttons, or a typed 1-5 while a question is open."""
    if ctx.customer is None or ctx.event.chat_type != "user":
        return None
    match = re.fullmatch(r"csat:(\d+):(\d+)", ctx.postback)
    if match:
        survey = ctx.session.get(Survey, int(match.group(1)))
        score = int(match.group(2))
        if survey is None or survey.customer_id != ctx.customer.id or score not in SCORES:
            return [Outbound(say(ctx, TEXTS, "survey_unknown"))]
    elif ctx.event.kind == "text" and ctx.text in {str(s) for s in SCORES} and flow_of(ctx) is None:
        survey = ctx.session.scalar(
            select(Survey).where(Survey.customer_id == ctx.customer.id, Survey.status == "sent",
                                 Survey.sent_at >= ctx.now - timedelta(hours=ctx.settings.surveys.answer_window_hours))
            .order_by(Survey.sent_at.desc()).limit(1))
        if survey is None:
            return None
        score = int(ctx.text)
    else:
        return None
    if survey.status == "answered":
        return [Outbound(say(ctx, TEXTS, "survey_done"))]
    survey.status, survey.score, survey.answered_at = "answered", score, ctx.now
    hooks.signal(ctx.session, ctx.customer.id, "csat_answer", {"score": score, "kind": survey.kind}, ctx.now)
    if survey.kind == "ticket" and score <= ctx.settings.surveys.low_score:
        ticket = ctx.session.get(Ticket, survey.subject_id)
        if ticket is not None and ticket.status == "resolved":
            tickets.reopen_for_supervisor(ctx.session, ctx.settings, ticket, ctx.now, score=score)
            return [Outbound(say(ctx, TEXTS, "survey_sorry"))]
    return [Outbound(say(ctx, TEXTS, "survey_thanks"))]
