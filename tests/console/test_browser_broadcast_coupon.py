"""In a real browser: a marketer writes a broadcast with an English text beside the Chinese one and
a coupon for each recipient; each customer gets the text in their language with a code of their
own, and the recipients page shows each code. Over HTTP: the form's refusals for the new fields."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Broadcast, Coupon, Segment
from tests.console.conftest import screenshot
from tests.console.factories import add_customer


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_broadcast_with_a_coupon_and_an_english_text(runtime, page_for, worker, standin, db):
    with runtime.sessions.begin() as s:
        add_customer(s, "美玲", line="U1", consent=("line",), language="zh-TW")
        add_customer(s, "Amy", line="U2", consent=("line",), language="en")
        s.add(Segment(name="everyone", criteria={}))
    page = page_for("marketer")
    page.goto("/console/broadcasts/new")
    page.fill("input[name=name]", "週年慶")
    page.select_option("select[name=segment_id]", label="everyone")
    page.fill("textarea[name=text]", "{name}，週年慶優惠碼：{coupon}")
    page.click("details summary")
    page.fill("textarea[name=text_en]", "{name}, your anniversary code: {coupon}")
    page.select_option("select[name=coupon_template]", "SORRY15")
    page.fill("input[name=holdout_percent]", "0")
    screenshot(page, "marketer-broadcast-coupon-new")
    page.click("#broadcast-form button[type=submit]")
    page.wait_for_url("**/console/broadcasts/*")
    assert page.locator("#broadcast-coupon").inner_text() == "SORRY15"
    worker.drain()
    page.wait_for_function("() => document.getElementById('progress').value === 100")

    codes = {c.customer_id: c.code for c in db.all(select(Coupon).where(Coupon.source.like("broadcast:%")))}
    texts = sorted((d["to"][0], d["messages"][0]["text"]) for d in standin.deliveries)
    assert texts == [("U1", f"美玲，週年慶優惠碼：{codes[1]}"), ("U2", f"Amy, your anniversary code: {codes[2]}")]
    page.click("#recipients-link")
    table = page.locator("#recipients").inner_text()
    assert codes[1] in table and codes[2] in table
    screenshot(page, "marketer-broadcast-coupon-recipients")


def test_the_form_refuses_a_coupon_field_without_a_coupon_and_an_unknown_template(runtime, console, db):
    with runtime.sessions.begin() as s:
        s.add(Segment(name="everyone", criteria={}))
    segment_id = db.scalar(select(Segment.id))
    marketer = console("marketer")
    base = {"name": "x", "segment_id": str(segment_id), "text": "hi {coupon}", "holdout_percent": "0", "schedule": "now"}
    page = marketer.post("/console/broadcasts", base)
    assert page.status_code == 400 and "{coupon} 需要選一種優惠券才能填入" in page.text  # the console speaks zh-TW by default
    page = marketer.post("/console/broadcasts", {**base, "text": "hi", "coupon_template": "NOPE"})
    assert page.status_code == 400 and "&#39;NOPE&#39; is not an active coupon template" in page.text
    page = marketer.post("/console/broadcasts", {**base, "text": "hi", "text_en": "Hi {nmae}"})
    assert page.status_code == 400 and "unknown field {nmae}" in page.text
    assert db.scalar(select(Broadcast.id)) is None  # nothing saved
    saved = marketer.post("/console/broadcasts", {**base, "text": "hi {coupon}", "text_en": "Hi {coupon}", "coupon_template": "SORRY15"})
    assert saved.status_code == 200 and db.get(Broadcast, 1).translations == {"en": "Hi {coupon}"}
