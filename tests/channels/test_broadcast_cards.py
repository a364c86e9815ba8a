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


LOCAL_CARD = {**CARD, "translations": {"en": {"title": "Spring sale", "text": "", "buttons": ["See books", ""]}}}


def test_the_card_speaks_each_readers_language_with_the_default_as_fallback(runtime, worker, standin, telegram, outbox_mail, db):
    """English readers get the English title and first button (the second falls back to the shop's
    default words); Chinese readers the default card, in a multicast of their own."""
    with runtime.sessions.begin() as s:
        for n in range(2):
            add_customer(s, f"zh{n}", line=f"Uzh{n}", consent=("line",), language="zh-TW")
            add_customer(s, f"en{n}", line=f"Uen{n}", consent=("line",), language="en")
        add_customer(s, "Amy", telegram="5150", consent=("telegram",), language="en")
        add_customer(s, "Lin", mailbox="lin@mail.example", consent=("email",), language="en")
    make_broadcast(runtime, text="春季特賣開始了！", translations={"en": "The spring sale is on!"}, image_url=PICTURE, card=LOCAL_CARD)
    run_due_broadcasts(runtime.sessions, runtime.settings)
    worker.drain()

    by_reader = {tuple(sorted(d["to"])): d["messages"][0] for d in standin.deliveries}
    assert sorted(by_reader) == [("Uen0", "Uen1"), ("Uzh0", "Uzh1")]  # one multicast per card language
    english, chinese = by_reader[("Uen0", "Uen1")], by_reader[("Uzh0", "Uzh1")]
    assert english["altText"] == "The spring sale is on!" and chinese["altText"] == "春季特賣開始了！"
    assert [c.get("text") for c in english["contents"]["body"]["contents"]][:2] == ["Spring sale", "The spring sale is on!"]
    assert [b["action"]["label"] for b in english["contents"]["footer"]["contents"]] == ["See books", "提醒我"]
    assert chinese["contents"]["body"]["contents"][0]["text"] == "春季特賣"
    assert [b["action"]["label"] for b in chinese["contents"]["footer"]["contents"]] == ["看商品", "提醒我"]

    [photo] = telegram.messages_for("5150")
    assert photo["caption"] == "The spring sale is on!"
    assert [row[0]["text"] for row in photo["reply_markup"]["inline_keyboard"]] == ["See books", "提醒我"]
    html = outbox_mail.parsed().get_body(preferencelist=("html",)).get_content()
    assert "Spring sale" in html and "See books" in html and "春季特賣" not in html
