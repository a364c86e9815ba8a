"""Dialogue tests through the real webhook path: follow, FAQ in three languages, menu, fallback."""

from __future__ import annotations

from sqlalchemy import select

from bot.devtools.chat import line_event
from models import ChannelIdentity, Consent, Customer, DialogueState, Message
from tests.chat import quick_reply_data, texts


def test_follow_greets_with_the_incentive_and_a_menu(chat):
    deliveries = chat.send("follow")
    assert len(deliveries) == 1
    assert deliveries[0]["kind"] == "reply"
    text = texts(deliveries)[0]
    assert "歡迎加入青田書店" in text and "9 折券" in text
    assert "faq:0" in quick_reply_data(deliveries[0]) and "lang:en" in quick_reply_data(deliveries[0])


def test_faq_answers_in_the_customers_language(chat):
    assert "營業時間：週一至週五" in chat.say("請問營業時間？")[0]
    assert "Opening hours" in chat.say("what are your opening hours")[0]
    assert "营业时间：周一至周五" in chat.say("请问营业时间")[0]
    assert "地址：台北市大安区" in chat.say("地址")[0]  # stays in simplified once chosen


def test_fallback_never_silent_and_changes_after_two_misses(chat, db):
    first = chat.send("message", text="嗯嗯")  # a first message without a follow: the welcome incentive, once
    assert texts(first) == ["抱歉，我不太懂您的意思。您可以選擇下面的項目：\n留下 Email 即送 9 折券！"]
    assert quick_reply_data(first[0])[0] == "lead:start"
    assert "faq:1" in quick_reply_data(first[0])
    assert "看來我沒幫上忙" in chat.say("嗯")[0]
    customer_id = db.scalar(select(ChannelIdentity.customer_id))
    assert db.get(DialogueState, customer_id).data["fallback_streak"] == 2
    chat.say("營業時間")
    assert db.get(DialogueState, customer_id).data["fallback_streak"] == 0


def test_menu_postbacks_and_language_switch(chat, db):
    assert "讀書會每週六" in chat.press("faq:2")[0]
    assert chat.press("lang:en") == ["OK, I will answer in English from now on."]
    assert db.scalar(select(Customer.language)) == "en"
    assert "reading club" in chat.press("faq:2")[0]
    # A postback we did not issue (tampered or stale) is not trusted: it gets the menu.
    assert "did not understand" in chat.press("faq:99")[0]
    assert "not helping" in chat.press("lang:xx")[0]


def test_a_file_from_a_customer_is_acknowledged(chat):
    event = line_event("message", chat.user, text="x")
    event["message"] = {"id": "9001", "type": "file", "fileName": "receipt.pdf", "fileSize": 2048}
    assert chat.post([event]).status_code == 200
    assert texts(chat.replies()) == ["已收到您的檔案，謝謝！"]


def test_unfollow_marks_unreachable_and_opted_out_then_follow_restores(chat, db):
    chat.send("follow")
    assert chat.send("unfollow") == []
    identity = db.scalar(select(ChannelIdentity))
    assert identity.reachable is False and identity.unreachable_reason == "line:unfollow"
    consent = db.scalar(select(Consent).where(Consent.purpose == "marketing"))
    assert consent.granted is False and consent.source == "line:unfollow"
    chat.send("follow")
    assert db.scalar(select(ChannelIdentity)).reachable is True
    assert db.scalar(select(Consent).where(Consent.purpose == "marketing")).granted is True


def test_incoming_and_outgoing_messages_are_in_the_history(chat, db):
    chat.say("營業時間")
    rows = db.all(select(Message).order_by(Message.id))
    assert [(m.direction, m.kind) for m in rows] == [("in", "text"), ("out", "text")]
    assert rows[0].text == "營業時間" and rows[0].payload["handled_by"] == "faq.keyword"
    assert rows[1].outbox_id is not None
