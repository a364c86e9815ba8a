"""A customer's deletion request, confirmed by staff: their personal data is anonymised for real.

Why anonymise instead of deleting the customer row: orders, tickets, appointments and survey scores
stay (the shop's books and the reports need them) but no longer say who the person is or what they
wrote. What is erased, in one transaction with the request's status:
- profile fields: name, email, phone, birthday month, region, age group, interests, tags;
- the text and raw payload of every message in their conversations, and the webhook payloads those
  messages came from; the messages of their outbox rows that are already sent or given up;
- internal notes about them, ticket summaries and matched phrases, pending email codes and any
  half-filled dialogue; marketing consent is withdrawn on every channel.
Kept: the channel accounts (so a later "stop" or block still finds them), stage, tier and RFM
scores, orders, and the dates of everything.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from models import (
    Consent,
    Conversation,
    Customer,
    DataRequest,
    DialogueState,
    EmailVerification,
    InboxEvent,
    InternalNote,
    Message,
    OutboxMessage,
    Ticket,
)

ERASED_TEXT = None
UNSENT_STATUSES = ("pending", "paused")


class RequestError(ValueError):
    """A data request that cannot be handled (already handled, withdrawn), and why (`text` is the
    console catalog's key, `status` the request's status)."""

    text = "This request is already {status}."

    def __init__(self, status: str) -> None:
        super().__init__(self.text.format(status=status))
        self.status = status


def pending_request(session: Session, request_id: int, customer_id: int) -> DataRequest:
    request = session.get(DataRequest, request_id)
    if request is None or request.customer_id != customer_id:
        raise LookupError(f"data request {request_id} does not exist for customer {customer_id}")
    if request.status != "pending":
        raise RequestError(request.status)
    return request


def confirm_deletion(session: Session, request_id: int, customer_id: int, staff_email: str, now: datetime) -> DataRequest:
    """Anonymise the customer (see the module docstring) and mark the request confirmed."""
    request = pending_request(session, request_id, customer_id)
    anonymise_customer(session, customer_id)
    request.status, request.handled_at, request.handled_by = "confirmed", now, staff_email
    return request


def reject_request(session: Session, request_id: int, customer_id: int, staff_email: str, now: datetime) -> DataRequest:
    """Close the request without erasing (e.g. the shop must keep the data by law); say why in a note."""
    request = pending_request(session, request_id, customer_id)
    request.status, request.handled_at, request.handled_by = "rejected", now, staff_email
    return request


def anonymise_customer(session: Session, customer_id: int) -> None:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise LookupError(f"customer {customer_id} does not exist")
    customer.display_name = customer.email = customer.phone = customer.region = customer.age_group = None
    customer.birthday_month = None
    customer.interests, customer.tags = [], []
    conversations = select(Conversation.id).where(Conversation.customer_id == customer_id).scalar_subquery()
    events = select(Message.inbox_event_id).where(Message.conversation_id.in_(conversations), Message.inbox_event_id.is_not(None))
    session.execute(update(InboxEvent).where(InboxEvent.id.in_(events)).values(payload={}))
    session.execute(update(Message).where(Message.conversation_id.in_(conversations)).values(text=ERASED_TEXT, payload={}))
    session.execute(update(OutboxMessage).where(
        or_(OutboxMessage.customer_id == customer_id, OutboxMessage.conversation_id.in_(conversations)),
        OutboxMessage.status.not_in(UNSENT_STATUSES)).values(messages=[]))
    session.execute(update(Ticket).where(Ticket.customer_id == customer_id).values(summary=None, matched=None))
    session.execute(update(Consent).where(Consent.customer_id == customer_id, Consent.purpose == "marketing")
                    .values(granted=False, source="deletion"))
    for model in (InternalNote, EmailVerification, DialogueState):
        session.execute(delete(model).where(model.customer_id == customer_id))
    session.flush()
