"""In a real browser (Debian's Chromium), SQLite only: a complaint from LINE worked end to end from
the queue (claim, reply, resolve, CSAT), the staff's and the admin's main paths,
hostile customer text shown as text, 403 for the wrong role, CSRF, the login throttle, phone size.
A PostgreSQL smoke test of the same path lives in test_browser_pg.py."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.crm.surveys import send_due_surveys
from models import CannedReply, Conversation, Order, Survey, Ticket, utcnow
from tests.console.conftest import PASSWORDS, screenshot, sign_in

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
USER = "U0123456789abcdef0123456789abcdef"
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


def test_a_complaint_from_line_is_claimed_answered_and_resolved_and_csat_is_asked(chat, runtime, page_for, worker, standin, db):
    with runtime.sessions.begin() as s:
        s.add(CannedReply(title="到貨", text="您訂的書已到貨，歡迎來店取書。"))
    page = page_for("staff")
    assert page.url.endswith("/console/queue") and page.locator("#queue tr.empty").is_visible()
    apology = chat.say(f"{HOSTILE[0]} 太爛了，我要退款")  # a complaint through the signed LINE webhook opens a ticket
    assert "案件編號 1" in apology[0]
    assert chat.say(HOSTILE[1]) == []  # staff hold the chat now: the bot stays quiet
    worker.fetch_profiles_once()  # LINE's profile: the picture the queue shows beside the name
    row = page.locator('#queue tbody tr[data-id="1"]')
    row.wait_for()  # the queue's own refresh brings the new ticket, with claim and assign forms built in the page
    picture = row.locator("img.avatar")
    picture.wait_for(state="attached")
    assert picture.get_attribute("src").startswith("https://profile.line-scdn.net/")
    assert HOSTILE[1] in row.locator(".subject").inner_text()  # the newest message, as text
    assert row.locator(".clock").get_attribute("data-due") == db.get(Ticket, 1).first_response_due.isoformat()
    page.wait_for_function("() => document.querySelector('#queue .clock').textContent.includes('剩餘')")  # the countdown ticks
    assert "首次回覆" in row.locator(".clock-name").inner_text()
    screenshot(page, "staff-queue")
    row.locator("form.claim button").click()
    page.wait_for_url("**/console/queue")
    assert page.locator("#queue tbody tr .assignee").first.inner_text() == "staff@shop.test"
    assert page.locator("#queue form.claim").count() == 0 and db.get(Ticket, 1).assignee == "staff@shop.test"
    page.locator("#queue tbody tr a").first.click()
    page.wait_for_url("**/console/conversations/1")
    shown = page.locator("#timeline .msg.in .text").all_inner_texts()
    assert any(HOSTILE[0] in text for text in shown) and HOSTILE[1] in shown
    assert page.locator("#timeline img").count() == 0 and page.locator("#timeline script").count() == 0
    assert page.locator("#ticket-assignee").inner_text() == "staff@shop.test" and page.locator("#hand-back").count() == 0
    page.select_option("#canned", label="到貨")
    assert page.input_value("#reply-text") == "您訂的書已到貨，歡迎來店取書。"
    page.fill("#reply-text", "您好！<b>我們馬上為您退款</b>")
    page.click("#reply button[type=submit]")
    page.wait_for_url("**/console/conversations/1#reply")
    last = page.locator("#timeline .msg.out").last
    assert last.locator(".text").inner_text() == "您好！<b>我們馬上為您退款</b>"
    assert "status-pending" in last.locator(".delivery .badge").get_attribute("class")
    assert "解決" in page.locator("#ticket dt").first.inner_text()  # answered: the resolution clock runs now
    worker.drain()  # the delivery worker sends it to the LINE stand-in
    pushes = [d for d in standin.deliveries if d["kind"] == "push"]
    assert pushes[-1]["to"] == [USER] and pushes[-1]["messages"][0]["text"] == "您好！<b>我們馬上為您退款</b>"
    page.wait_for_function("() => document.querySelector('#timeline .msg.out:last-child .delivery .badge').className.includes('status-sent')")
    chat.replies()
    chat.say("太好了 <b>謝謝</b>")  # a new customer message appears without a reload
    page.wait_for_function("() => [...document.querySelectorAll('#timeline .msg.in .text')].some(e => e.textContent === '太好了 <b>謝謝</b>')")
    page.fill("#notes textarea", "常客，喜歡推理小說")
    page.click("#notes button[type=submit]")
    assert "常客，喜歡推理小說" in page.locator("#notes").inner_text()
    page.fill("#purchase-form input[name=amount]", "680")
    page.fill("#purchase-form input[name=items]", "推理小說")
    page.click("#purchase-form button[type=submit]")
    assert "NT$680" in page.locator("#orders").inner_text()
    assert [o.amount for o in db.all(select(Order))] == [680]
    screenshot(page, "staff-conversation")
    page.fill("#resolve input[name=reason]", "已全額退款")
    page.click("#resolve button[type=submit]")
    assert page.locator("#take-over").is_visible() and page.locator("#ticket").count() == 0
    assert db.get(Ticket, 1).status == "resolved" and db.get(Conversation, 1).handled_by == "bot"
    assert "已結案" in page.locator("#tickets-panel").inner_text()
    with runtime.sessions.begin() as s:  # the survey job, once the configured delay has passed
        assert send_due_surveys(s, runtime.settings, utcnow() + timedelta(minutes=runtime.settings.surveys.after_ticket_minutes)) == 1
    # The purchase above also earned points (a message of its own); the CSAT question is the one with ratings.
    [question] = [d for d in chat.replies() if d["to"] == [USER] and "csat:" in json.dumps(d["messages"])]
    ticket_survey = db.scalar(select(Survey.id).where(Survey.kind == "ticket"))
    assert [item["action"]["data"] for item in question["messages"][0]["quickReply"]["items"]] == [
        f"csat:{ticket_survey}:{n}" for n in range(1, 6)]
    assert page.dialogs == []  # nothing the customer wrote ran


def test_customer_search_and_profile_on_a_phone(chat, runtime, page_for):
    chat.say("<img src=x onerror=alert(2)>")
    page = page_for("staff", viewport={"width": 375, "height": 740})
    page.goto("/console/customers?q=1")
    page.click("#customer-list a >> nth=0")
    assert "<img src=x onerror=alert(2)>" in page.locator("#timeline").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1  # no sideways scrolling
    assert not page.locator("nav.nav").is_visible()
    page.click("label.nav-button")
    assert page.locator("nav.nav").is_visible()
    screenshot(page, "staff-customer-phone")
    assert page.dialogs == []


def test_a_marketer_opening_a_staff_page_gets_403(chat, page_for):
    chat.say("hi")
    page = page_for("marketer")
    for path in ("/console/queue", "/console/conversations/1", "/console/admin/users"):
        response = page.goto(path)
        assert response.status == 403 and "您的角色（行銷）沒有權限" in page.locator("#error-description").inner_text()
    staff = page_for("staff")
    assert staff.goto("/console/segments").status == 403
    screenshot(page, "forbidden")


def test_a_post_without_the_csrf_token_is_refused(page_for, db):
    page = page_for("admin")
    response = page.request.post("/console/admin/canned", form={"title": "x", "text": "y"})
    assert response.status == 400
    response = page.request.post("/console/admin/canned", form={"title": "x", "text": "y", "csrf_token": "guess"})
    assert response.status == 400
    assert db.all(select(CannedReply)) == []
    token = page.locator("body").get_attribute("data-csrf")
    assert page.request.post("/console/admin/canned", form={"title": "x", "text": "y", "csrf_token": token}).status == 200


def test_five_wrong_passwords_are_slowed_down_then_locked(page_for):
    page = page_for(None)
    started = time.monotonic()
    for _ in range(5):
        sign_in(page, "staff@shop.test", "wrong-password")
        assert "錯誤" in page.locator("#login-error").inner_text() or "Wrong" in page.locator("#login-error").inner_text()
    assert time.monotonic() - started >= 5 * 0.5  # each failure costs the guesser half a second
    sign_in(page, "staff@shop.test", PASSWORDS["staff"])  # even the right password waits now
    assert "/console/login" in page.url
    message = page.locator("#login-error").inner_text()
    assert "15" in message and ("分鐘" in message or "minutes" in message)
    screenshot(page, "login-locked")


def test_admin_manages_users_canned_replies_and_sees_channel_status(page_for, runtime, settings, db):
    runtime.settings = settings.replace(web={"public_url": "https://bot.example.tw"})
    page = page_for("admin")
    page.goto("/console/admin/users")
    page.fill("#add-user input[name=email]", "new.staff@shop.test")
    page.select_option("#add-user select[name=role]", "staff")
    page.click("#add-user button[type=submit]")
    password = page.locator("#new-password code").inner_text()
    assert len(password) >= 16
    screenshot(page, "admin-users")
    page.goto("/console/admin/canned")
    page.fill("#new-canned input[name=title]", "營業時間")
    page.fill("#new-canned textarea[name=text]", "我們每天 11:00 開門。")
    page.click("#new-canned button[type=submit]")
    assert db.scalar(select(CannedReply.text)) == "我們每天 11:00 開門。"
    page.goto("/console/admin/channels")
    assert "https://bot.example.tw/webhooks/line" in page.locator("#channels").inner_text()
    screenshot(page, "admin-channels")
    fresh = page_for(None)
    sign_in(fresh, "new.staff@shop.test", password)
    assert fresh.url.endswith("/console/queue")


def test_english_switch(page_for):
    page = page_for("staff")
    assert "客服佇列" in page.locator("nav").inner_text()
    page.click("header form.lang button")
    assert "Queue" in page.locator("nav").inner_text() and page.url.endswith("/console/queue")
    page.goto("/console/customers")
    assert "Customers" in page.locator("h1").inner_text()
