"""The customer-care jobs: appointment reminders and no-shows, SLA escalation, surveys.

Each takes (session, settings, now) and only writes rows (outbox messages, ticket fields): none
talks to a platform. `now` comes from the scheduler's clock, so tests move time instead of waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm import booking, outreach, surveys, tickets
from bot.crm.customers import customer_language
from bot.crm.text import local_label, render
from bot.events import Outbound
from bot.i18n.texts import BOOKING as TEXTS
from jobs.runs import claim_notice
from models import Appointment, Service

# A visit booked so close that every configured reminder time had passed still gets one reminder,
# halfway between booking and visit, when it was booked at least this far ahead (closer than that,
# the booking confirmation itself is the reminder).
SHORT_NOTICE_MIN_LEAD = timedelta(minutes=30)


def reminder_keys(booked_at: datetime, starts_at: datetime, offsets: list[int], now: datetime) -> list[str]:
    """Which reminders of one visit are due at `now` (the `claim_notice` key of each).

    The rule: a reminder at `offset` minutes before the visit goes out when its time has come, but
    only if that time fell after the booking; one whose time had already passed when the customer
    booked is skipped (a 24 h reminder for a visit booked 3 h ahead would be late and confusing).
    If every configured reminder is skipped that way and the visit was booked at least
    SHORT_NOTICE_MIN_LEAD ahead, a single short-notice reminder goes out halfway between the booking
    and the visit: booked 90 minutes ahead, the customer hears from us 45 minutes before; booked
    20 minutes ahead, only the booking confirmation. So a short booking is never silently unreminded.
    """
    keys = [str(offset) for offset in offsets if booked_at < starts_at - timedelta(minutes=offset) <= now]
    lead = starts_at - booked_at
    all_skipped = all(starts_at - timedelta(minutes=offset) <= booked_at for offset in offsets)
    if all_skipped and lead >= SHORT_NOTICE_MIN_LEAD and booked_at + lead / 2 <= now < starts_at:
        keys.append("short-notice")
    return keys


def send_reminders(session: Session, settings: Settings, now: datetime) -> int:
    """One reminder per configured offset before each visit (24 h, 2 h), by `reminder_keys`' rule
    (skipped offsets, and the short-notice reminder of a visit booked less than the shortest offset
    ahead); if the job was down and several came due, one message."""
    offsets = sorted(settings.appointments.reminders_minutes_before)
    horizon = now + timedelta(minutes=offsets[-1])
    due = session.scalars(select(Appointment).where(
        Appointment.status == "booked", Appointment.starts_at > now, Appointment.starts_at <= horizon)
        .order_by(Appointment.starts_at, Appointment.id)).all()
    sent = 0
    for appointment in due:
        fresh = [claim_notice(session, f"reminder:{appointment.id}:{appointment.starts_at:%Y%m%dT%H%M}:{key}")
                 for key in reminder_keys(appointment.booked_at, appointment.starts_at, offsets, now)]
        if not any(fresh) or not outreach.is_reachable(session, appointment.channel, appointment.address):
            continue
        service = session.get(Service, appointment.service_id)
        language = customer_language(session, appointment.customer_id, settings)
        name = (service.name.get(language) or service.name.get(settings.app.default_language) or service.code) if service else ""
        text = render(TEXTS, "reminder", language, settings, service=name,
                      when=local_label(appointment.starts_at, language, settings))
        buttons = booking.reminder_buttons(language, settings, appointment.id)
        card = booking.appointment_card(language, settings, "card_reminder", name,
                                        local_label(appointment.starts_at, language, settings), buttons)
        message = Outbound(text, buttons=buttons, card=card)
        sent += outreach.send_to_customer(session, appointment.customer_id, [message], purpose="reminder", marketing=False,
                                          to=(appointment.channel, appointment.address))
    return sent


def record_no_shows(session: Session, settings: Settings, now: datetime) -> int:
    return booking.mark_no_shows(session, settings, now)


def escalate_sla(session: Session, settings: Settings, now: datetime) -> int:
    return tickets.escalate_breaches(session, settings, now)


def send_surveys(session: Session, settings: Settings, now: datetime) -> int:
    return surveys.send_due_surveys(session, settings, now)
