"""Satisfaction surveys: CSAT 1-5 after a resolved ticket and a while after an order.

Why the delay is applied when sending, not when scheduling: a ticket survey is scheduled when the
ticket is resolved; the send job owns the settings and the clock. A post-purchase survey is asked
by the built-in journey "After a purchase" (bot.crm.journeys), which waits `[surveys]
after_order_hours` after the order was placed and calls `send_survey`; `[surveys] window_days`
(one post-purchase survey per customer per window: the rest are marked `skipped`) is enforced in
`send_survey`, so it holds whoever asks. A survey after a resolved ticket is always asked. The
answers are read by the dialogue (`handlers/surveys.py`): a low score on a ticket survey reopens
the ticket for a supervisor.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm.customers import customer_language
from bot.crm.outreach import is_reachable, reachable_address, send_to_customer
from bot.crm.text import render
from bot.events import Button, Outbound
from bot.i18n.texts import CARE as TEXTS
from models import Conversation, Customer, Order, Survey, Ticket

SCORES = range(1, 6)
SEND_BATCH = 200


# --- scheduling ----------------------------------------------------------------------------------

def _schedule(session: Session, *, kind: str, subject_id: int, customer_id: int, base_at: datetime,
              address: tuple[str, str] | None) -> Survey | None:
    """Insert the survey once per subject (a replayed order or a re-resolved ticket adds nothing)."""
    existing = session.scalar(select(Survey).where(Survey.kind == kind, Survey.subject_id == subject_id))
    if existing is not None:
        return existing
    survey = Survey(kind=kind, subject_id=subject_id, customer_id=customer_id, base_at=base_at,
                    channel=address[0] if address else None, address=address[1] if address else None,
                    status="scheduled" if address else "no_channel")
    try:
        with session.begin_nested():
            session.add(survey)
    except IntegrityError:
        return session.scalar(select(Survey).where(Survey.kind == kind, Survey.subject_id == subject_id))
    return survey


def schedule_ticket_survey(session: Session, ticket: Ticket, now: datetime) -> Survey | None:
    """Ask on the ticket's own conversation (the chat the customer complained in)."""
    if ticket.customer_id is None:
        return None
    conversation = session.get(Conversation, ticket.conversation_id)
    address = (conversation.channel, conversation.address) if conversation else reachable_address(session, ticket.customer_id)
    return _schedule(session, kind="ticket", subject_id=ticket.id, customer_id=ticket.customer_id, base_at=now, address=address)


def schedule_post_purchase_survey(session: Session, order_id: int, now: datetime | None = None) -> Survey | None:
    """The question about an order, on the customer's most recent reachable chat (once per order).
    The journey "After a purchase" calls this `[surveys] after_order_hours` after the order was placed."""
    order = session.get(Order, order_id)
    if order is None or order.amount <= 0:  # a refund is a negative order: nothing to rate
        return None
    return _schedule(session, kind="order", subject_id=order.id, customer_id=order.customer_id,
                     base_at=order.placed_at, address=reachable_address(session, order.customer_id))


# --- sending (the scheduler's job) --------------------------------------------------------------

def send_due_surveys(session: Session, settings: Settings, now: datetime) -> int:
    """Ask the surveys after resolved tickets that are due. The post-purchase question is asked by
    the built-in journey "After a purchase" (its `survey` step calls `send_survey`)."""
    delay = timedelta(minutes=settings.surveys.after_ticket_minutes)
    due = session.scalars(select(Survey).where(Survey.status == "scheduled", Survey.kind == "ticket",
                                               Survey.base_at <= now - delay)
                          .order_by(Survey.base_at, Survey.id).limit(SEND_BATCH)).all()
    return sum(send_survey(session, settings, survey, now) == "sent" for survey in due)


def send_survey(session: Session, settings: Settings, survey: Survey, now: datetime) -> str:
    """Ask one scheduled survey now, in the caller's transaction: "sent", "skipped" (a post-purchase
    survey inside `[surveys] window_days` of the last one), "unreachable", or the status it already
    had (another run took it)."""
    if survey.kind == "order" and asked_recently(session, settings, survey.customer_id, now):
        session.execute(update(Survey).where(Survey.id == survey.id, Survey.status == "scheduled").values(status="skipped"))
        return "skipped"
    reachable = is_reachable(session, survey.channel or "", survey.address or "")
    claimed = cast("CursorResult[Any]", session.execute(
        update(Survey).where(Survey.id == survey.id, Survey.status == "scheduled")
        .values(status="sent" if reachable else "unreachable", sent_at=now if reachable else None)))
    if claimed.rowcount != 1:
        return survey.status
    if not reachable:
        return "unreachable"
    language = customer_language(session, survey.customer_id, settings)
    text = render(TEXTS, f"survey_{survey.kind}", language, settings, id=survey.subject_id)
    buttons = tuple(Button(str(score), f"csat:{survey.id}:{score}", str(score)) for score in SCORES)
    send_to_customer(session, survey.customer_id, [Outbound(text, quick_replies=buttons)], purpose="survey",
                     marketing=False, to=(survey.channel or "", survey.address or ""))
    return "sent"


def asked_recently(session: Session, settings: Settings, customer_id: int, now: datetime) -> bool:
    """Whether the customer was sent any survey within `[surveys] window_days` (0: never limited).

    Why in the database, under the customer's row lock: ten orders reported at once schedule ten
    surveys, and two overlapping send runs must not each decide "none sent yet". The lock makes the
    second wait for the first's commit, and the check reads what was really sent (`sent_at`)."""
    days = settings.surveys.window_days
    if days <= 0:
        return False
    session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update())
    recent = session.scalar(select(Survey.id).where(Survey.customer_id == customer_id, Survey.sent_at.is_not(None),
                                                    Survey.sent_at > now - timedelta(days=days)).limit(1))
    return recent is not None
