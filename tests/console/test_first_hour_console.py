"""The console points of the first hour, over HTTP on both databases: the
timeline names the button a customer pressed and shows the broadcasts they received; a ticket
reopened by a low score keeps its customer and subject in the queue; the SLA chart agrees with its
table before any clock has an outcome; a purchase that moves a customer up a tier reports its gift
coupon (console and API); the churn watch's tasks are listed for staff and on the customer's page;
stored codes (lead source, ledger notes, channels) read as words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import select

from bot.console.customers import timeline
from bot.crm import tickets
from jobs import journeys
from jobs.broadcasts import run_due_broadcasts
from models import Broadcast, Coupon, Customer, Message, Order, PointsEntry, Segment, StaffTask, Survey, utcnow
from tests.care_helpers import say
from tests.commerce import add_order, api_key, followed_customer
from tests.conftest import CLOCK_START
from tests.console.test_zh_tw_walk import visible_text


def offered_label(deliveries: list[dict], data: str) -> str:
    for delivery in deliveries:
        for message in delivery["messages"]:
            for item in (message.get("quickReply") or {}).get("items", []):
                if item["action"].get("data") == data:
                    return item["action"]["label"]
    raise AssertionError(f"no button {data!r} offered")


def test_the_timeline_names_the_pressed_button_and_shows_received_broadcasts(chat, console, runtime, db):
    label = offered_label(chat.send("follow"), "faq:1")
    chat.press("faq:1")
    with runtime.sessions.begin() as s:
        segment = Segment(name="全部", criteria={})
        s.add(segment)
        s.flush()
        s.add(Broadcast(name="春季書展", segment_id=segment.id, text="春季書展開跑，{name}！", status="scheduled", send_at=utcnow()))
    run_due_broadcasts(runtime.sessions, runtime.settings)
    chat.replies()
    staff = console("staff")
    page = staff.get("/console/customers/1").text
    assert f"按了「{label}」" in page and "faq:1" not in page
    assert "群發：春季書展" in page and "春季書展開跑" in page
    assert page.index(f"按了「{label}」") < page.index("群發：春季書展")  # in time order
    polled = staff.get("/console/customers/1/timeline.json?after=0").json()["messages"]
    assert [m["pressed"] for m in polled if m["kind"] == "postback"] == [f"按了「{label}」"]
    assert all(m["id"] > 0 for m in polled)  # the poll continues from real messages only

    # the offer is older than the page: one query finds it
    postback_id = db.scalar(select(Message.id).where(Message.kind == "postback"))
    with runtime.sessions() as s:
        entries, _more = timeline(s, 1, None, after_id=postback_id - 1)
    assert [e.pressed for e in entries if e.kind == "postback"] == [label]


def test_a_ticket_reopened_by_a_low_score_keeps_its_customer_and_subject(chat, console, runtime, clock, scheduler, db):
    say(chat, "書寄來就破了，太爛了")
    clock.set(CLOCK_START + timedelta(minutes=30))
    with runtime.sessions.begin() as s:
        tickets.resolve(s, runtime.settings, 1, "amy", clock.now())
    clock.advance(minutes=10)
    scheduler.run_interval_jobs()
    chat.replies()
    assert db.scalar(select(Survey.status).where(Survey.kind == "ticket")) is not None
    say(chat, "1")
    staff = console("staff")
    row = re.search(r'<tr class="priority-\w+ ticket-\w+" data-id="1">(.*?)</tr>', staff.get("/console/queue").text, re.S).group(1)
    subject = re.search(r'<td class="subject">(.*?)</td>', row, re.S).group(1)
    assert subject == "書寄來就破了，太爛了"
    assert "顧客 #1" in row and "已重開" in row
    polled = staff.get("/console/queue.json").json()["tickets"][0]
    assert (polled["subject"], polled["reopened"], polled["customer_id"]) == ("書寄來就破了，太爛了", True, 1)


def test_the_sla_chart_agrees_with_its_table_before_any_outcome(chat, console):
    say(chat, "我要找真人")  # a ticket whose clocks are still running, before their deadline
    page = console("marketer").get("/console/reports").text
    section = page[page.index('id="report-sla"'):page.index('id="report-recovery"')]
    table_row = re.findall(r"<td>(.*?)</td>", section[section.index("<tbody>"):])
    assert table_row[4] == "—"  # first response on time %: no outcome yet
    chart_value = re.search(r'class="chart-value">(.*?)</text>', section).group(1)
    assert chart_value == "—"


def test_a_purchase_that_moves_a_customer_up_reports_its_gift(chat, console, runtime, db, server):
    customer = followed_customer(chat, db)
    for day in range(1, 5):
        add_order(runtime, customer, 700, days_ago=day)  # 4 purchases: one short of Silver
    staff = console("staff")
    page = staff.get(f"/console/customers/{customer}").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    done = staff.post(f"/console/customers/{customer}/purchases", {"amount": "700", "idempotency_key": key})
    gift = db.scalar(select(Coupon).where(Coupon.source == "tier-up:3"))
    assert gift is not None
    assert f"顧客升級為銀卡會員：已發出禮券 {gift.code}" in done.text
    again = staff.post(f"/console/customers/{customer}/purchases", {"amount": "700", "idempotency_key": key})
    assert "這筆消費已經記錄過了" in again.text and "已發出禮券" not in again.text

    other = followed_customer(chat, db, user="U" + "c" * 32)
    for day in range(1, 5):
        add_order(runtime, other, 700, days_ago=day)
    answer = requests.post(f"{server}/api/v1/orders", timeout=10, headers={"Authorization": f"Bearer {api_key(runtime)}",
                                                                             "Idempotency-Key": "tier-up-1"},
                           json={"customer": {"id": other}, "amount": 700})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    issued = db.scalar(select(Coupon).where(Coupon.customer_id == other, Coupon.source == "tier-up:3"))
    assert body["customer"]["tier"] == 3 and issued.code in [c["code"] for c in body["coupons_issued"]]


def test_the_churn_watch_tasks_are_in_the_console(chat, console, runtime, db):
    gold = followed_customer(chat, db)
    now = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)  # 11:00 in Taipei: the journey's message is not held for quiet hours
    for n in range(12):
        add_order(runtime, gold, 1000, now=now, days_ago=150 + 10 * n)
    with runtime.sessions.begin() as s:
        s.get(Customer, gold).tier = 2
        s.get(Customer, gold).display_name = "林<b>大</b>"
    assert journeys.daily(runtime.sessions, runtime.settings, now) == 1  # the churn watch is a journey now
    journeys.tick(runtime.sessions, runtime.settings, now)
    staff = console("staff")
    listing = staff.get("/console/tasks").text
    assert "林&lt;b&gt;大&lt;/b&gt;（高等級顧客）已 150 天沒有消費，平常約每 10 天消費一次。" in listing
    assert "機器人已發送關懷訊息" in listing and f'href="/console/customers/{gold}"' in listing
    profile = staff.get(f"/console/customers/{gold}").text
    assert 'id="tasks-panel"' in profile and "已 150 天沒有消費" in profile
    task_id = db.scalar(select(StaffTask.id))
    assert console("marketer").post(f"/console/tasks/{task_id}/done").status_code == 403
    done = staff.post(f"/console/tasks/{task_id}/done", {"next": f"/console/customers/{gold}"})
    assert done.url.endswith(f"/console/customers/{gold}") and f"待辦 #{task_id} 已完成" in done.text
    assert db.get(StaffTask, task_id).status == "done" and db.get(StaffTask, task_id).done_at is not None
    assert "目前沒有待辦事項" in staff.get("/console/tasks").text
    assert "已 150 天沒有消費" in staff.get("/console/tasks?status=all").text
    assert staff.post("/console/tasks/999/done").status_code == 404


def test_stored_codes_read_as_words_on_the_customers_page(chat, console, runtime, db):
    customer = followed_customer(chat, db)
    referrer = followed_customer(chat, db, user="U" + "d" * 32)
    with runtime.sessions.begin() as s:
        s.get(Customer, customer).lead_source = "line:direct"
        s.get(Customer, customer).referred_by_id = referrer
        s.get(Customer, referrer).lead_source = "referral:ABCD2345"
    add_order(runtime, customer, 500)
    staff = console("staff")
    page = staff.get(f"/console/customers/{customer}").text
    order_id = db.scalar(select(Order.id).where(Order.customer_id == customer))
    assert "LINE · 直接加入" in page and "line:direct" not in visible_text(page)
    assert "消費累積 +" in page and f"訂單 #{order_id}" in page and "purchase" not in visible_text(page)
    assert "LINE · 加入好友" in page and "繁體中文" in page
    referrer_page = staff.get(f"/console/customers/{referrer}").text
    assert "推薦碼 ABCD2345" in referrer_page and "推薦獎勵 +" in referrer_page
    assert f"顧客 #{customer} 首購" in referrer_page and "first purchase" not in visible_text(referrer_page)
    assert db.scalar(select(PointsEntry.note).where(PointsEntry.kind == "referral")) == f"customer {customer} first purchase"


def test_a_service_is_named_not_coded(console):
    page = console("staff").get("/console/appointments").text
    options = re.search(r'<select name="service">(.*?)</select>', page, re.S).group(1)
    assert ">選書諮詢</option>" in options and ">consult</option>" not in options
