"""The front desk's appointments page: the day's and the week's calendar per service, and marking a
visit arrived or a no-show (bot.crm.booking.record_attendance, the rule the no-show job shares)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.console import security
from bot.console.base import current_language
from bot.console.calendar import calendar, week_of
from bot.console.i18n import gettext as _
from bot.console.views import next_url, reading, runtime, writing
from bot.crm import booking
from models import Appointment, Service, utcnow

appointments = Blueprint("appointments", __name__)
VIEWS = ("day", "week")


def _today() -> date:
    return utcnow().astimezone(ZoneInfo(runtime().settings.app.timezone)).date()


@appointments.get("/appointments")
@security.allow("appointments")
def page() -> Any:
    raw_day = request.args.get("day", "")
    try:
        day = date.fromisoformat(raw_day) if raw_day else _today()
    except ValueError:
        abort(400, f"day must be a date like 2026-03-03, not {raw_day[:20]!r}")
    view = request.args.get("view") if request.args.get("view") in VIEWS else "day"
    service = (request.args.get("service") or "").strip()[:40] or None
    days = week_of(day) if view == "week" else [day]
    settings = runtime().settings
    with writing() as db:
        booking.sync_services(db, settings)  # services from config.toml appear before anyone booked
    with reading() as db:
        services = list(db.scalars(select(Service).order_by(Service.id)))
        rows = calendar(db, settings, days, current_language(), service)
    step = timedelta(days=7 if view == "week" else 1)
    return render_template("console/appointments.html", calendars=rows, days=days, day=day, view=view, service=service,
                           services=services, today=_today(), previous=day - step, following=day + step)


@appointments.post("/appointments/<int:appointment_id>/attendance")
@security.allow("appointments")
def attendance(appointment_id: int) -> Any:
    value = request.form.get("attended", "")
    if value not in ("yes", "no"):
        abort(400, f"attended must be yes or no, not {value[:20]!r}")
    zone = ZoneInfo(runtime().settings.app.timezone)
    try:
        with writing() as db:
            appointment = db.get(Appointment, appointment_id)
            if appointment is None:
                raise LookupError(appointment_id)
            day = appointment.starts_at.astimezone(zone).date()
            if day > _today():
                abort(409, _("This visit is on {day}; mark it on the day.", day=day.isoformat()))
            booking.record_attendance(db, appointment_id, value == "yes", utcnow())
    except LookupError:
        abort(404, "no such appointment")
    except ValueError:
        abort(409, _("A cancelled visit cannot be marked."))
    flash(_("Marked as arrived.") if value == "yes" else _("Marked as a no-show."))
    return redirect(next_url(url_for("appointments.page", day=day.isoformat())))
