"""The customer-care jobs: appointment reminders and no-shows, SLA escalation, surveys.

Each takes (session, settings, now) and only writes rows (outbox messages, ticket fields): none
talks to a platform. `now` comes from the scheduler's clock, so tests move time instead of waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.events import Outbound
from handlers import booking, surveys, tickets
from handlers.common import customer_language, is_reachable, local_label, render, send_to_customer
from handlers.my_bookings import reminder_buttons
from handlers.texts.booking import TEXTS
from jobs.runs import claim_notice
from models import Appointment, Service


def send_reminders(session: Session, settings: Settings, now: datetime) -> int:
    """One reminder per configured offset before each visit (24 h, 2 h), only for offsets that
    fell after the booking was made; if the job was down and several came due, one message."""
    offsets = sorted(settings.appointments.reminders_minutes_before)
    horizon = now + timedelta(minutes=offsets[-1])
    due = session.scalars(select(Appointment).where(
        Appointment.status == "booked", Appointment.starts_at > now, Appointment.starts_at <= horizon)
        .order_by(Appointment.starts_at, Appointment.id)).all()
    sent = 0
    for appointment in due:
        fresh = [claim_notice(session, f"reminder:{appointment.id}:{appointment.starts_at:%Y%m%dT%H%M}:{offset}")
                 for offset in offsets
                 if appointment.booked_at < appointment.starts_at - timedelta(minutes=offset) <= now]
        if not any(fresh) or not is_reachable(session, appointment.channel, appointment.address):
            continue
        service = session.get(Service, appointment.service_id)
        language = customer_language(session, appointment.customer_id, settings)
        name = (service.name.get(language) or service.name.get(settings.app.default_language) or service.code) if service else ""
        text = render(TEXTS, "reminder", language, settings, service=name,
                      when=local_label(appointment.starts_at, language, settings))
        send_to_customer(session, appointment.customer_id, appointment.channel, appointment.address,
                         [Outbound(text, buttons=reminder_buttons(language, settings, appointment.id))], purpose="reminder")
        sent += 1
    return sent


def record_no_shows(session: Session, settings: Settings, now: datetime) -> int:
    return booking.mark_no_shows(session, settings, now)


def escalate_sla(session: Session, settings: Settings, now: datetime) -> int:
    return tickets.escalate_breaches(session, settings, now)


def send_surveys(session: Session, settings: Settings, now: datetime) -> int:
    return surveys.send_due_surveys(session, settings, now)
