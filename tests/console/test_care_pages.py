"""Customer-care pages over HTTP on both databases: the profile's ticket, appointment, privacy and
survey panels; a confirmed deletion request that really erases; the appointments calendar with
arrived / no-show; admin services (edited here, then owned by the console) and complaint phrases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.crm import booking
from models import Appointment, Conversation, Customer, DataRequest, InboxEvent, Message, OutboxMessage, Service, Ticket, utcnow
from tests.console.factories import add_customer

HOSTILE_NAME = "<img src=x onerror=alert(1)>王"


def book(runtime, customer_id: int, code: str, starts_at: datetime, status: str = "booked") -> int:
    with runtime.sessions.begin() as s:
        booking.sync_services(s, runtime.settings)
        service = s.scalar(select(Service).where(Service.code == code))
        appointment = booking.book(s, customer_id, service, starts_at, channel="line", address="Uvisitor", now=starts_at - timedelta(days=2))
        appointment.status = status
        return appointment.id


def test_profile_panels_and_a_confirmed_deletion_erases_personal_data(chat, console, runtime, db):
    chat.say("我要找真人")
    chat.say("刪除我的資料")  # consent commands answer even while staff hold the chat
    with runtime.sessions.begin() as s:
        customer = s.get(Customer, 1)
        customer.display_name, customer.email, customer.phone, customer.interests = HOSTILE_NAME, "wang@example.tw", "0912345678", ["推理"]
    now = utcnow()
    book(runtime, 1, "consult", now + timedelta(days=1))
    book(runtime, 1, "consult", now - timedelta(days=3), status="attended")
    staff, marketer = console("staff"), console("marketer")
    assert 'href="/console/customers/1#privacy-panel">#1 (顧客 1' in staff.get("/console/queue").text  # where staff find it
    page = staff.get("/console/conversations/1").text
    assert 'id="tickets-panel"' in page and '<span class="badge status-open">處理中</span>' in page
    assert page.count('<span class="badge status-booked">即將到來</span>') == 1 and '<span class="badge status-attended">已到場</span>' in page
    assert '<span class="badge status-pending">等待中</span>' in page and 'class="deletion"' in page
    assert "&lt;img src=x onerror=alert(1)&gt;王" in page and HOSTILE_NAME not in page
    read_only = marketer.get("/console/customers/1").text
    assert 'id="privacy-panel"' in read_only and 'class="deletion"' not in read_only
    assert marketer.post("/console/customers/1/data-requests/1", {"action": "confirm", "sure": "yes"}).status_code == 403

    assert staff.post("/console/customers/1/data-requests/1", {"action": "confirm"}).status_code == 400  # the box is not ticked
    assert staff.post("/console/customers/1/data-requests/1", {"action": "confirm", "sure": "yes"}, csrf=False).status_code == 400
    assert db.get(Customer, 1).email == "wang@example.tw"
    assert staff.post("/console/customers/2/data-requests/1", {"action": "confirm", "sure": "yes"}).status_code == 404
    done = staff.post("/console/customers/1/data-requests/1", {"action": "confirm", "sure": "yes",
                                                               "next": "/console/conversations/1"})
    assert done.status_code == 200 and done.url.endswith("/console/conversations/1")
    customer = db.get(Customer, 1)
    assert (customer.display_name, customer.email, customer.phone, customer.interests) == (None, None, None, [])
    assert [m.text for m in db.all(select(Message))] == [None] * len(db.all(select(Message)))
    assert all(e.payload == {} for e in db.all(select(InboxEvent)))
    assert all(row.messages == [] for row in db.all(select(OutboxMessage).where(OutboxMessage.customer_id == 1,
                                                                                OutboxMessage.status == "sent")))
    assert db.get(Ticket, 1).summary is None and db.get(Conversation, 1).address  # the chat itself stays reachable
    request = db.get(DataRequest, 1)
    assert (request.status, request.handled_by) == ("confirmed", "staff@shop.test")
    assert "wang@example.tw" not in done.text and "刪除我的資料" not in done.text
    assert 'id="privacy-requests"' not in staff.get("/console/queue").text
    again = staff.post("/console/customers/1/data-requests/1", {"action": "confirm", "sure": "yes"})
    assert again.status_code == 409 and "已確認" in again.text


def test_a_deletion_request_can_be_rejected_without_erasing(chat, console, db):
    chat.say("刪除我的資料")
    staff = console("staff")
    assert staff.post("/console/customers/1/data-requests/1", {"action": "erase-all"}).status_code == 400
    assert staff.post("/console/customers/1/data-requests/1", {"action": "reject"}).status_code == 200
    assert db.get(DataRequest, 1).status == "rejected" and db.scalar(select(Message.text).where(Message.direction == "in")) == "刪除我的資料"


def test_the_calendar_by_day_and_week_and_marking_arrivals(console, runtime, db):
    tz_day = datetime(2026, 3, 3, tzinfo=UTC)  # Tuesday 3 March 2026; consult is open 11-12 and 14-18 in Taipei
    with runtime.sessions.begin() as s:
        visitor = add_customer(s, HOSTILE_NAME).id
        other = add_customer(s, "林").id
    first = book(runtime, visitor, "consult", tz_day.replace(hour=6))  # 14:00 in Taipei
    off_grid = book(runtime, other, "consult", tz_day.replace(hour=1))  # 09:00: before the hours were what they are now
    cancelled = book(runtime, other, "consult", tz_day.replace(hour=7), status="cancelled")
    weekend = book(runtime, other, "bookbinding", datetime(2026, 3, 7, 6, tzinfo=UTC))
    future = book(runtime, visitor, "consult", utcnow() + timedelta(days=2))
    staff = console("staff")
    day = staff.get("/console/appointments", params={"day": "2026-03-03"}).text
    assert '<tr class="slot" data-time="14:00"><td>14:00</td><td>0 / 1</td>' in day
    assert '<tr class="slot" data-time="09:00">' in day and '<tr class="slot" data-time="17:30"><td>17:30</td><td>1 / 1</td>' in day
    assert f'data-id="{first}"' in day and f'data-id="{off_grid}"' in day and f'data-id="{cancelled}"' not in day
    assert "&lt;img src=x onerror=alert(1)&gt;王" in day and HOSTILE_NAME not in day
    assert "當天不開放" in day  # bookbinding is closed on Tuesdays
    week = staff.get("/console/appointments", params={"day": "2026-03-05", "view": "week", "service": "bookbinding"}).text
    assert 'id="week-bookbinding"' in week and 'id="week-consult"' not in week and f'data-id="{weekend}"' in week
    assert "6 位中已約 1 位" in week and "attendance" not in week
    assert staff.get("/console/appointments", params={"day": "3/3"}).status_code == 400
    assert console("marketer").get("/console/appointments").status_code == 403

    url = f"/console/appointments/{first}/attendance"
    assert console("marketer").post(url, {"attended": "yes"}).status_code == 403
    assert staff.post(url, {"attended": "yes"}, csrf=False).status_code == 400
    assert staff.post(url, {"attended": "maybe"}).status_code == 400
    marked = staff.post(url, {"attended": "yes", "next": "/console/appointments?day=2026-03-03"})
    assert marked.status_code == 200 and '<span class="badge status-attended">已到場</span>' in marked.text
    assert db.get(Appointment, first).status == "attended" and db.get(Appointment, first).attended_at is not None
    assert staff.post(url, {"attended": "no"}).status_code == 200
    assert (db.get(Appointment, first).status, db.get(Appointment, first).attended_at) == ("no_show", None)
    assert staff.post(f"/console/appointments/{cancelled}/attendance", {"attended": "yes"}).status_code == 409
    assert staff.post(f"/console/appointments/{future}/attendance", {"attended": "yes"}).status_code == 409
    assert db.get(Appointment, future).status == "booked"
    assert staff.post("/console/appointments/999/attendance", {"attended": "yes"}).status_code == 404


def test_admin_edits_services_which_config_then_leaves_alone(console, runtime, db):
    admin = console("admin")
    page = admin.get("/console/admin/services").text
    assert 'id="service-consult"' in page and 'id="service-bookbinding"' in page and "mon-fri 09:00-18:00" in page
    consult = db.scalar(select(Service).where(Service.code == "consult"))
    form = {"name_zh-TW": "選書諮詢", "name_en": "Consultation", "duration_minutes": "45", "capacity": "3",
            "hours": "tue-sun 10:00-12:00\nsat 13:00-15:00", "active": "on"}
    bad = admin.post(f"/console/admin/services/{consult.id}", {**form, "hours": "tuesday 10-12", "capacity": "0"})
    assert bad.status_code == 400 and 'id="error-hours"' in bad.text and 'id="error-capacity"' in bad.text
    assert db.get(Service, consult.id).capacity == 1
    assert admin.post(f"/console/admin/services/{consult.id}", form).status_code == 200
    with runtime.sessions.begin() as s:
        booking.sync_services(s, runtime.settings)  # what every booking does first
    saved = db.get(Service, consult.id)
    assert (saved.capacity, saved.duration_minutes, saved.hours, saved.source) == (3, 45, ["tue-sun 10:00-12:00", "sat 13:00-15:00"],
                                                                                   "console")
    taken = admin.post("/console/admin/services", {**form, "code": "consult"})
    assert taken.status_code == 400 and 'id="error-code"' in taken.text
    assert admin.post("/console/admin/services", {**form, "code": "tea tasting"}).status_code == 400
    assert admin.post("/console/admin/services", {**form, "code": "tea", "name_zh-TW": "品茶"}).status_code == 200
    assert db.scalar(select(Service.source).where(Service.code == "tea")) == "console"
    assert 'id="service-tea"' in console("staff").get("/console/appointments", params={"day": "2026-03-03"}).text
    assert console("staff").post("/console/admin/services", {**form, "code": "x"}).status_code == 403
    phrases = admin.get("/console/admin/complaints").text
    assert 'id="phrases-words"' in phrases and "客訴\n投訴" in phrases and "律師" in phrases  # the lists, editable (test_admin_phrases.py)
