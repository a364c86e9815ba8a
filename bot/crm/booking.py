"""Services, free slots and seats: the booking rules the dialogue, the reminders and the
console share.

Slots are fixed blocks of the service's duration from each opening time (a 30-minute service
open 14:00-16:00 has 14:00, 14:30, 15:00, 15:30), and capacity is seats per slot. A seat is taken
by one conditional UPDATE on the slot's counter, so the last seat goes to exactly one customer
however many workers race for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, select, update
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.config.hours import HoursError, parse_hours
from bot.crm import hooks
from bot.crm.hours import open_intervals
from bot.crm.text import render, zone
from bot.events import Button, Card, CardField
from bot.i18n.texts import BOOKING as TEXTS
from models import Appointment, Service, Slot
from models.db import conflict_insert


@dataclass(frozen=True)
class FreeSlot:
    starts_at: datetime
    seats_left: int


def sync_services(session: Session, settings: Settings) -> None:
    """Bring `[[services]]` into the database: config wins for rows it created; services the
    console added are left alone; a service removed from config stops being offered."""
    configured = {s.code: s for s in settings.services}
    rows = {row.code: row for row in session.scalars(select(Service))}
    for code, spec in configured.items():
        row = rows.get(code)
        values = {"name": dict(spec.name), "duration_minutes": spec.duration_minutes, "capacity": spec.capacity,
                  "hours": list(spec.hours), "active": True}
        if row is None:
            session.execute(conflict_insert(session)(Service).values(code=code, source="config", **values).on_conflict_do_nothing())
        elif row.source == "config" and any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
    for code, row in rows.items():
        if row.source == "config" and code not in configured and row.active:
            row.active = False
    session.flush()



def active_services(session: Session) -> list[Service]:
    return list(session.scalars(select(Service).where(Service.active.is_(True)).order_by(Service.id)))


def service_by_code(session: Session, code: str) -> Service | None:
    return session.scalar(select(Service).where(Service.code == code, Service.active.is_(True)))


def _hours(service: Service, settings: Settings) -> dict[int, tuple[tuple[int, int], ...]]:
    try:
        return parse_hours(service.hours) if service.hours else dict(settings.business.weekly)
    except HoursError:  # a console-edited row with bad hours offers nothing rather than crash
        return {}


def slot_starts(service: Service, day: date, settings: Settings) -> list[datetime]:
    """Every slot start of the service on a local day (ignoring seats and notice)."""
    length = timedelta(minutes=service.duration_minutes)
    starts = []
    for opens, closes in open_intervals(day, _hours(service, settings), settings.business.holiday_dates, zone(settings)):
        moment = opens
        while moment + length <= closes:
            starts.append(moment)
            moment += length
    return starts


def bookable_window(settings: Settings, now: datetime) -> tuple[datetime, date]:
    """(earliest bookable start, last bookable local day)."""
    earliest = now + timedelta(minutes=settings.appointments.min_notice_minutes)
    last_day = now.astimezone(zone(settings)).date() + timedelta(days=settings.appointments.days_ahead)
    return earliest, last_day


def free_slots(session: Session, service: Service, day: date, settings: Settings, now: datetime) -> list[FreeSlot]:
    earliest, last_day = bookable_window(settings, now)
    if day > last_day:
        return []
    starts = [s for s in slot_starts(service, day, settings) if s >= earliest]
    if not starts:
        return []
    taken = dict(session.execute(select(Slot.starts_at, Slot.booked).where(
        Slot.service_id == service.id, Slot.starts_at.in_(starts))).all())
    return [FreeSlot(s, service.capacity - taken.get(s, 0)) for s in starts if taken.get(s, 0) < service.capacity]


def open_days(session: Session, service: Service, settings: Settings, now: datetime, limit: int = 6) -> list[date]:
    """The next local days with at least one free slot."""
    today = now.astimezone(zone(settings)).date()
    _, last_day = bookable_window(settings, now)
    days: list[date] = []
    day = today
    while day <= last_day and len(days) < limit:
        if free_slots(session, service, day, settings, now):
            days.append(day)
        day += timedelta(days=1)
    return days


def is_slot_start(service: Service, starts_at: datetime, settings: Settings, now: datetime) -> bool:
    earliest, last_day = bookable_window(settings, now)
    day = starts_at.astimezone(zone(settings)).date()
    return starts_at >= earliest and day <= last_day and starts_at in slot_starts(service, day, settings)


def take_seat(session: Session, service: Service, starts_at: datetime) -> bool:
    """Atomically take one seat; False when the slot is full."""
    session.execute(conflict_insert(session)(Slot).values(service_id=service.id, starts_at=starts_at, booked=0).on_conflict_do_nothing())
    # an UPDATE gives a CursorResult; Session.execute's signature only says Result
    taken = cast("CursorResult[Any]", session.execute(update(Slot).where(
        Slot.service_id == service.id, Slot.starts_at == starts_at, Slot.booked < service.capacity).values(booked=Slot.booked + 1)))
    return taken.rowcount == 1


def free_seat(session: Session, service_id: int, starts_at: datetime) -> None:
    session.execute(update(Slot).where(Slot.service_id == service_id, Slot.starts_at == starts_at, Slot.booked > 0)
                    .values(booked=Slot.booked - 1))


def book(session: Session, customer_id: int, service: Service, starts_at: datetime, *, channel: str, address: str,
         now: datetime) -> Appointment | None:
    """A new appointment, or None when the seat is gone (or the customer already holds it)."""
    if holds(session, customer_id, service.id, starts_at) or not take_seat(session, service, starts_at):
        return None
    appointment = Appointment(customer_id=customer_id, service_id=service.id, starts_at=starts_at,
                              ends_at=starts_at + timedelta(minutes=service.duration_minutes), channel=channel,
                              address=address, booked_at=now, created_at=now)
    session.add(appointment)
    session.flush()
    return appointment


def holds(session: Session, customer_id: int, service_id: int, starts_at: datetime) -> bool:
    return session.scalar(select(Appointment.id).where(
        Appointment.customer_id == customer_id, Appointment.service_id == service_id,
        Appointment.starts_at == starts_at, Appointment.status == "booked")) is not None


def move(session: Session, appointment: Appointment, service: Service, starts_at: datetime, now: datetime) -> bool:
    """Take the new seat first, then free the old one: a failed move keeps the old booking."""
    if holds(session, appointment.customer_id, service.id, starts_at) or not take_seat(session, service, starts_at):
        return False
    free_seat(session, appointment.service_id, appointment.starts_at)
    appointment.service_id, appointment.starts_at = service.id, starts_at
    appointment.ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    appointment.booked_at, appointment.confirmed_at = now, None
    appointment.times_moved += 1
    return True


def cancel(session: Session, appointment: Appointment, now: datetime) -> bool:
    if appointment.status != "booked":
        return False
    appointment.status, appointment.cancelled_at = "cancelled", now
    free_seat(session, appointment.service_id, appointment.starts_at)
    return True


def record_attendance(session: Session, appointment_id: int, attended: bool, now: datetime) -> Appointment:
    """Staff mark a visit as attended or a no-show (the console calls this)."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise LookupError(f"appointment {appointment_id} does not exist")
    if appointment.status not in ("booked", "attended", "no_show"):
        raise ValueError(f"appointment {appointment_id} is {appointment.status}")
    appointment.status = "attended" if attended else "no_show"
    appointment.attended_at, appointment.no_show_at = (now, None) if attended else (None, now)
    _signal_attendance(session, appointment.customer_id, appointment.id, appointment.service_id, attended, now)
    return appointment


def _signal_attendance(session: Session, customer_id: int, appointment_id: int, service_id: int, attended: bool,
                       now: datetime) -> None:
    """The one signal of a visit attended or missed, whoever recorded it (staff or the grace time),
    so a journey that starts on a missed appointment starts either way."""
    hooks.signal(session, customer_id, "appointment_completed" if attended else "appointment_missed",
                 {"appointment": appointment_id, "service": service_id}, now)


def mark_no_shows(session: Session, settings: Settings, now: datetime) -> int:
    """With `no_show_after_minutes` set, visits still 'booked' that long after their end become
    no-shows, each with the same signal as a no-show marked by staff."""
    minutes = settings.appointments.no_show_after_minutes
    if not minutes:
        return 0
    missed = session.execute(update(Appointment).where(and_(
        Appointment.status == "booked", Appointment.ends_at <= now - timedelta(minutes=minutes)))
        .values(status="no_show", no_show_at=now)
        .returning(Appointment.id, Appointment.customer_id, Appointment.service_id)).all()
    for appointment_id, customer_id, service_id in sorted(missed):
        _signal_attendance(session, customer_id, appointment_id, service_id, False, now)
    return len(missed)


def upcoming(session: Session, customer_id: int, now: datetime) -> list[Appointment]:
    return list(session.scalars(select(Appointment).where(
        Appointment.customer_id == customer_id, Appointment.status == "booked", Appointment.starts_at > now)
        .order_by(Appointment.starts_at)))


def reminder_buttons(language: str, settings: Settings, appointment_id: int) -> tuple[Button, ...]:
    """I'll be there / reschedule / cancel, as on every reminder and on "my bookings".

    Why in the domain: the reminder job sends them and the dialogue answers them (`appt:<action>:<id>`);
    jobs may not import handlers, so both take them from here.
    """
    return tuple(Button(render(TEXTS, f"{action}_button", language, settings), f"appt:{action}:{appointment_id}")
                 for action in ("keep", "move", "cancel"))


def appointment_card(language: str, settings: Settings, title_key: str, service: str, when: str,
                     buttons: tuple[Button, ...] = ()) -> Card:
    """A booking confirmation or reminder as a card: the service, the time, and its buttons
    (keep / reschedule / cancel). The message's text says the same for channels without cards."""
    return Card(title=render(TEXTS, title_key, language, settings),
                fields=(CardField(render(TEXTS, "card_service", language, settings), service),
                        CardField(render(TEXTS, "card_when", language, settings), when)),
                buttons=buttons)
