"""LINE sources without a payload: the lead campaigns page offers the campaign's LINE link
(oaMessage with "#<code>" typed in) and its QR code beside Telegram's; a customer who sends the
keyword is recorded as that campaign's lead and welcomed with its incentive."""

from __future__ import annotations

import io
from urllib.parse import unquote

import segno
from sqlalchemy import select

from models import Customer, LeadCampaign
from tests.commerce import followed_customer


def test_the_campaigns_page_offers_line_and_telegram_side_by_side(console, runtime, settings):
    runtime.settings = settings.replace(console={"telegram_bot_username": "qingtian_bot", "line_basic_id": "@123abcde"})
    marketer = console("marketer")
    page = marketer.post("/console/campaigns", {"name": "春季", "code": "spring", "incentive": "9 折"}).text
    link = "https://line.me/R/oaMessage/%40123abcde/?"
    assert link in page and "https://t.me/qingtian_bot?start=src_spring" in page
    start = page.index(link)
    line = page[start:page.index("<", start)]
    assert unquote(line.split("?", 1)[1]) == "我想參加活動 #spring"
    qr = marketer.get("/console/campaigns/1/line-qr.png")
    expected = io.BytesIO()
    segno.make(line.replace("&amp;", "&"), error="m").save(expected, kind="png", scale=8, border=2)
    assert qr.status_code == 200 and qr.content == expected.getvalue()
    runtime.settings = settings.replace(console={"line_basic_id": ""})
    assert marketer.get("/console/campaigns/1/line-qr.png").status_code == 409


def test_the_keyword_records_the_campaign_as_the_source(chat, db, runtime):
    with runtime.sessions.begin() as session:
        session.add(LeadCampaign(code="spring", name="春季", incentive="春季限定 9 折"))
    customer_id = followed_customer(chat, db)
    assert db.get(Customer, customer_id).lead_source is None
    reply = chat.say("我想參加活動 #spring")
    assert "春季限定 9 折" in "\n".join(reply)
    assert db.get(Customer, customer_id).lead_source == "campaign:spring"
    chat.say("#nothing here")  # not a campaign: an ordinary message
    assert db.scalar(select(Customer.lead_source).where(Customer.id == customer_id)) == "campaign:spring"
