"""In a real browser: a marketer adds a picture and a card to a broadcast, previews it (the Flex
preview, nothing saved), saves it, and LINE receives the same card as a Flex message."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Broadcast, Segment
from tests.console.conftest import screenshot
from tests.console.factories import add_customer


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_marketer_previews_and_sends_a_broadcast_card(runtime, page_for, worker, standin, db):
    with runtime.sessions.begin() as s:
        add_customer(s, "美玲", line="U1", consent=("line",))
        s.add(Segment(name="everyone", criteria={}))
    page = page_for("marketer")
    page.goto("/console/broadcasts/new")
    page.fill("input[name=name]", "春季特賣")
    page.select_option("select[name=segment_id]", label="everyone")
    page.fill("textarea[name=text]", "{name}，春季特賣開始了！")
    page.fill("input[name=holdout_percent]", "0")
    page.click("#broadcast-card summary")
    page.fill("input[name=image_url]", "https://cdn.shop.example/spring.jpg")
    page.fill("input[name=card_title]", "春季特賣 <b>")
    page.fill("textarea[name=card_fields]", "期間：3/1–3/7")
    page.fill("input[name=button1_label]", "看商品")
    page.fill("input[name=button1_data]", "https://shop.example/spring")
    page.click("button[name=preview]")
    preview = page.locator("#broadcast-card-preview")
    preview.wait_for()
    assert "春季特賣 <b>" in preview.inner_text() and "看商品" in preview.inner_text()  # escaped, shown as typed
    assert db.scalar(select(func.count()).select_from(Broadcast)) == 0
    screenshot(page, "marketer-broadcast-card-preview")
    page.click("#broadcast-form button[type=submit]")
    page.wait_for_url("**/console/broadcasts/*")
    assert page.locator("#broadcast-card-preview").is_visible()
    worker.drain()
    [flex] = standin.deliveries[0]["messages"]
    assert flex["type"] == "flex" and flex["contents"]["hero"]["url"] == "https://cdn.shop.example/spring.jpg"
    assert flex["contents"]["body"]["contents"][1]["text"] == "美玲，春季特賣開始了！"
