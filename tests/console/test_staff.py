"""Staff pages over HTTP on both databases: the queue of tickets and its JSON, search, replies through
the outbox to the LINE stand-in, take over / hand back, notes, the FAQ edited in the console."""

from __future__ import annotations

from sqlalchemy import select

from bot.console.queue_source import open_ticket_count, open_tickets
from models import Conversation, Customer, FaqAnswer, InternalNote, Message, OutboxMessage, Ticket
from tests.chat import texts

USER = "U0123456789abcdef0123456789abcdef"


def test_the_queue_lists_tickets_opened_through_the_chat_with_their_deadlines(chat, runtime, console, db):
    chat.say("營業時間")  # an ordinary question opens no ticket
    with runtime.sessions() as s:
        assert open_tickets(s, {}) == []
    chat.user = "U" + "2" * 32
    chat.say("我要找真人")  # a request for a person: normal priority, first response in 240 business minutes
    chat.user = "U" + "3" * 32
    chat.say("<b>太爛了</b>，我要退款")  # a complaint: high priority, 60 minutes, so it comes first
    complaint, request = db.get(Ticket, 2), db.get(Ticket, 1)
    with runtime.sessions() as s:
        tickets = open_tickets(s, {})
        assert [t["id"] for t in tickets] == [2, 1]
        first = tickets[0]
        assert (first["priority"], first["channel"], first["status"], first["assignee"], first["clock"]) == ("high", "line", "open", None,
                                                                                                           "first_response")
        assert first["sla_due_at"] == complaint.first_response_due and first["waiting_since"] == complaint.opened_at
        assert first["subject"] == "<b>太爛了</b>，我要退款" and tickets[1]["sla_due_at"] == request.first_response_due
        assert [t["id"] for t in open_tickets(s, {"priority": "high"})] == [2] and open_tickets(s, {"priority": "urgent"}) == []
        assert open_tickets(s, {"channel": "telegram"}) == [] and open_ticket_count(s, {"channel": "line"}) == 2
        assert len(open_tickets(s, {"assignee": "none"})) == 2 and open_tickets(s, {"assignee": "me", "me": "staff@shop.test"}) == []
    picture = "https://profile.line-scdn.net/0h-complainer"
    with runtime.sessions.begin() as s:  # as the profile fetch stores it: LINE's host only
        s.get(Customer, complaint.customer_id).picture_url = picture
    staff = console("staff")
    data = staff.get("/console/queue.json").json()
    assert data["total"] == 2 and data["tickets"][0]["sla_due_at"] == complaint.first_response_due.isoformat()
    assert [t["customer_picture"] for t in data["tickets"]] == [picture, None]  # the live refresh draws it too
    assert f'<img class="avatar" src="{picture}"' in staff.get("/console/queue").text
    assert 0 < data["tickets"][0]["seconds_left"] <= data["tickets"][1]["seconds_left"]
    page = staff.get("/console/queue").text
    assert "&lt;b&gt;太爛了&lt;/b&gt;，我要退款" in page and "<b>太爛了</b>" not in page
    assert f'data-due="{complaint.first_response_due.isoformat()}"' in page
    assert staff.get("/console/queue.json", params={"priority": "normal"}).json()["total"] == 1


def test_search_by_name_email_phone_id_and_platform_id(chat, runtime, console):
    chat.say("hi")
    with runtime.sessions.begin() as s:
        from models import Customer

        customer = s.get(Customer, 1)
        customer.display_name, customer.email, customer.phone = "王小明", "ming@example.tw", "0912-345-678"
    staff = console("staff")
    for query in ("小明", "MING@", "345", "#1", "1", USER):
        assert "王小明" in staff.get("/console/customers", params={"q": query}).text, query
    assert "王小明" not in staff.get("/console/customers", params={"q": "nobody"}).text
    assert "王小明" not in staff.get("/console/customers", params={"q": "%"}).text


def test_search_by_the_code_of_a_coupon_the_customer_holds_or_their_referral_code(chat, runtime, console):
    from bot.crm import coupons
    from models import Customer, ReferralCode

    chat.say("hi")
    with runtime.sessions.begin() as s:
        s.get(Customer, 1).display_name = "王小明"
        code = coupons.issue_coupon(s, 1, "SORRY15", source="test").code
        s.add(ReferralCode(code="REF8CODE", customer_id=1))
    staff = console("staff")
    typed_at_the_till = f"{code[:5].lower()}-{code[5:].lower()}"  # as a cashier might type it
    for query in (code, typed_at_the_till, "REF8CODE", "ref8code"):
        assert "王小明" in staff.get("/console/customers", params={"q": query}).text, query
    assert "王小明" not in staff.get("/console/customers", params={"q": "ZZZZZZZZZZ"}).text


def test_staff_reply_goes_out_on_the_customers_channel_and_takes_over(chat, runtime, console, worker, standin, db):
    chat.say("請問有這本書嗎？")
    staff = console("staff")
    answer = staff.post("/console/conversations/1/reply", {"text": "有的，<b>明天</b>到貨！"})
    assert answer.status_code == 200 and "有的，&lt;b&gt;明天&lt;/b&gt;到貨！" in answer.text
    row = db.scalar(select(OutboxMessage).where(OutboxMessage.purpose == "reply").order_by(OutboxMessage.id.desc()))
    assert (row.channel, row.address, row.status) == ("line", USER, "pending")
    [push] = [d for d in chat.replies() if d["kind"] == "push"]
    assert push["to"] == [USER] and push["messages"][0]["text"] == "有的，<b>明天</b>到貨！"
    status = staff.get("/console/customers/1/timeline.json", params={"after": 0, "outbox": str(row.id)}).json()
    assert status["statuses"][str(row.id)]["status"] == "sent"
    assert status["messages"][-1]["staff"] == "staff@shop.test"
    assert db.get(Conversation, 1).handled_by == "human"
    assert texts(chat.send("message", text="謝謝")) == []  # the bot stays quiet while people handle it
    staff.post("/console/conversations/1/handler", {"handled_by": "bot"})
    assert db.get(Conversation, 1).handled_by == "bot"
    assert chat.say("營業時間")  # and answers again once handed back
    empty = staff.post("/console/conversations/1/reply", {"text": "   "})
    assert empty.status_code == 400 and 'id="error-text"' in empty.text


def test_notes_are_internal_and_escaped(chat, console, db, standin):
    chat.say("hi")
    before = len(standin.deliveries)
    staff = console("staff")
    page = staff.post("/console/customers/1/notes", {"note": "<i>VIP</i> 喜歡推理小說", "conversation_id": "1"})
    assert "&lt;i&gt;VIP&lt;/i&gt; 喜歡推理小說" in page.text
    assert db.scalar(select(InternalNote.text)) == "<i>VIP</i> 喜歡推理小說" and len(standin.deliveries) == before
    assert staff.post("/console/customers/1/notes", {"note": ""}).status_code == 400


def test_faq_edited_in_the_console_is_what_the_bot_answers(chat, console, db):
    assert "營業時間：週一至週五" in chat.say("營業時間")[0]  # from config while the table is empty
    admin = console("admin")
    page = admin.get("/console/admin/faq")
    assert "營業時間" in page.text and len(db.all(select(FaqAnswer))) == 4  # seeded from config
    first = db.all(select(FaqAnswer).order_by(FaqAnswer.position))[0]
    saved = admin.post(f"/console/admin/faq/{first.id}", {"keywords": "營業時間, hours", "answer_zh-TW": "本週特別營業：每天 10:00–20:00。",
                                                           "answer_en": "This week: 10:00-20:00 daily.", "position": "0"})
    assert saved.status_code == 200
    assert chat.say("營業時間")[0] == "本週特別營業：每天 10:00–20:00。"
    added = admin.post("/console/admin/faq", {"keywords": "咖啡, coffee", "answer_zh-TW": "店內有手沖咖啡。"})
    assert added.status_code == 200 and chat.say("有咖啡嗎")[0] == "店內有手沖咖啡。"
    bad = admin.post("/console/admin/faq", {"keywords": "", "answer_zh-TW": ""})
    assert bad.status_code == 400 and 'id="error-keywords"' in bad.text
    assert [m.text for m in db.all(select(Message).where(Message.direction == "out"))][-1] == "店內有手沖咖啡。"
