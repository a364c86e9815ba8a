"""A visit missed enters the 'appointment missed' journeys whoever recorded it: staff in the console,
or the grace time of the no-show job (`[appointments] no_show_after_minutes`)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.crm import booking
from jobs.care import record_no_shows
from models import Appointment, Service
from tests.journeys.helpers import T0, customer, enrollment, journey, message, texts, tick


def _visit(runtime, customer_id, starts):
    with runtime.sessions.begin() as session:
        service = session.scalar(select(Service).where(Service.code == "noshow-test"))
        if service is None:
            service = Service(code="noshow-test", name={"en": "Check-up"}, duration_minutes=30, capacity=1)
            session.add(service)
            session.flush()
        visit = Appointment(customer_id=customer_id, service_id=service.id, starts_at=starts,
                            ends_at=starts + timedelta(minutes=30), channel="line", address="U")
        session.add(visit)
        session.flush()
        return visit.id


def test_the_automatic_no_show_fires_the_same_signal_as_staff(runtime):
    settings = runtime.settings.replace(appointments={"no_show_after_minutes": 30})
    jid = journey(runtime, {"name": "missed", "trigger": {"kind": "appointment_missed"}, "reentry": "every",
                            "steps": [message("rebook", "要改約嗎？", transactional=True)]})
    by_staff, by_job, on_time = customer(runtime, "Ustaff"), customer(runtime, "Ujob"), customer(runtime, "Ulater")
    staff_visit = _visit(runtime, by_staff, T0 - timedelta(hours=3))
    job_visit = _visit(runtime, by_job, T0 - timedelta(hours=2))
    _visit(runtime, on_time, T0 - timedelta(minutes=45))  # ended 15 minutes ago: inside the grace time
    with runtime.sessions.begin() as session:
        booking.record_attendance(session, staff_visit, attended=False, now=T0)
    with runtime.sessions.begin() as session:
        assert record_no_shows(session, settings, T0) == 1
    tick(runtime, T0)
    assert texts(runtime, by_staff) == texts(runtime, by_job) == ["要改約嗎？"] and texts(runtime, on_time) == []
    assert enrollment(runtime, by_job, jid).context["appointment"] == job_visit
    with runtime.sessions.begin() as session:  # run again: nothing left to mark, nobody enters twice
        assert record_no_shows(session, settings, T0 + timedelta(minutes=5)) == 0
    with runtime.sessions() as session:
        assert session.get(Appointment, job_visit).status == "no_show"
