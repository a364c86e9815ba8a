"""Cards on LINE: the member card and "my coupons" as Flex Messages through the real SDK, checked by
the stand-in against the SDK's own models and LINE's limits; code pictures behind signed URLs;
the till finds the customer by the member code."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from bot.crm.coupons import issue_coupon
from bot.events import Button, Card, CardField, Outbound
from channels.base import Delivery, DeliveryError
from channels.line.adapter import LineChannel
from models import Customer
from tests.commerce import api_key, followed_customer
from tests.conftest import ACCESS_TOKEN, CHANNEL_SECRET, make_settings

PUBLIC = "https://shop.example"


@pytest.fixture
def settings(db_url, tmp_path, standin):
    return make_settings(db_url, tmp_path, standin.url, BOT_WEB_PUBLIC_URL=PUBLIC)


def flex_messages(deliveries):
    return [m for d in deliveries for m in d["messages"] if m["type"] == "flex"]


def images(node):
    if isinstance(node, dict):
        found = [node["url"]] if node.get("type") == "image" else []
        for value in node.values():
            found += images(value)
        return found
    if isinstance(node, list):
        return [url for child in node for url in images(child)]
    return []


def test_member_card_is_a_flex_bubble_with_scannable_code(chat, db, server, runtime):
    customer_id = followed_customer(chat, db)
    [flex] = flex_messages(chat.send("message", text="會員卡"))
    code = db.scalar(select(Customer.member_code).where(Customer.id == customer_id))
    assert code and code.startswith("M") and len(code) == 10
    assert code in flex["altText"] and "會員卡" in flex["altText"]
    assert flex["contents"]["type"] == "bubble"
    qr, barcode = images(flex["contents"])
    assert qr.startswith(f"{PUBLIC}/codes/qr/") and barcode.startswith(f"{PUBLIC}/codes/barcode/")
    # our server draws them: PNG for the signed address, 404 for an altered one
    for url in (qr, barcode):
        answer = requests.get(server + url.removeprefix(PUBLIC), timeout=5)
        assert answer.status_code == 200 and answer.content.startswith(b"\x89PNG")
        assert "private" in answer.headers["Cache-Control"]
    forged = qr.replace(".png", "").rsplit(".", 1)[0] + ".aaaaaaaaaaaaaaaaaaaaaaaaaa.png"
    assert requests.get(server + forged.removeprefix(PUBLIC), timeout=5).status_code == 404
    # the same code the second time, and the till finds the customer by it
    [again] = flex_messages(chat.send("postback", postback="member:card"))
    assert code in again["altText"]
    key = api_key(runtime, "pos")
    found = requests.get(f"{server}/api/v1/customers", params={"member_code": code.lower()},
                         headers={"Authorization": f"Bearer {key}"}, timeout=5)
    assert found.status_code == 200 and found.json()["id"] == customer_id
    assert found.json()["member_code"] == code
    missing = requests.get(f"{server}/api/v1/customers", params={"member_code": "M000000000"},
                           headers={"Authorization": f"Bearer {key}"}, timeout=5)
    assert missing.status_code == 404


def test_my_coupons_is_a_carousel_of_coupon_cards(chat, db, runtime):
    customer_id = followed_customer(chat, db)
    with runtime.sessions.begin() as session:
        for template in ("FREECOFFEE", "SILVER100"):
            issue_coupon(session, customer_id, template, source="test")
    [flex] = flex_messages(chat.send("message", text="我的優惠券"))
    assert flex["contents"]["type"] == "carousel"
    bubbles = flex["contents"]["contents"]
    assert len(bubbles) >= 2
    assert all(images(b)[0].startswith(f"{PUBLIC}/codes/qr/") for b in bubbles)
    assert "優惠券" in flex["altText"]


def _channel(standin):
    return LineChannel(CHANNEL_SECRET, ACCESS_TOKEN, standin.url)


def test_the_standin_refuses_what_line_refuses(standin):
    channel = _channel(standin)
    good = Outbound("會員卡", card=Card("會員卡", "hi", fields=(CardField("點數", "10"),), buttons=(Button("兌換", "redeem:list"),),
                                       code="M12345", qr_url="https://shop.example/q.png"))
    assert channel.send(Delivery("U" + "1" * 32, [good], idempotency_key="00000000-0000-4000-8000-000000000001")).transport == "push"
    plain_http = Outbound("x", card=Card("t", image_url="http://shop.example/a.png"))
    with pytest.raises(DeliveryError) as refused:
        channel.send(Delivery("U" + "1" * 32, [plain_http], idempotency_key="00000000-0000-4000-8000-000000000002"))
    assert refused.value.status == 400 and "uri" in refused.value.reason
    # a hand-made Flex body the SDK's models do not know
    answer = requests.post(f"{standin.url}/v2/bot/message/push", headers={"Authorization": f"Bearer {ACCESS_TOKEN}"},
                           json={"to": "U1", "messages": [{"type": "flex", "altText": "x", "contents": {
                               "type": "bubble", "body": {"type": "box", "layout": "vertical",
                                                          "contents": [{"type": "textbox", "text": "hi"}]}}}]}, timeout=5)
    assert answer.status_code == 400
    too_long = requests.post(f"{standin.url}/v2/bot/message/push", headers={"Authorization": f"Bearer {ACCESS_TOKEN}"},
                             json={"to": "U1", "messages": [{"type": "flex", "altText": "x" * 1501, "contents": {
                                 "type": "bubble", "body": {"type": "box", "layout": "vertical",
                                                            "contents": [{"type": "text", "text": "hi"}]}}}]}, timeout=5)
    assert too_long.status_code == 400 and "altText" in too_long.json()["message"]
    channel.close()


def test_a_card_survives_the_outbox_round_trip():
    card = Card("t", "x", fields=(CardField("a", "b"),), buttons=(Button("l", "d"),), code="C1", code_kind="qr+barcode")
    message = Outbound("words", carousel=(card, card))
    assert Outbound.from_json(message.to_json()) == message
    with pytest.raises(ValueError):
        Card("t", buttons=(Button("a", "a"),) * 4)
    with pytest.raises(ValueError):
        Card("t", code_kind="pdf417")


def test_the_loading_animation_shows_while_the_bot_works_on_a_reply(chat, standin):
    chat.say("會員卡")
    assert [entry["chat_id"] for entry in standin.loading] == [chat.user]
    assert standin.loading[0]["seconds"] == 5
    channel = _channel(standin)
    with pytest.raises(DeliveryError) as refused:  # LINE shows it only in one-on-one chats
        channel.show_loading("C" + "1" * 32)
    assert refused.value.status == 400
    with pytest.raises(DeliveryError):
        channel.show_loading(chat.user, seconds=7)
    channel.close()


def test_a_refused_loading_animation_never_costs_the_reply(chat, standin):
    standin.add_fault("/v2/bot/chat/loading/start", status=500, times=5)
    assert chat.say("會員卡")  # answered all the same
