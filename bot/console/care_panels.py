"""The customer-care side of a customer's profile: tickets with their CSAT, appointments, privacy
requests, survey answers, staff tasks; and the open ticket of the conversation on screen.

Why one read per panel with a small limit: the conversation page is opened all day by staff and
must stay fast for a regular with a long history; each panel shows the newest few.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from bot.console.queue_source import PRIORITY_LABELS
from bot.console.tasks import TaskLine, list_tasks
from bot.crm.tickets import open_ticket_for
from bot.i18n import pick
from models import Appointment, DataRequest, Service, Survey, Ticket

PANEL_LIMIT = 20


@dataclass(frozen=True)
class TicketLine:
    id: int
    status: str
    priority: str
    category: str
    opened_at: datetime
    resolved_at: datetime | None
    assignee: str | None
    csat: int | None
    conversation_id: int


@dataclass(frozen=True)
class AppointmentLine:
    id: int
    service: str
    starts_at: datetime
    status: str
    upcoming: bool


@dataclass(frozen=True)
class SurveyLine:
    kind: str
    subject_id: int
    score: int | None
    status: str
    answered_at: datetime | None


@dataclass
class CarePanels:
    tickets: list[TicketLine]
    appointments: list[AppointmentLine]
    requests: list[DataRequest]
    surveys: list[SurveyLine]
    tasks: list[TaskLine] = field(default_factory=list)  # staff tasks about this customer (the churn watch's calls)

    @property
    def pending_requests(self) -> list[DataRequest]:
        return [r for r in self.requests if r.status == "pending"]


def care_panels(session: Session, customer_id: int, language: str, default_language: str, now: datetime) -> CarePanels:
    return CarePanels(customer_tickets(session, customer_id), customer_appointments(session, customer_id, language, default_language, now),
                      list(session.scalars(select(DataRequest).where(DataRequest.customer_id == customer_id)
                                           .order_by(DataRequest.requested_at.desc()).limit(PANEL_LIMIT))),
                      customer_surveys(session, customer_id), list_tasks(session, customer_id=customer_id, limit=PANEL_LIMIT))


def customer_tickets(session: Session, customer_id: int) -> list[TicketLine]:
    rows = session.execute(
        select(Ticket, Survey.score).outerjoin(Survey, and_(Survey.kind == "ticket", Survey.subject_id == Ticket.id))
        .where(Ticket.customer_id == customer_id).order_by(Ticket.opened_at.desc(), Ticket.id.desc()).limit(PANEL_LIMIT)).all()
    return [TicketLine(t.id, t.status, PRIORITY_LABELS.get(t.priority, "normal"), t.category, t.opened_at, t.resolved_at, t.assignee,
                       score, t.conversation_id) for t, score in rows]


def customer_appointments(session: Session, customer_id: int, language: str, default_language: str, now: datetime) -> list[AppointmentLine]:
    """Upcoming visits first (soonest first), then past and cancelled ones (newest first)."""
    rows = session.execute(select(Appointment, Service).join(Service, Service.id == Appointment.service_id)
                           .where(Appointment.customer_id == customer_id).order_by(Appointment.starts_at.desc())
                           .limit(PANEL_LIMIT)).all()
    lines = [AppointmentLine(a.id, pick(s.name, language, default_language) or s.code, a.starts_at, a.status,
                             a.status == "booked" and a.starts_at > now) for a, s in rows]
    upcoming = sorted((line for line in lines if line.upcoming), key=lambda line: line.starts_at)
    return upcoming + [line for line in lines if not line.upcoming]


def customer_surveys(session: Session, customer_id: int) -> list[SurveyLine]:
    rows = session.scalars(select(Survey).where(Survey.customer_id == customer_id, Survey.score.is_not(None))
                           .order_by(Survey.answered_at.desc()).limit(PANEL_LIMIT))
    return [SurveyLine(s.kind, s.subject_id, s.score, s.status, s.answered_at) for s in rows]


def conversation_ticket(session: Session, conversation_id: int) -> dict[str, Any] | None:
    """The open ticket of a conversation as the page shows it, with its running deadline."""
    ticket = open_ticket_for(session, conversation_id)
    if ticket is None:
        return None
    answered = ticket.first_response_at is not None
    return {"id": ticket.id, "priority": PRIORITY_LABELS.get(ticket.priority, "normal"), "category": ticket.category,
            "status": ticket.status, "assignee": ticket.assignee, "opened_at": ticket.opened_at,
            "due": ticket.resolution_due if answered else ticket.first_response_due,
            "clock": "resolution" if answered else "first_response", "matched": ticket.matched,
            "escalation_reason": ticket.escalation_reason}
