"""The appointments calendar: a day (every slot of each service, its seats and who holds them) and a
week (each service's visits per day), read from the services, slots and appointments tables.

Why slots come from the rules and not only from the `slots` table: a slot row appears only when its
first seat is taken, but the front desk wants to see the free slots too. A visit that no longer
sits on the grid (hours were edited after it was booked) is still shown, at its own time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm import booking
from bot.i18n import pick
from models import Appointment, Customer, Service

SHOWN_STATUSES = ("booked", "attended", "no_show")  # cancelled visits free their seat and leave the calendar


@dataclass(frozen=True)
class Visit:
    id: int
    customer_id: int
    customer_name: str | None
    starts_at: datetime
    status: str
    channel: str


@dataclass
class SlotRow:
    starts_at: datetime
    capacity: int
    visits: list[Visit] = field(default_factory=list)

    @property
    def seats_left(self) -> int:
        return max(self.capacity - len(self.visits), 0)


@dataclass
class ServiceCalendar:
    code: str
    name: str
    capacity: int
    active: bool
    slots: dict[date, list[SlotRow]]


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), zone)
    return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)


def week_of(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def calendar(session: Session, settings: Settings, days: list[date], language: str, service_code: str | None = None) -> list[ServiceCalendar]:
    """Each (active, or holding visits) service's slots on `days`, with the visits in them."""
    zone = ZoneInfo(settings.app.timezone)
    start, _ = local_day_bounds(days[0], zone)
    _, end = local_day_bounds(days[-1], zone)
    query = select(Service).order_by(Service.id)
    if service_code:
        query = query.where(Service.code == service_code)
    services = list(session.scalars(query))
    rows = session.execute(
        select(Appointment, Customer.display_name).join(Customer, Customer.id == Appointment.customer_id)
        .where(Appointment.starts_at >= start, Appointment.starts_at < end, Appointment.status.in_(SHOWN_STATUSES),
               Appointment.service_id.in_([s.id for s in services]))
        .order_by(Appointment.starts_at, Appointment.id)).all()
    visits: dict[int, list[Visit]] = {}
    for appointment, name in rows:
        visits.setdefault(appointment.service_id, []).append(
            Visit(appointment.id, appointment.customer_id, name, appointment.starts_at, appointment.status, appointment.channel))
    result = []
    for service in services:
        held = visits.get(service.id, [])
        if not service.active and not held:
            continue
        per_day = {}
        for day in days:
            slots = {moment: SlotRow(moment, service.capacity) for moment in booking.slot_starts(service, day, settings)}
            for visit in held:
                if visit.starts_at.astimezone(zone).date() == day:
                    slots.setdefault(visit.starts_at, SlotRow(visit.starts_at, service.capacity)).visits.append(visit)
            per_day[day] = [slots[moment] for moment in sorted(slots)]
        result.append(ServiceCalendar(service.code, pick(service.name, language, settings.app.default_language) or service.code,
                                      service.capacity, service.active, per_day))
    return result
