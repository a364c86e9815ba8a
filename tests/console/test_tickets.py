"""Working tickets from the console over HTTP on both databases: claim and assign (roles, CSRF,
conflicts), a staff reply that stops the first-response clock, resolve with a reason that hands
the chat back to the bot and asks the customer for CSAT, and hand-back refused while a ticket is open."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.console.i18n import ZH_TW
from bot.console.privacy import RequestError
from bot.console.ticket_work import MESSAGES
from bot.crm.surveys import send_due_surveys
from models import Conversation, InternalNote, Survey, Ticket, utcnow
from tests.care_helpers import button_data, to_customer
from tests.conftest import make_settings

COMPLAINT = "<script>alert(1)</script> 你們太爛了，我要退款"


@pytest.fixture
def settings(db_url, tmp_path, standin):
    return make_settings(db_url, tmp_path, standin.url, BOT_SURVEYS_AFTER_TICKET_MINUTES="0")


def test_staff_claim_and_assign_with_roles_csrf_and_conflicts(chat, console, db):
    chat.say(COMPLAINT)
    staff, admin, marketer = console("staff"), console("admin"), console("marketer")
    assert marketer.post("/console/tickets/1/claim").status_code == 403
    assert staff.post("/console/tickets/1/claim", csrf=False).status_code == 400
    assert db.get(Ticket, 1).assignee is None
    claimed = staff.post("/console/tickets/1/claim", {"next": "/console/queue?assignee=me"})
    assert claimed.status_code == 200 and claimed.url.endswith("/console/queue?assignee=me")
    assert db.get(Ticket, 1).assignee == "staff@shop.test"
    assert '<tr class="priority-high ticket-open" data-id="1">' in claimed.text  # the filtered queue lists it
    assert '<td class="assignee">staff@shop.test</td>' in claimed.text
    taken = admin.post("/console/tickets/1/claim")
    assert taken.status_code == 409 and "staff@shop.test" in taken.text and db.get(Ticket, 1).assignee == "staff@shop.test"
    assert staff.post("/console/tickets/99/claim").status_code == 404
    stranger = admin.post("/console/tickets/1/assign", {"assignee": "nobody@elsewhere.test"})
    assert stranger.status_code == 400 and db.get(Ticket, 1).assignee == "staff@shop.test"
    assert admin.post("/console/tickets/1/assign", {"assignee": "marketer@shop.test"}).status_code == 400  # marketers work no tickets
    moved = admin.post("/console/tickets/1/assign", {"assignee": "admin@shop.test", "next": "//evil.example/x"})
    assert moved.status_code == 200 and moved.url.endswith("/console/conversations/1")  # never sent to another site
    assert db.get(Ticket, 1).assignee == "admin@shop.test"
    assert staff.post("/console/tickets/1/assign", {"assignee": "supervisor"}).status_code == 200  # the configured supervisor
    assert staff.post("/console/tickets/1/assign", {"assignee": ""}).status_code == 200
    assert db.get(Ticket, 1).assignee is None
    page = staff.get("/console/conversations/1").text
    assert 'id="ticket"' in page and 'id="claim"' in page and 'id="hand-back"' not in page
    assert "&lt;script&gt;" in page and "<script>alert(1)</script>" not in page


def test_reply_stops_the_first_response_clock_and_resolve_asks_for_csat(chat, console, runtime, db, worker, standin):
    chat.say(COMPLAINT)
    staff = console("staff")
    assert staff.post("/console/conversations/1/handler", {"handled_by": "bot"}).status_code == 409  # resolve first
    assert db.get(Conversation, 1).handled_by == "human"
    answer = staff.post("/console/conversations/1/reply", {"text": "很抱歉，我們馬上處理。"})
    assert answer.status_code == 200
    ticket = db.get(Ticket, 1)
    assert ticket.first_response_at is not None and ticket.assignee == "staff@shop.test"
    queued = staff.get("/console/queue.json").json()["tickets"][0]
    assert queued["clock"] == "resolution" and queued["sla_due_at"] == ticket.resolution_due.isoformat()
    assert to_customer(chat.replies(), chat.user) == ["很抱歉，我們馬上處理。"]

    missing = staff.post("/console/tickets/1/resolve", {"reason": "  "})
    assert missing.status_code == 400 and 'id="error-reason"' in missing.text and db.get(Ticket, 1).status == "open"
    assert console("marketer").post("/console/tickets/1/resolve", {"reason": "x"}).status_code == 403
    resolved = staff.post("/console/tickets/1/resolve", {"reason": "已退款 <b>全額</b>"})
    assert resolved.status_code == 200 and "&lt;b&gt;全額&lt;/b&gt;" in resolved.text  # the note, escaped
    ticket = db.get(Ticket, 1)
    assert (ticket.status, ticket.resolved_by) == ("resolved", "staff@shop.test")
    assert db.get(Conversation, 1).handled_by == "bot"
    assert db.scalar(select(InternalNote.text)) == "客訴單 #1 已結案：已退款 <b>全額</b>"
    assert staff.post("/console/tickets/1/resolve", {"reason": "again"}).status_code == 409
    assert staff.get("/console/queue.json").json()["total"] == 0

    with runtime.sessions.begin() as session:
        assert send_due_surveys(session, runtime.settings, utcnow()) == 1
    deliveries = chat.replies()
    survey = db.scalar(select(Survey))
    assert survey.kind == "ticket" and survey.subject_id == 1
    assert [f"csat:{survey.id}:{n}" for n in range(1, 6)] == button_data(deliveries)
    chat.press(f"csat:{survey.id}:5")
    page = staff.get("/console/customers/1").text
    assert '<strong class="csat">5</strong>' in page and '<span class="badge status-resolved">已結案</span>' in page
    assert "營業時間" in chat.say("營業時間")[0]  # the bot answers again


def test_a_low_rating_brings_the_ticket_back_to_the_queue_for_the_supervisor(chat, console, runtime, db):
    chat.say("我要找真人")
    staff = console("staff")
    staff.post("/console/tickets/1/resolve", {"reason": "已說明"})
    with runtime.sessions.begin() as session:
        send_due_surveys(session, runtime.settings, utcnow())
    chat.press(f"csat:{db.scalar(select(Survey.id))}:1")
    [ticket] = staff.get("/console/queue.json").json()["tickets"]
    assert (ticket["id"], ticket["reopened"], ticket["assignee"], ticket["clock"]) == (1, True, "supervisor", "first_response")
    page = staff.get("/console/conversations/1").text
    assert "已重開" in page and "滿意度偏低" in page and 'id="resolve"' in page


def test_taking_over_and_handing_back_without_a_ticket_still_works(chat, console, db):
    chat.say("你好")
    staff = console("staff")
    assert staff.post("/console/conversations/1/handler", {"handled_by": "human"}).status_code == 200
    assert db.get(Conversation, 1).handled_by == "human"
    page = staff.post("/console/conversations/1/handler", {"handled_by": "bot"})
    assert page.status_code == 200 and 'id="take-over"' in page.text and db.get(Conversation, 1).handled_by == "bot"


def test_every_message_an_action_can_show_is_translated():
    assert [m for m in (*MESSAGES, RequestError.text) if m not in ZH_TW] == []
