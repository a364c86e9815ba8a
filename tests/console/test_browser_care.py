"""In a real browser, SQLite only: the front desk marks a visit arrived on the day's calendar and
reads the week; an admin edits a service's seats and reads the complaint phrases; the reports'
care charts. Screenshots of each page go to tests/artifacts/."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.crm import booking
from models import Appointment, Service, utcnow
from tests.console.conftest import screenshot
from tests.console.factories import add_customer

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_front_desk_calendar_and_admin_care_pages(runtime, page_for, db):
    now = utcnow()
    zone = ZoneInfo(runtime.settings.app.timezone)
    midnight = datetime.combine(now.astimezone(zone).date(), datetime.min.time(), zone)  # today, already begun
    with runtime.sessions.begin() as s:
        booking.sync_services(s, runtime.settings)
        service = s.scalar(select(Service).where(Service.code == "consult"))
        visitor = add_customer(s, "<b>陳</b>")
        visit = booking.book(s, visitor.id, service, midnight, channel="line", address="Uvisit",
                             now=now - timedelta(days=1)).id
    staff = page_for("staff")
    staff.click("nav >> text=預約")
    staff.wait_for_url("**/console/appointments")
    item = staff.locator(f'li.visit[data-id="{visit}"]')
    assert item.locator("a").inner_text() == "<b>陳</b>"  # the customer's name, as text
    with staff.expect_navigation():
        item.locator("button.arrived").click()
    assert staff.url.endswith("/console/appointments")  # back on the same view
    assert db.get(Appointment, visit).status == "attended"
    assert "已到場" in staff.locator(f'li.visit[data-id="{visit}"] .badge').inner_text()
    screenshot(staff, "staff-appointments-day")
    staff.select_option("#calendar-filters select[name=view]", "week")
    staff.click("#calendar-filters button[type=submit]")
    assert staff.locator("#week-consult").is_visible()
    screenshot(staff, "staff-appointments-week")

    admin = page_for("admin")
    admin.goto("/console/admin/services")
    admin.fill("#service-consult input[name=capacity]", "2")
    admin.click("#service-consult button[type=submit]")
    assert "已儲存" in admin.locator(".flash").inner_text() and db.scalar(select(Service.capacity).where(Service.code == "consult")) == 2
    screenshot(admin, "admin-services")
    admin.click(".admin-nav >> text=客訴關鍵字")
    assert "客訴" in admin.locator("#phrases-words").inner_text()
    screenshot(admin, "admin-complaints")
    admin.goto("/console/reports")
    assert admin.locator("#report-csat svg.chart").is_visible() and admin.locator("#report-recovery table").is_visible()
    screenshot(admin, "reports-care")
    assert staff.dialogs == [] and admin.dialogs == []
