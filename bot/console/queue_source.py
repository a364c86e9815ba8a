"""THE SEAM between the staff queue and the tickets model.

`open_tickets(session, filters)` is all the queue page and its JSON endpoint know about. Today it
returns the conversations that people handle (`Conversation.handled_by == 'human'`), oldest last
message first, with no SLA deadline, a "normal" priority and no assignee. At integration the
tickets model (issue-5b: tickets with priority, SLA clocks, assignee) replaces the body of this
function; the dict keys below are the contract and stay the same:

    id              ticket id (today: the conversation id)
    conversation_id the conversation to open
    customer_id     may be None for a group chat
    customer_name   display name, or None
    channel         line | telegram | email
    priority        urgent | high | normal | low
    sla_due_at      aware datetime of the next SLA deadline, or None (no clock)
    waiting_since   aware datetime: when the customer's wait started (the last message today)
    assignee        the assigned console user's email, or None
    subject         a short text: the customer's last message (the page escapes it)
    status          open | breached (past sla_due_at)

Filters (all optional): channel, priority, assignee ("me" needs `filters["me"]` = email,
"none" = unassigned), limit (default 200, max 500).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Conversation, Customer, Message, utcnow

PRIORITIES = ("urgent", "high", "normal", "low")
DEFAULT_LIMIT, MAX_LIMIT = 200, 500


def open_tickets(session: Session, filters: dict[str, Any]) -> list[dict[str, Any]]:
    """Open work for the staff queue, most urgent first (see the module docstring)."""
    if filters.get("priority") not in (None, "", "normal") or filters.get("assignee") not in (None, "", "none"):
        return []  # no priorities or assignees before tickets exist: only "normal", unassigned
    limit = min(int(filters.get("limit") or DEFAULT_LIMIT), MAX_LIMIT)
    last_text = (select(Message.text).where(Message.conversation_id == Conversation.id, Message.direction == "in")
                 .order_by(Message.id.desc()).limit(1).correlate(Conversation).scalar_subquery())
    query = (select(Conversation.id, Conversation.customer_id, Conversation.channel, Conversation.last_message_at,
                    Customer.display_name, last_text.label("subject"))
             .outerjoin(Customer, Customer.id == Conversation.customer_id)
             .where(Conversation.handled_by == "human")
             .order_by(Conversation.last_message_at, Conversation.id).limit(limit))
    if filters.get("channel"):
        query = query.where(Conversation.channel == filters["channel"])
    return [
        {"id": row.id, "conversation_id": row.id, "customer_id": row.customer_id, "customer_name": row.display_name,
         "channel": row.channel, "priority": "normal", "sla_due_at": None, "waiting_since": row.last_message_at,
         "assignee": None, "subject": (row.subject or "")[:140], "status": "open"}
        for row in session.execute(query)
    ]


def open_ticket_count(session: Session, filters: dict[str, Any]) -> int:
    """How many open items match, beyond the page's limit."""
    query = select(func.count()).select_from(Conversation).where(Conversation.handled_by == "human")
    if filters.get("channel"):
        query = query.where(Conversation.channel == filters["channel"])
    return int(session.scalar(query) or 0)


def serialise(ticket: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """A ticket for the JSON endpoint: datetimes as ISO strings, seconds left on the SLA clock."""
    now = now or utcnow()
    due: datetime | None = ticket["sla_due_at"]
    return {**ticket, "sla_due_at": due.isoformat() if due else None,
            "waiting_since": ticket["waiting_since"].isoformat() if ticket["waiting_since"] else None,
            "seconds_left": int((due - now).total_seconds()) if due else None}
