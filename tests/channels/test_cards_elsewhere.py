"""Cards on Telegram (a photo with a caption and an inline keyboard, through the real
python-telegram-bot client) and in email (an HTML block beside a plain-text part that says the
same), and the text fallback of a carousel where a channel has no carousel."""

from __future__ import annotations

from bot import pipeline
from bot.events import Button, Card, CardField, Outbound
from models import OutboxMessage

CHAT = "424242"
MAIL = "mei.lin@gmail.example"
CARD = Card("會員卡", "結帳時出示", fields=(CardField("點數", "1,200"), CardField("<b>等級</b>", "金卡")),
            buttons=(Button("兌換", "redeem:list"),), code="M12345ABCD", code_kind="qr+barcode",
            qr_url="https://shop.example/codes/qr/x.png")


def enqueue(runtime, channel, address, message):
    with runtime.sessions.begin() as session:
        [row] = pipeline.enqueue(session, channel, address, [message])
        return row.id


def test_telegram_shows_a_card_as_a_photo_with_caption_and_buttons(runtime, worker, telegram, db):
    row_id = enqueue(runtime, "telegram", CHAT, Outbound("會員卡 M12345ABCD 點數 1,200", card=CARD))
    worker.deliver_once()
    assert db.get(OutboxMessage, row_id).status == "sent"
    [sent] = telegram.messages_for(CHAT)
    assert sent["method"] == "sendPhoto"
    assert str(sent["photo"]).startswith("upload:")  # the QR code drawn here, not fetched
    assert sent["caption"] == "會員卡 M12345ABCD 點數 1,200"
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert keyboard[0][0]["callback_data"] == "redeem:list"


def test_telegram_shows_a_carousel_as_its_text_with_every_cards_buttons(runtime, worker, telegram, db):
    second = Card("9 折券", buttons=(Button("使用", "coupon:use"),))
    enqueue(runtime, "telegram", CHAT, Outbound("你的優惠券：A、B", carousel=(CARD, second)))
    worker.deliver_once()
    [sent] = telegram.messages_for(CHAT)
    assert sent["method"] == "sendMessage" and sent["text"] == "你的優惠券：A、B"
    data = [row[0]["callback_data"] for row in sent["reply_markup"]["inline_keyboard"]]
    assert data == ["redeem:list", "coupon:use"]


def test_email_shows_a_card_in_html_and_the_same_meaning_in_plain_text(runtime, worker, outbox_mail, db):
    row_id = enqueue(runtime, "email", MAIL, Outbound("會員卡：點數 1,200，會員編號 M12345ABCD", card=CARD))
    worker.deliver_once()
    assert db.get(OutboxMessage, row_id).status == "sent"
    sent = outbox_mail.parsed()
    plain = sent.get_body(preferencelist=("plain",)).get_content()
    html = sent.get_body(preferencelist=("html",)).get_content()
    assert "M12345ABCD" in plain and "兌換" in plain
    assert "https://shop.example/codes/qr/x.png" in html and "M12345ABCD" in html
    assert "&lt;b&gt;等級&lt;/b&gt;" in html and "<b>等級" not in html
