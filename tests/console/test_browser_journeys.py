"""In a real browser: a marketer builds the lead-to-first-purchase journey and switches it on; a
customer signs up on the LINE stand-in, gets the journey's message, buys through the shop API, and
the journey page shows the conversion."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from models import Customer, Journey
from tests.care_helpers import button_data, press, say, to_customer
from tests.commerce import api_key
from tests.console.conftest import screenshot
from tests.journeys.helpers import tick


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_marketer_builds_the_lead_journey_and_sees_the_conversion(runtime, page_for, server, chat, db, clock):
    page = page_for("marketer")
    page.goto("/console/journeys")
    page.click("#new-journey")
    page.fill("input[name=name]", "新會員到首購")
    page.select_option("select[name=trigger_kind]", "lead_captured")
    page.select_option("select[name=goal]", "first_purchase")
    page.select_option("select[name=add_kind]", "message")
    page.click("#add-step-button")
    page.fill("textarea[name='s.message_1.text.zh-TW']", "{name}，歡迎加入！這週新書 9 折，別錯過。")
    page.fill("textarea[name='s.message_1.text.en']", "{name}, welcome! New books 10% off this week.")
    page.select_option("select[name=add_kind]", "wait")
    page.select_option("select[name=add_where]", "after:message_1")
    page.click("#add-step-button")
    page.fill("input[name='s.wait_1.days']", "3")
    page.select_option("select[name=add_kind]", "message")
    page.select_option("select[name=add_where]", "after:wait_1")
    page.click("#add-step-button")
    page.fill("textarea[name='s.message_2.text.zh-TW']", "{name}，你的歡迎券快到期了。")
    page.click("#save-journey")
    page.wait_for_url("**/console/journeys/*")
    assert "王小明，歡迎加入！這週新書 9 折，別錯過。" in page.locator("#step-message_1 .preview").inner_text()
    page.click("#status-active")
    assert page.locator("#journey-status").inner_text() == "啟用中"
    screenshot(page, "journey-builder")

    # the customer signs up on LINE (the lead capture dialogue) and so enters the journey
    assert "lead:start" in button_data(chat.send("follow"))
    press(chat, "lead:start")
    say(chat, "王小明")
    say(chat, "ming@example.com")
    press(chat, "lead:value:3")
    say(chat, "台北")
    chat.send("message", text="文學")
    press(chat, "lead:consent:yes")
    clock.advance(hours=1)
    tick(runtime, clock.now())
    assert to_customer(chat.replies(), chat.user) == ["王小明，歡迎加入！這週新書 9 折，別錯過。"]

    customer_id = db.scalar(select(Customer.id).where(Customer.email == "ming@example.com"))
    answer = requests.post(f"{server}/api/v1/orders", timeout=30, headers={"Authorization": f"Bearer {api_key(runtime)}"},
                           json={"customer": {"id": customer_id}, "amount": 880, "idempotency_key": "first-buy",
                                 "placed_at": clock.now().isoformat()})
    assert answer.status_code == 201 and answer.json()["first_purchase"] is True
    clock.advance(days=3)
    tick(runtime, clock.now())
    assert "你的歡迎券快到期了" not in " ".join(to_customer(chat.replies(), chat.user))  # left at the goal

    journey_id = db.scalar(select(Journey.id).where(Journey.name == "新會員到首購"))
    page.goto(f"/console/journeys/{journey_id}")
    assert page.locator("#journey-stats [data-count=entered]").inner_text() == "1"
    assert page.locator("#journey-stats [data-count=converted]").inner_text() == "1"
    assert page.locator("#conversion-table [data-count=treated-converted]").inner_text() == "1"
    assert "100.0 %" in page.locator("#conversion-sentence").inner_text()
    screenshot(page, "journey-results")
    assert page.dialogs == []
