"""What staff do to a ticket from the console: claim it, assign it, answer it, resolve it.

Why the clock rules are not here: the bot opens tickets, the scheduler escalates them and the
console works them, so the rules live in bot/crm/tickets.py (record_staff_reply, resolve) and this
module only adds what the console needs around them: who may be assigned, a claim that two people
cannot both win, and the resolution reason kept as an internal note.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm import tickets
from models import OPEN_STATUSES, ConsoleUser, Conversation, InternalNote, Ticket

ASSIGNABLE_ROLES = ("staff", "admin")
MAX_REASON_LENGTH = 500


class TicketError(ValueError):
    """A ticket action that cannot be done now, and why (shown to staff, translated: `text` is the
    catalog key, `fields` fill it). `status` is the HTTP answer: 409 for a conflict, 400 for bad input."""

    def __init__(self, text: str, status: int = 400, **fields: object) -> None:
        super().__init__(text.format(**fields))
        self.text, self.status, self.fields = text, status, fields


MESSAGES = ("This ticket is already resolved.", "Already assigned to {who}.", "{who} is not an active staff member or admin.",
            "Say how it was resolved.", "A reason can have at most {limit} characters.")


def assignable(session: Session, settings: Settings) -> list[str]:
    """Who a ticket may be assigned to: active staff and admins, and the configured supervisor."""
    emails = list(session.scalars(select(ConsoleUser.email).where(ConsoleUser.active, ConsoleUser.role.in_(ASSIGNABLE_ROLES))
                                  .order_by(ConsoleUser.email)))
    supervisor = settings.staff.supervisor
    return emails + ([supervisor] if supervisor and supervisor not in emails else [])


def _open_ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise LookupError(f"ticket {ticket_id} does not exist")
    if ticket.status not in OPEN_STATUSES:
        raise TicketError(MESSAGES[0], 409)
    return ticket


def claim(session: Session, ticket_id: int, email: str) -> Ticket:
    """Take an unassigned ticket. One conditional UPDATE: of two people claiming at once, one wins
    and the other is told who has it."""
    taken = cast("CursorResult[Any]", session.execute(update(Ticket).where(Ticket.id == ticket_id, Ticket.status.in_(OPEN_STATUSES),
                                                                           or_(Ticket.assignee.is_(None), Ticket.assignee == email))
                                                      .values(assignee=email).execution_options(synchronize_session=False))).rowcount
    ticket = _open_ticket(session, ticket_id)
    session.refresh(ticket)
    if taken != 1:
        raise TicketError(MESSAGES[1], 409, who=ticket.assignee)
    return ticket


def assign(session: Session, settings: Settings, ticket_id: int, assignee: str) -> Ticket:
    """Give the ticket to someone (an empty `assignee` makes it unassigned again)."""
    ticket = _open_ticket(session, ticket_id)
    assignee = assignee.strip()
    if assignee and assignee not in assignable(session, settings):
        raise TicketError(MESSAGES[2], who=assignee)
    ticket.assignee = assignee or None
    return ticket


def open_ticket(session: Session, conversation_id: int) -> Ticket | None:
    return tickets.open_ticket_for(session, conversation_id)


def record_reply(session: Session, conversation: Conversation, email: str, now: datetime) -> Ticket | None:
    """A staff reply stops the open ticket's first-response clock (and assigns it if nobody had it)."""
    ticket = tickets.open_ticket_for(session, conversation.id)
    if ticket is None:
        return None
    return tickets.record_staff_reply(session, ticket.id, email, now)


def resolve(session: Session, settings: Settings, ticket_id: int, user: ConsoleUser, reason: str, note_text: str,
            now: datetime) -> Ticket:
    """Resolve with a reason: the bot takes the conversation back and the CSAT question is scheduled
    (bot.crm.tickets.resolve); the reason is kept as an internal note on the customer."""
    reason = reason.strip()
    if not reason:
        raise TicketError(MESSAGES[3])
    if len(reason) > MAX_REASON_LENGTH:
        raise TicketError(MESSAGES[4], limit=MAX_REASON_LENGTH)
    ticket = _open_ticket(session, ticket_id)
    tickets.resolve(session, settings, ticket.id, user.email, now)
    if ticket.customer_id is not None:
        session.add(InternalNote(customer_id=ticket.customer_id, conversation_id=ticket.conversation_id, author_id=user.id,
                                 text=note_text))
    return ticket
