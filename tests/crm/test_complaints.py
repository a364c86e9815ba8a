"""Complaints through the real LINE webhook path: recognised by words and tone in three languages
or asked for, one apology, a ticket with SLA clocks in business time, staff alerted by chat and
email, the bot silent until staff resolve it (but "stop" still works), breaches escalated once."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from bot.crm import tickets
from models import Consent, Conversation, Customer, Message, OutboxMessage, Ticket
from tests.care_helpers import (
    STAFF_EMAIL,
    STAFF_GROUP,
    STAFF_OVERRIDES,
    SUPERVISOR_CHAT,
    SUPERVISOR_EMAIL,
    outbox,
    press,
    say,
    to_address,
    to_customer,
)
from tests.conftest import CLOCK_START, make_settings

TZ = CLOCK_START.tzinfo


@pytest.fixture
def settings(db_url, tmp_path, standin):
    return make_settings(db_url, tmp_path, standin.url, **STAFF_OVERRIDES)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def test_a_complaint_is_handed_to_staff_once_and_the_bot_goes_quiet(chat, db, clock):
    deliveries = chat.send("message", text="你們的服務很爛，我要退款")
    assert to_customer(deliveries, chat.user) == ["非常抱歉讓您有不好的經驗。已經轉給專人處理（案件編號 1），我們會在 3/3（二） 10:00 前回覆您。"]
    assert to_address(deliveries, STAFF_GROUP) == ["[高] 新客訴 #1（line，顧客 1，等級 5）：你們的服務很爛，我要退款\n"
                                                   "首次回覆期限 3/3（二） 10:00，解決期限 3/3（二） 17:00"]
    email = outbox(db, "email", STAFF_EMAIL)
    assert len(email) == 1 and email[0].messages[0]["title"] == "[高] 新客訴 #1" and email[0].purpose == "staff_alert"
    ticket = db.scalar(select(Ticket))
    assert (ticket.priority, ticket.category, ticket.status, ticket.matched) == (2, "complaint", "open", "退款, 很爛")
    assert ticket.opened_at == clock.now() and ticket.first_response_due == local(2026, 3, 3, 10, 0)
    assert db.scalar(select(Conversation.handled_by)) == "human"

    assert chat.send("message", text="營業時間") == []  # no cheerful FAQ while staff hold the chat
    assert chat.send("message", text="太爛了，我要找律師！") == []  # no second apology...
    ticket = db.get(Ticket, ticket.id)
    assert ticket.priority == 1 and ticket.first_response_due == local(2026, 3, 3, 9, 30)  # ...but it is urgent now
    assert db.scalar(select(Message.text).where(Message.direction == "in").order_by(Message.id.desc())) == "太爛了，我要找律師！"
    # commands still work while staff hold the chat
    assert say(chat, "stop")[0].startswith("已為您取消訂閱")  # one English word: the conversation stays Chinese
    assert db.scalar(select(Consent.granted).where(Consent.purpose == "marketing")) is False
    assert len(db.all(select(Ticket))) == 1


def test_recognised_in_three_languages_by_words_tone_or_a_request(chat, db, clock):
    users = ["U" + c * 32 for c in "abcde"]
    said = {
        users[0]: ("我要投诉，太离谱了", "非常抱歉让您有不好的体验。已经转给专人处理（案件编号 1），我们会在 3/3（二） 10:00 前回复您。"),
        users[1]: ("WHY IS MY ORDER STILL NOT HERE?!", "We are very sorry for this experience. A member of our team is taking "
                                                       "over (case 2) and will answer you by Tue 3/3 10:00."),
        users[2]: ("I want to talk to a human please", "Sure, a member of our team will take over (case 3) and answer you by "
                                                       "Tue 3/3 13:00."),
    }
    for user, (text, answer) in said.items():
        assert to_customer(chat.send("message", text=text, user=user), user) == [answer]
    deliveries = chat.send("postback", postback="human:start", user=users[3])
    assert to_customer(deliveries, users[3]) == ["好的，已為您轉接專人（案件編號 4），我們會在 3/3（二） 13:00 前回覆您。"]
    # not complaints: a question with question marks, a bright day ("燦爛" contains 爛 but no phrase)
    assert "抱歉，我不太懂" not in to_customer(chat.send("message", text="營業時間???", user=users[4]), users[4])[0]
    assert "抱歉，我不太懂" in to_customer(chat.send("message", text="今天陽光燦爛", user=users[4]), users[4])[0]
    categories = [(t.category, t.priority) for t in db.all(select(Ticket).order_by(Ticket.id))]
    assert categories == [("complaint", 2), ("complaint", 2), ("human_request", 3), ("human_request", 3)]


def test_menu_offers_booking_and_a_human(chat, db, clock):
    deliveries = chat.send("message", text="嗯")
    data = [i["action"]["data"] for m in deliveries[0]["messages"] for i in m["quickReply"]["items"]]
    assert "book:start" in data and "human:start" in data


def test_severity_and_tier_set_the_priority_and_clocks_run_in_business_time(chat, db, runtime, clock):
    clock.set(local(2026, 3, 2, 17, 45))  # Monday, 15 minutes before closing
    chat.send("follow")
    with runtime.sessions.begin() as session:
        session.scalar(select(Customer)).tier = 1
    answer = say(chat, "I will call my lawyer about this")[0]
    assert "answer you by Tue 3/3 09:15" in answer
    ticket = db.scalar(select(Ticket))
    assert ticket.priority == 1
    assert (ticket.first_response_due, ticket.resolution_due) == (local(2026, 3, 3, 9, 15), local(2026, 3, 3, 12, 45))
    assert tickets.priority_for("complaint", False, 2) == 1 and tickets.priority_for("human_request", False, 5) == 3


def test_the_queue_puts_the_nearest_running_deadline_first(chat, db, runtime, clock):
    users = ["U" + c * 32 for c in "fgh"]
    chat.send("postback", postback="human:start", user=users[0])    # 09:00 normal: first response 13:00
    clock.set(local(2026, 3, 3, 9, 30))
    chat.send("message", text="退款!!!", user=users[1])              # 09:30 high: 10:30
    clock.set(local(2026, 3, 3, 9, 40))
    chat.send("message", text="I need a human", user=users[2])      # 09:40 normal: 13:40
    with runtime.sessions.begin() as session:
        assert [t.id for t in tickets.queue(session)] == [2, 1, 3]
        tickets.record_staff_reply(session, 2, "amy", clock.now())  # answered: its resolution clock (17:30) runs now
    with runtime.sessions() as session:
        assert [t.id for t in tickets.queue(session)] == [1, 3, 2]
        assert session.get(Ticket, 2).assignee == "amy"


def test_breaches_escalate_to_the_supervisor_once(chat, db, runtime, clock, scheduler, standin):
    chat.send("message", text="terrible service, I want a refund")
    clock.set(local(2026, 3, 3, 9, 59))
    scheduler.run_interval_jobs()
    assert to_address(chat.replies(), SUPERVISOR_CHAT) == []
    clock.set(local(2026, 3, 3, 10, 0))
    assert scheduler.run_interval_jobs()["sla_escalation"] == "done"
    alerts = to_address(chat.replies(), SUPERVISOR_CHAT)
    assert alerts == ["⚠ 案件 #1 超過首次回覆期限（3/3（二） 10:00），已升級給主管 supervisor。"]
    assert [r.messages[0]["title"] for r in outbox(db, "email", SUPERVISOR_EMAIL)] == [alerts[0]]
    ticket = db.scalar(select(Ticket))
    assert (ticket.assignee, ticket.escalation_reason) == ("supervisor", "first_response_breach")
    assert ticket.escalated_at == ticket.first_response_breached_at == clock.now()
    for minute in (1, 2):
        clock.set(local(2026, 3, 3, 10, minute))
        scheduler.run_interval_jobs()
    assert to_address(chat.replies(), SUPERVISOR_CHAT) == []  # once
    with runtime.sessions.begin() as session:
        tickets.record_staff_reply(session, 1, "amy", local(2026, 3, 3, 10, 30))
    clock.set(local(2026, 3, 3, 17, 0))
    scheduler.run_interval_jobs()
    assert to_address(chat.replies(), SUPERVISOR_CHAT) == ["⚠ 案件 #1 超過解決期限（3/3（二） 17:00），已升級給主管 supervisor。"]
    assert db.scalar(select(Ticket.escalated_at)) == local(2026, 3, 3, 10, 0)  # first escalation time kept


def test_resolving_hands_the_chat_back_to_the_bot(chat, db, runtime, clock):
    say(chat, "我要客訴")
    assert chat.send("message", text="營業時間") == []
    with runtime.sessions.begin() as session:
        tickets.resolve(session, runtime.settings, 1, "amy", clock.now())
        with pytest.raises(ValueError, match="resolved, not open"):
            tickets.resolve(session, runtime.settings, 1, "amy", clock.now())
    assert "營業時間：週一至週五" in say(chat, "營業時間")[0]
    ticket = db.get(Ticket, 1)
    assert (ticket.status, ticket.resolved_by, ticket.first_response_at) == ("resolved", "amy", clock.now())
    # a new complaint later opens a new ticket and apologises again
    assert "案件編號 2" in press(chat, "human:start")[0]
    assert db.scalar(select(OutboxMessage.id).where(OutboxMessage.address == STAFF_GROUP).order_by(OutboxMessage.id.desc()))
