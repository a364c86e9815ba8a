"""What the staff queue shows: open tickets (bot/crm/tickets.py), in the order people should work them.

`open_tickets(session, filters)` is all the queue page and its JSON endpoint know about. The order
is bot.crm.tickets.queue()'s: the running SLA deadline first (first response until staff answered,
then resolution), then priority, then age. Each ticket is a dict with these keys (the contract the
page, the JSON endpoint and its script rely on):

    id              ticket id
    conversation_id the conversation to open
    customer_id     may be None (a customer record deleted since)
    customer_name   display name, or None
    channel         line | telegram | email
    priority        urgent | high | normal
    sla_due_at      aware datetime of the running SLA deadline
    waiting_since   aware datetime: when the ticket was opened
    assignee        the assigned console user's email (or the supervisor's name), or None
    subject         a short text: the customer's last message (the page escapes it); for a reopened
                    ticket the message that opened it, since the last one is the low rating ("1")
    status          open | breached (the running deadline has passed, or a breach was escalated)
    clock           first_response | resolution: which deadline sla_due_at is
    category        complaint | human_request
    reopened        True when a low rating brought the ticket back

Filters (all optional): channel, priority, assignee ("me" needs `filters["me"]` = email, "none" =
unassigned, anything else = that assignee), limit (default 200, max 500).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.crm.tickets import queue_order, running_due
from models import OPEN_STATUSES, Conversation, Customer, Message, Ticket, utcnow

PRIORITY_LABELS = {1: "urgent", 2: "high", 3: "normal"}
PRIORITIES = tuple(PRIORITY_LABELS.values())
DEFAULT_LIMIT, MAX_LIMIT = 200, 500


def _filtered(query: Select[Any], filters: dict[str, Any]) -> Select[Any]:
    query = query.where(Ticket.status.in_(OPEN_STATUSES))
    if filters.get("channel"):
        query = query.where(Conversation.channel == filters["channel"])
    if filters.get("priority") in PRIORITIES:
        query = query.where(Ticket.priority == PRIORITIES.index(filters["priority"]) + 1)
    assignee = filters.get("assignee")
    if assignee == "none":
        query = query.where(Ticket.assignee.is_(None))
    elif assignee == "me":
        query = query.where(Ticket.assignee == (filters.get("me") or ""))
    elif assignee:
        query = query.where(Ticket.assignee == assignee)
    return query


def open_tickets(session: Session, filters: dict[str, Any], now: datetime | None = None) -> list[dict[str, Any]]:
    """Open tickets for the staff queue, most urgent first (see the module docstring)."""
    now = now or utcnow()
    limit = min(int(filters.get("limit") or DEFAULT_LIMIT), MAX_LIMIT)
    last_text = (select(Message.text).where(Message.conversation_id == Ticket.conversation_id, Message.direction == "in")
                 .order_by(Message.id.desc()).limit(1).correlate(Ticket).scalar_subquery())
    query = (select(Ticket, running_due().label("due"), Conversation.channel, Customer.display_name, Customer.picture_url,
                    last_text.label("subject"))
             .join(Conversation, Conversation.id == Ticket.conversation_id)
             .outerjoin(Customer, Customer.id == Ticket.customer_id)
             .order_by(*queue_order()).limit(limit))
    rows = session.execute(_filtered(query, filters)).all()
    return [_as_dict(row.Ticket, row.due, row.channel, row.display_name, row.subject, now, row.picture_url) for row in rows]


def _as_dict(ticket: Ticket, due: datetime, channel: str, name: str | None, subject: str | None, now: datetime,
             picture: str | None) -> dict[str, Any]:
    """The picture is the LINE profile picture (stored only from LINE's host, which the CSP allows)."""
    breached = due <= now or ticket.first_response_breached_at is not None or ticket.resolution_breached_at is not None
    return {"id": ticket.id, "conversation_id": ticket.conversation_id, "customer_id": ticket.customer_id, "customer_name": name,
            "customer_picture": picture,
            "channel": channel, "priority": PRIORITY_LABELS.get(ticket.priority, "normal"), "sla_due_at": due,
            "waiting_since": ticket.opened_at, "assignee": ticket.assignee,
            "subject": _subject(ticket, subject)[:140],
            "status": "breached" if breached else "open",
            "clock": "first_response" if ticket.first_response_at is None else "resolution",
            "category": ticket.category, "reopened": ticket.status == "reopened"}


def _subject(ticket: Ticket, last_text: str | None) -> str:
    """What the ticket is about. After a low CSAT score reopens it, the customer's last message is
    the score itself, so the original complaint (the ticket's summary) says more."""
    if ticket.status == "reopened" and ticket.summary:
        return ticket.summary
    return last_text if last_text is not None else ticket.summary or ""


def open_ticket_count(session: Session, filters: dict[str, Any]) -> int:
    """How many open tickets match, beyond the page's limit."""
    query = select(func.count()).select_from(Ticket).join(Conversation, Conversation.id == Ticket.conversation_id)
    return int(session.scalar(_filtered(query, filters)) or 0)


def serialise(ticket: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """A ticket for the JSON endpoint: datetimes as ISO strings, seconds left on the SLA clock."""
    now = now or utcnow()
    due: datetime | None = ticket["sla_due_at"]
    return {**ticket, "sla_due_at": due.isoformat() if due else None,
            "waiting_since": ticket["waiting_since"].isoformat() if ticket["waiting_since"] else None,
            "seconds_left": int((due - now).total_seconds()) if due else None}
