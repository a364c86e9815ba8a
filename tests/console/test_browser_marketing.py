"""In a real browser, SQLite only: the marketer's main paths. A segment with a live count, a
broadcast that reaches its recipients at the LINE stand-in with its progress bar and results,
lead campaigns with a QR code, and the reports with CSV downloads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Broadcast, BroadcastRecipient, Order, OutboxMessage, utcnow
from tests.console.conftest import screenshot
from tests.console.factories import add_customer

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_segment_broadcast_progress_and_results(chat, runtime, page_for, worker, standin, db):
    users = [f"U{index:032x}" for index in range(12)]
    for user in users:  # following the LINE account grants marketing consent on LINE
        chat.send("follow", user=user)
    chat.replies()
    with runtime.sessions.begin() as s:
        add_customer(s, "沒有同意", line="Unoconsent", tier=5)
        add_customer(s, "老顧客", line="Uvip", consent=("line",), tier=1)
    page = page_for("marketer")
    page.goto("/console/segments")
    page.fill("input[name=name]", "LINE 潛在顧客")
    page.check("input[name=tiers][value='5']")
    page.wait_for_function("() => document.getElementById('segment-count').textContent === '13'")
    page.select_option("select[name=channel]", "line")
    page.select_option("select[name=consent]", "marketing")
    page.wait_for_function("() => document.getElementById('segment-count').textContent === '12'")
    assert page.locator("#segment-sample li").count() == 10
    page.fill("input[name=r_min]", "9")
    page.wait_for_function("() => document.getElementById('segment-errors').textContent.includes('r_min')")
    page.fill("input[name=r_min]", "")
    screenshot(page, "marketer-segment")
    page.click("#segment-form button[type=submit]")
    assert "LINE 潛在顧客" in page.locator("#saved-segments").inner_text()
    page.uncheck("input[name=tiers][value='5']")  # a second segment: everyone reachable on LINE, consent or not
    page.select_option("select[name=consent]", "")
    page.goto("/console/broadcasts/new")
    page.fill("input[name=name]", "春季書展")
    page.select_option("select[name=segment_id]", label="LINE 潛在顧客")
    page.fill("textarea[name=text]", "春季書展開跑，全館 85 折！")
    page.fill("input[name=holdout_percent]", "25")
    screenshot(page, "marketer-broadcast-new")
    page.click("#broadcast-form button[type=submit]")
    page.wait_for_url("**/console/broadcasts/*")
    assert page.locator("#progress").get_attribute("value") == "0.0"
    assert page.locator("[data-count=treated]").inner_text() == "9" and page.locator("[data-count=control]").inner_text() == "3"
    worker.drain()  # the delivery worker sends the multicast
    page.wait_for_function("() => document.getElementById('progress').value === 100")
    page.wait_for_function("() => document.getElementById('broadcast-status').className.includes('status-done')")
    multicasts = [d for d in standin.deliveries if d["kind"] == "multicast"]
    assert len(multicasts) == 1 and multicasts[0]["messages"][0]["text"] == "春季書展開跑，全館 85 折！"
    broadcast = db.scalar(select(Broadcast))
    control = {r.address for r in db.all(select(BroadcastRecipient).where(BroadcastRecipient.group == "control"))}
    assert len(control) == 3 and not control & set(multicasts[0]["to"]) and len(multicasts[0]["to"]) == 9
    assert "Unoconsent" not in multicasts[0]["to"]
    assert page.locator("[data-count=sent]").inner_text() == "9"
    screenshot(page, "marketer-broadcast-progress")
    treated = [r.customer_id for r in db.all(select(BroadcastRecipient).where(BroadcastRecipient.group == "treated"))]
    with runtime.sessions.begin() as s:
        for customer_id in treated[:6]:
            s.add(Order(customer_id=customer_id, amount=300, placed_at=broadcast.planned_at + timedelta(days=1)))
    page.reload()
    sentence = page.locator("#lift-sentence").inner_text()
    assert "66.7 %" in sentence and "0.0 %" in sentence
    assert "95%" in page.locator("#lift-interval").inner_text()
    screenshot(page, "marketer-broadcast-results")
    page.click("#recipients-link")
    assert page.locator("#recipients tbody tr").count() == 12
    page.click("a[href$='status=control']")
    assert page.locator("#recipients tbody tr").count() == 3
    assert page.dialogs == []


def test_pause_and_cancel_a_paced_broadcast(chat, runtime, page_for, db):
    with runtime.sessions.begin() as s:
        for index in range(5):
            add_customer(s, f"c{index}", line=f"U{index}", consent=("line",))
    page = page_for("marketer")
    page.goto("/console/segments")
    page.fill("input[name=name]", "everyone")
    page.click("#segment-form button[type=submit]")
    page.goto("/console/broadcasts/new")
    page.fill("input[name=name]", "慢慢發")
    page.select_option("select[name=segment_id]", label="everyone")
    page.fill("textarea[name=text]", "{name} 您好")
    page.fill("input[name=rate_per_minute]", "1")
    page.fill("input[name=holdout_percent]", "0")
    page.click("#broadcast-form button[type=submit]")
    page.click("#pause-broadcast")
    assert "status-paused" in page.locator("#broadcast-status").get_attribute("class")
    assert {o.status for o in db.all(select(OutboxMessage))} == {"paused"}
    page.click("#resume-broadcast")
    page.click("#cancel-broadcast")
    assert {o.status for o in db.all(select(OutboxMessage))} == {"cancelled"}
    assert page.locator("[data-count=cancelled]").inner_text() == "5"


def test_broadcast_form_shows_each_bad_field(runtime, page_for):
    page = page_for("marketer")
    page.goto("/console/broadcasts/new")
    page.evaluate("() => document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))")
    page.fill("textarea[name=text]", "Hi {nmae}")
    page.fill("input[name=holdout_percent]", "95")
    page.fill("input[name=quiet_start]", "25:00")
    page.check("input[name=schedule][value=at]")
    page.click("#broadcast-form button[type=submit]")
    for field in ("name", "segment_id", "text", "holdout_percent", "quiet_start", "send_at"):
        assert page.locator(f"#error-{field}").is_visible(), field
    assert "{nmae}" in page.locator("#error-text").inner_text()
    assert page.input_value("textarea[name=text]") == "Hi {nmae}"  # nothing typed is lost


def test_campaigns_and_reports(runtime, page_for, settings):
    runtime.settings = settings.replace(console={"telegram_bot_username": "qingtian_bot"})
    with runtime.sessions.begin() as s:
        add_customer(s, "a", lead_source="src_fair", tier=2, rfm_recency=4, rfm_frequency=2,
                     orders=[(utcnow(), "500")])
    page = page_for("marketer")
    page.goto("/console/campaigns")
    page.fill("#campaign-form input[name=name]", "書展")
    page.fill("#campaign-form input[name=code]", "fair")
    page.fill("#campaign-form textarea[name=incentive]", "現場掃碼送書籤")
    page.click("#campaign-form button[type=submit]")
    card = page.locator("#campaign-fair")
    assert "https://t.me/qingtian_bot?start=src_fair" in card.locator(".deep-link").inner_text()
    assert card.locator(".leads").inner_text() == "1" and card.locator(".buyers").inner_text() == "1"
    page.wait_for_function("() => document.querySelector('#campaign-fair img.qr').naturalWidth > 100")  # loaded, not only present
    screenshot(page, "marketer-campaigns")
    page.goto("/console/reports")
    assert page.locator("svg.chart").count() == 6  # funnel, tiers, retention, CSAT, SLA, recovery
    assert "R4" in page.locator("#rfm").inner_text()
    with page.expect_download() as download:
        page.click("#report-funnel a.csv")
    assert download.value.suggested_filename == "funnel.csv"
    assert "contacts" in open(download.value.path(), encoding="utf-8-sig").read()
    screenshot(page, "marketer-reports")
    assert page.dialogs == []
