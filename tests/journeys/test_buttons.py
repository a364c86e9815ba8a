"""A journey's buttons on the LINE stand-in: the customer presses one, the journey branches on it."""

from __future__ import annotations

from bot.crm import hooks
from tests.care_helpers import button_data, press, to_customer
from tests.commerce import followed_customer
from tests.journeys.helpers import journey, tick


def test_a_pressed_button_ends_the_wait_and_the_condition_takes_its_branch(chat, db, runtime, clock):
    journey(runtime, {"name": "ask", "steps": [
        {"id": "question", "kind": "message", "text": {"zh-TW": "想收到新書通知嗎？"},
         "buttons": [{"answer": "yes", "label": {"zh-TW": "好"}}, {"answer": "no", "label": {"zh-TW": "不用"}}]},
        {"id": "reply", "kind": "wait", "event": "answer:yes", "timeout_hours": 24},
        {"id": "said_yes", "kind": "condition", "if": {"event": "answer:yes"},
         "yes": [{"id": "ok", "kind": "message", "text": {"zh-TW": "已為你開啟通知"}}], "no": []}]}, now=clock.now())
    customer_id = followed_customer(chat, db)
    chat.replies()
    with runtime.sessions.begin() as session:
        hooks.signal(session, customer_id, "lead_captured", {}, clock.now())
    clock.advance(hours=2)  # 11:00 in Taipei: outside the quiet hours
    tick(runtime, clock.now())
    delivered = chat.replies()
    assert to_customer(delivered, chat.user) == ["想收到新書通知嗎？"]
    data = [d for d in button_data(delivered) if d.startswith("journey:")]
    assert len(data) == 2 and data[0].endswith(":yes")
    assert press(chat, data[0]) == ["收到，謝謝你的回覆！"]
    assert press(chat, "journey:999999:yes") == ["這個按鈕已經失效了，有需要可以直接留言給我們。"]  # not theirs
    clock.advance(minutes=1)
    tick(runtime, clock.now())  # the wait ended with the answer, long before its timeout
    assert to_customer(chat.replies(), chat.user) == ["已為你開啟通知"]
    clock.advance(hours=30)
    tick(runtime, clock.now())
    assert chat.replies() == []
