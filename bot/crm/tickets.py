"""Tickets and their SLA clocks: open, first staff response, resolve, reopen, escalate; and the
staff queue in the order people should work it.

Why here and not in the console: the bot opens tickets, the scheduler escalates them and the
console works them; all three must apply the same clock rules, so the rules live
in one place that needs nothing but a session, the settings and the time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, literal, select, update
from sqlalchemy.orm import QueryableAttribute, Session

from bot.config import Settings
from bot.crm import hooks
from bot.crm.alerts import alert
from bot.crm.hours import add_business_minutes
from bot.crm.surveys import schedule_ticket_survey
from bot.crm.text import local_label, render, safe_excerpt, zone
from bot.i18n.texts import CARE as TEXTS
from models import OPEN_STATUSES, Conversation, Customer, Ticket

PRIORITIES = (1, 2, 3)
VIP_TIERS = (1, 2)  # crm-domain section 3: the strategic and high-revenue customers go first


def priority_for(category: str, severe: bool, tier: int | None) -> int:
    """Severity words make it urgent, a complaint high, a request for a human normal; tier 1-2
    customers move one step up."""
    priority = 1 if severe else 2 if category == "complaint" else 3
    if tier in VIP_TIERS:
        priority -= 1
    return max(priority, PRIORITIES[0])


def deadlines(settings: Settings, start: datetime, priority: int) -> tuple[datetime, datetime]:
    """(first response due, resolution due), counted in business time from `start`."""
    business, sla = settings.business, settings.sla
    tz = zone(settings)

    def due(minutes: int) -> datetime:
        return add_business_minutes(start, minutes, business.weekly, business.holiday_dates, tz)

    return due(sla.first_response_minutes[priority - 1]), due(sla.resolution_minutes[priority - 1])


def open_ticket(session: Session, settings: Settings, conversation: Conversation, customer: Customer | None, *,
                category: str, severe: bool, summary: str, matched: list[str], now: datetime) -> Ticket:
    """Open a ticket, start its clocks, hand the conversation to people and alert the staff."""
    priority = priority_for(category, severe, customer.tier if customer else None)
    first_due, resolution_due = deadlines(settings, now, priority)
    ticket = Ticket(customer_id=customer.id if customer else None, conversation_id=conversation.id, priority=priority,
                    category=category, status="open", summary=summary, matched=", ".join(matched)[:200] or None,
                    opened_at=now, first_response_due=first_due, resolution_due=resolution_due)
    session.add(ticket)
    conversation.handled_by = "human"
    session.flush()
    _alert_new(session, settings, ticket, conversation, customer)
    return ticket


def raise_priority(settings: Settings, ticket: Ticket, priority: int) -> bool:
    """A worse message on an open ticket: move it up and pull its deadlines in (never push them out)."""
    if priority >= ticket.priority:
        return False
    ticket.priority = priority
    first_due, resolution_due = deadlines(settings, ticket.opened_at, priority)
    ticket.first_response_due = min(ticket.first_response_due, first_due)
    ticket.resolution_due = min(ticket.resolution_due, resolution_due)
    return True


def open_ticket_for(session: Session, conversation_id: int) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.conversation_id == conversation_id, Ticket.status.in_(OPEN_STATUSES)))


def running_due() -> ColumnElement[datetime]:
    """The deadline whose clock runs now: first response until staff answered, then resolution."""
    return case((Ticket.first_response_at.is_(None), Ticket.first_response_due), else_=Ticket.resolution_due)


def queue_order() -> tuple[ColumnElement[Any] | QueryableAttribute[Any], ...]:
    """The order people should work open tickets in (the console's queue uses it too)."""
    return (running_due(), Ticket.priority, Ticket.opened_at, Ticket.id)


def queue(session: Session, limit: int = 200) -> list[Ticket]:
    """Open tickets, the nearest running SLA deadline first, then priority, then age."""
    return list(session.scalars(select(Ticket).where(Ticket.status.in_(OPEN_STATUSES)).order_by(*queue_order()).limit(limit)))


def record_staff_reply(session: Session, ticket_id: int, staff: str, now: datetime) -> Ticket:
    """Stops the first-response clock (the console calls this when staff answer)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise LookupError(f"ticket {ticket_id} does not exist")
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    ticket.assignee = ticket.assignee or staff
    return ticket


def resolve(session: Session, settings: Settings, ticket_id: int, staff: str, now: datetime) -> Ticket:
    """Close the ticket, give the conversation back to the bot, and schedule the CSAT question."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise LookupError(f"ticket {ticket_id} does not exist")
    if ticket.status not in OPEN_STATUSES:
        raise ValueError(f"ticket {ticket_id} is {ticket.status}, not open")
    ticket.status, ticket.resolved_at, ticket.resolved_by = "resolved", now, staff
    ticket.first_response_at = ticket.first_response_at or now
    conversation = session.get(Conversation, ticket.conversation_id)
    if conversation is not None:
        conversation.handled_by = "bot"
    session.flush()
    schedule_ticket_survey(session, ticket, now)
    hooks.signal(session, ticket.customer_id, "ticket_resolved", {"ticket": ticket.id, "category": ticket.category}, now)
    return ticket


def reopen_for_supervisor(session: Session, settings: Settings, ticket: Ticket, now: datetime, *, score: int) -> None:
    """A low rating: the ticket comes back, to a supervisor, with fresh clocks."""
    ticket.status, ticket.reopened = "reopened", ticket.reopened + 1
    ticket.resolved_at = ticket.first_response_at = None
    ticket.first_response_breached_at = ticket.resolution_breached_at = None
    ticket.priority = min(ticket.priority, 2)
    ticket.first_response_due, ticket.resolution_due = deadlines(settings, now, ticket.priority)
    ticket.assignee, ticket.escalated_at, ticket.escalation_reason = settings.staff.supervisor, now, "low_csat"
    conversation = session.get(Conversation, ticket.conversation_id)
    if conversation is not None:
        conversation.handled_by = "human"
    text = _staff_text("reopened_low_score", settings, id=ticket.id, score=score, supervisor=settings.staff.supervisor)
    alert(session, settings, text, text, supervisor=True)


def escalate_breaches(session: Session, settings: Settings, now: datetime) -> int:
    """Mark missed deadlines once each, assign the ticket to the supervisor and alert them.

    Each breach is claimed by an UPDATE ... WHERE breached_at IS NULL, so a second run (or a
    second scheduler) finds nothing left to alert about.
    """
    alerts = 0
    clocks = (
        ("first_response", Ticket.first_response_due, Ticket.first_response_breached_at, Ticket.first_response_at),
        ("resolution", Ticket.resolution_due, Ticket.resolution_breached_at, Ticket.resolved_at),
    )
    for name, due, breached, stopped in clocks:
        ids = session.scalars(
            update(Ticket).where(Ticket.status.in_(OPEN_STATUSES), due <= now, breached.is_(None), stopped.is_(None))
            .values({breached: now, Ticket.assignee: settings.staff.supervisor,
                     # typed literal: a bare datetime inside CASE would skip the UTC column type
                     Ticket.escalated_at: case((Ticket.escalated_at.is_(None), literal(now, Ticket.escalated_at.type)),
                                               else_=Ticket.escalated_at),
                     Ticket.escalation_reason: f"{name}_breach"})
            .returning(Ticket.id)).all()
        for ticket_id in sorted(ids):
            ticket = session.get(Ticket, ticket_id)
            assert ticket is not None  # the UPDATE above just returned its id
            deadline = ticket.first_response_due if name == "first_response" else ticket.resolution_due
            text = _staff_text(f"breach_{name}", settings, id=ticket_id, supervisor=settings.staff.supervisor,
                               due=local_label(deadline, settings.app.default_language, settings))
            alerts += alert(session, settings, text, text, supervisor=True)
    return alerts


def _staff_text(key: str, settings: Settings, **fields: object) -> str:
    return render(TEXTS, key, settings.app.default_language, settings, **fields)


def _alert_new(session: Session, settings: Settings, ticket: Ticket, conversation: Conversation, customer: Customer | None) -> None:
    language = settings.app.default_language
    fields = {
        "priority": render(TEXTS, f"priority_{ticket.priority}", language, settings),
        "category": render(TEXTS, f"category_{ticket.category}", language, settings),
        "id": ticket.id, "channel": conversation.channel,
        "customer": (customer.display_name or customer.id) if customer else "-",
        "tier": customer.tier if customer else "-", "excerpt": safe_excerpt(ticket.summary),
        "first_due": local_label(ticket.first_response_due, language, settings),
        "resolution_due": local_label(ticket.resolution_due, language, settings),
    }
    alert(session, settings, _staff_text("staff_new_subject", settings, **fields), _staff_text("staff_new", settings, **fields))
