"""Names staff see for customers who came by Telegram (first/last name or @username from the
update) and by email (the From display name); a name the customer gave is never overwritten."""

from __future__ import annotations

from sqlalchemy import select

from bot.devtools.chat_telegram import telegram_update, telegram_user
from models import ChannelIdentity, Customer
from tests.channels.conftest import mail


def name_of(db, channel, user):
    return db.scalar(select(Customer.display_name).join(ChannelIdentity)
                     .where(ChannelIdentity.channel == channel, ChannelIdentity.platform_user_id == str(user)))


def test_telegram_names_come_from_the_update(tg, db):
    tg.say("/start")
    assert name_of(db, "telegram", tg.user) == "Mei"
    other = 700000777
    sender = {**telegram_user(other, first_name="大明"), "last_name": "王", "username": "daming"}
    tg.send(telegram_update(message={"message_id": 5, "date": 1700000000, "from": sender,
                                     "chat": {"id": other, "type": "private"}, "text": "hi"}))
    assert name_of(db, "telegram", other) == "大明 王"


def test_email_names_come_from_the_from_header(email_chat, db, runtime):
    email_chat.send(mail("請問營業時間？"))
    assert name_of(db, "email", "mei.lin@gmail.example") == "林美"
    with runtime.sessions.begin() as session:
        customer = session.scalar(select(Customer).join(ChannelIdentity).where(ChannelIdentity.channel == "email"))
        customer.display_name = "林美玲"  # what she typed in the sign-up dialogue
    email_chat.send(mail("還有一個問題"))
    assert name_of(db, "email", "mei.lin@gmail.example") == "林美玲"
