"""A broadcast with a picture and a card, through the real clients against the stand-ins: a Flex
bubble on LINE (which the stand-in checks as LINE does), a photo with the text as its caption and
the buttons as an inline keyboard on Telegram, an HTML block over a plain-text part in email."""

from __future__ import annotations

from jobs.broadcasts import run_due_broadcasts
from tests.console.factories import add_customer
from tests.console.test_planning import make_broadcast

PICTURE = "https://cdn.shop.example/spring.jpg"
CARD = {"title": "春季特賣", "text": "", "fields": [{"label": "期間", "value": "3/1–3/7"}],
        "buttons": [{"label": "看商品", "data": "https://shop.example/spring", "action": "uri"},
                    {"label": "提醒我", "data": "tag:spring", "action": "postback"}]}


def test_a_broadcast_card_is_flex_on_line_a_photo_on_telegram_and_html_in_email(runtime, worker, standin, telegram, outbox_mail, db):
    with runtime.sessions.begin() as s:
        add_customer(s, "美玲", line="U1", consent=("line",))
        add_customer(s, "Amy", telegram="5150", consent=("telegram",))
        add_customer(s, "Lin", mailbox="lin@mail.example", consent=("email",))
    make_broadcast(runtime, text="{name}，春季特賣開始了！", image_url=PICTURE, card=CARD)
    run_due_broadcasts(runtime.sessions, runtime.settings)
    worker.drain()

    [line] = standin.deliveries
    [flex] = line["messages"]
    assert flex["type"] == "flex" and flex["altText"] == "美玲，春季特賣開始了！"
    bubble = flex["contents"]
    assert bubble["hero"]["url"] == PICTURE
    texts = [c.get("text") for c in bubble["body"]["contents"]]
    assert texts[:2] == ["春季特賣", "美玲，春季特賣開始了！"]  # the card's body is the recipient's own text
    actions = [b["action"] for b in bubble["footer"]["contents"]]
    assert actions[0] == {"type": "uri", "label": "看商品", "uri": "https://shop.example/spring"}
    assert actions[1]["type"] == "postback" and actions[1]["data"] == "tag:spring"

    [photo] = telegram.messages_for("5150")
    assert photo["method"] == "sendPhoto" and photo["photo"] == PICTURE and photo["caption"] == "Amy，春季特賣開始了！"
    keyboard = [row[0] for row in photo["reply_markup"]["inline_keyboard"]]
    assert keyboard[0]["url"] == "https://shop.example/spring" and keyboard[1]["callback_data"] == "tag:spring"

    mail = outbox_mail.parsed()
    html = mail.get_body(preferencelist=("html",)).get_content()
    plain = mail.get_body(preferencelist=("plain",)).get_content()
    assert f'<img src="{PICTURE}"' in html and "Lin，春季特賣開始了！" in html and 'href="https://shop.example/spring"' in html
    assert "Lin，春季特賣開始了！" in plain and "看商品: https://shop.example/spring" in plain


def test_a_picture_alone_goes_to_line_multicast_as_a_bubble_with_the_text(runtime, worker, standin, db):
    with runtime.sessions.begin() as s:
        for n in range(2):
            add_customer(s, f"c{n}", line=f"U{n}", consent=("line",))
    make_broadcast(runtime, text="新品到貨", image_url=PICTURE)
    run_due_broadcasts(runtime.sessions, runtime.settings)
    worker.drain()
    [multicast] = standin.deliveries
    assert multicast["kind"] == "multicast" and sorted(multicast["to"]) == ["U0", "U1"]
    bubble = multicast["messages"][0]["contents"]
    assert bubble["hero"]["url"] == PICTURE
    assert [c["text"] for c in bubble["body"]["contents"]] == ["新品到貨"]  # no empty title above it
