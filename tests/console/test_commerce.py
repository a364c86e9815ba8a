"""The console on the commerce code, over HTTP on both databases: the profile's points, tier, stamp
card and coupons panels (escaped), a ticket resolved with a recovery coupon that reaches the customer,
and the ledger and coupon redemptions behind broadcast {points} and results."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.crm import coupons, loyalty
from bot.marketing.results import coupon_lift, coupon_redemptions
from jobs.broadcasts import run_due_broadcasts
from models import Broadcast, BroadcastRecipient, Coupon, CouponRedemption, Customer, PointsEntry, Ticket, utcnow
from tests.care_helpers import to_customer
from tests.console.factories import add_customer
from tests.console.test_planning import make_broadcast

COMPLAINT = "你們太爛了，我要退款"


def test_profile_shows_points_ledger_tier_stamps_and_coupons_escaped(chat, console, runtime, db):
    chat.say("你好")
    with runtime.sessions.begin() as session:
        loyalty.award(session, 1, 120, kind="campaign", note="<b>生日禮</b>")
        loyalty.deduct(session, 1, 20, note="折抵")
        session.get(Customer, 1).tier = 1
        coupon = coupons.issue_coupon(session, 1, "WELCOME10", source="test")
        code = coupon.code
    page = console("staff").get("/console/customers/1").text
    assert "點數餘額：100 點" in page and "等級：鑽石會員" in page
    assert "活動贈點 +120 · &lt;b&gt;生日禮&lt;/b&gt;" in page and "<b>生日禮</b>" not in page
    assert "折抵 -20 · 折抵" in page
    assert "集點卡：○○○○" in page  # the empty stamp card
    assert f"{code} · 新朋友 9 折券 · 可使用 · " in page  # the template by its name, not its code


def test_resolve_with_a_recovery_coupon_issues_it_and_tells_the_customer(chat, console, db):
    chat.say(COMPLAINT)
    staff = console("staff")
    page = staff.get("/console/conversations/1").text
    assert '<option value="SORRY15">' in page
    forged = staff.post("/console/tickets/1/resolve", {"reason": "已退款", "coupon": "NOPE"})
    assert forged.status_code == 400 and "NOPE" in forged.text
    assert db.get(Ticket, 1).status == "open" and db.scalar(select(Coupon)) is None
    assert staff.post("/console/tickets/1/resolve", {"reason": "已退款", "coupon": "SORRY15"}, csrf=False).status_code == 400
    assert console("marketer").post("/console/tickets/1/resolve", {"reason": "x", "coupon": "SORRY15"}).status_code == 403
    assert db.scalar(select(Coupon)) is None
    resolved = staff.post("/console/tickets/1/resolve", {"reason": "已退款", "coupon": "SORRY15"})
    assert resolved.status_code == 200 and db.get(Ticket, 1).status == "resolved"
    coupon = db.scalar(select(Coupon))
    assert (coupon.customer_id, coupon.template.code) == (1, "SORRY15")
    told = [t for t in to_customer(chat.replies(), chat.user) if coupon.code in t]
    assert len(told) == 1 and "很抱歉造成您的不便" in told[0]


def test_point_balances_and_redemptions_read_the_ledger_and_redemptions(chat, runtime):
    chat.say("你好")
    now = utcnow()
    with runtime.sessions.begin() as session:
        loyalty.award(session, 1, 42, kind="campaign")
        code = coupons.issue_coupon(session, 1, "WELCOME10", source="test").code
        coupons.redeem(session, code, request_key="r1", redeemed_by="test")
    with runtime.sessions() as session:
        assert loyalty.balances(session, [1, 999]) == {1: 42}
        assert coupon_redemptions(session, [1, 999], now - timedelta(minutes=1), now + timedelta(minutes=1)) == {1}
        assert coupon_redemptions(session, [1], now + timedelta(minutes=1), now + timedelta(days=1)) == set()


def test_broadcast_points_field_and_coupon_redemptions_treated_against_control(runtime, console, worker, standin, db):
    with runtime.sessions.begin() as s:
        for n in range(1, 5):
            add_customer(s, f"c{n}", line=f"U{n}", consent=("line",))
        loyalty.award(s, 1, 42, kind="campaign")
    broadcast_id = make_broadcast(runtime, text="您有 {points} 點", holdout_percent=50, random_seed=7)
    run_due_broadcasts(runtime.sessions, runtime.settings)
    worker.drain()
    groups = {r.customer_id: r.group for r in db.all(select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id))}
    treated = sorted(c for c, g in groups.items() if g == "treated")
    control = sorted(c for c, g in groups.items() if g == "control")
    assert treated and control
    sent = {d["to"][0]: d["messages"][0]["text"] for d in standin.deliveries}
    assert sent == {f"U{c}": f"您有 {42 if c == 1 else 0} 點" for c in treated}
    with runtime.sessions.begin() as s:  # one treated customer redeems a coupon after the broadcast
        code = coupons.issue_coupon(s, treated[0], "WELCOME10", source="test").code
        coupons.redeem(s, code, request_key="till-1", redeemed_by="till")
    page = console("marketer").get(f"/console/broadcasts/{broadcast_id}").text
    assert '<p id="coupon-lift">' in page
    with runtime.sessions() as s:
        lift = coupon_lift(s, s.get(Broadcast, broadcast_id), 7)
    assert (lift.treated_n, lift.treated_buyers, lift.control_n, lift.control_buyers) == (len(treated), 1, len(control), 0)


def test_staff_redeem_a_coupon_by_hand_with_clear_errors(chat, console, runtime, db):
    chat.say("你好")
    with runtime.sessions.begin() as s:
        other = add_customer(s, "別人", line="U-other")
        mine = coupons.issue_coupon(s, 1, "WELCOME10", source="test").code
        theirs = coupons.issue_coupon(s, other.id, "WELCOME10", source="test").code
        old = coupons.issue_coupon(s, 1, "FREECOFFEE", source="test")
        old.expires_at = utcnow() - timedelta(days=1)
        stale = old.code
    staff = console("staff")
    url = "/console/customers/1/coupons/redeem"
    assert 'id="redeem-form"' in staff.get("/console/customers/1").text
    assert console("marketer").post(url, {"coupon_code": mine, "request_key": "k1"}).status_code == 403
    assert staff.post(url, {"coupon_code": mine, "request_key": "k1"}, csrf=False).status_code == 400
    for code, message in (("", "請輸入優惠碼。"), ("NOSUCHCODE", "找不到這個優惠碼。"), (theirs, "這張優惠券屬於其他顧客。"),
                          (stale, "這張優惠券已過期。"), ("<b>x</b>", "找不到這個優惠碼。")):
        refused = staff.post(url, {"coupon_code": code, "request_key": "k1"})
        assert refused.status_code == 400 and 'id="error-coupon_code"' in refused.text and message in refused.text, code
        assert "<b>x</b>" not in refused.text
    assert db.scalar(select(func.count()).select_from(CouponRedemption)) == 0
    done = staff.post(url, {"coupon_code": mine.lower(), "request_key": "k1"})
    assert done.status_code == 200 and f"優惠券 {mine} 已核銷。" in done.text
    assert staff.post(url, {"coupon_code": mine, "request_key": "k1"}).status_code == 200  # the same form twice: one use
    again = console("admin").post(url, {"coupon_code": mine, "request_key": "k2"})
    assert again.status_code == 400 and "這張優惠券已經使用過了。" in again.text
    [redemption] = db.all(select(CouponRedemption))
    assert redemption.redeemed_by == "console:staff@shop.test" and db.scalar(select(Coupon.uses).where(Coupon.code == mine)) == 1
    assert staff.post("/console/customers/999/coupons/redeem", {"coupon_code": mine, "request_key": "k3"}).status_code == 404


def test_staff_adjust_points_with_a_reason_and_no_overdraft(chat, console, db):
    chat.say("你好")
    staff = console("staff")
    url = "/console/customers/1/points"
    assert console("marketer").post(url, {"points": "50", "reason_points": "補點"}).status_code == 403
    assert staff.post(url, {"points": "50", "reason_points": "補點"}, csrf=False).status_code == 400
    for form, field, message in (({"points": "abc", "reason_points": "x"}, "points", "請輸入整數點數"),
                                 ({"points": "0", "reason_points": "x"}, "points", "請輸入不為零"),
                                 ({"points": "1000001", "reason_points": "x"}, "points", "請輸入不為零"),
                                 ({"points": "5", "reason_points": " "}, "reason_points", "請說明調整點數的原因。"),
                                 ({"points": "5", "reason_points": "x" * 121}, "reason_points", "最多 120 個字。"),
                                 ({"points": "-5", "reason_points": "扣點"}, "points", "點數餘額為 0 點")):
        refused = staff.post(url, form)
        assert refused.status_code == 400 and f'id="error-{field}"' in refused.text and message in refused.text, form
    assert db.scalar(select(func.count()).select_from(PointsEntry)) == 0
    added = staff.post(url, {"points": "50", "reason_points": "<i>漏記的點數</i>", "request_key": "a1"})
    assert added.status_code == 200 and "點數已調整 +50。" in added.text
    assert "人工調整 +50 · &lt;i&gt;漏記的點數&lt;/i&gt; (staff@shop.test)" in added.text and "<i>漏記" not in added.text
    assert staff.post(url, {"points": "50", "reason_points": "<i>漏記的點數</i>", "request_key": "a1"}).status_code == 200  # resubmitted
    assert console("admin").post(url, {"points": "-20", "reason_points": "重複給點"}).status_code == 200
    over = staff.post(url, {"points": "-31", "reason_points": "扣太多"})
    assert over.status_code == 400 and "點數餘額為 30 點" in over.text
    entries = db.all(select(PointsEntry).order_by(PointsEntry.id))
    assert [(e.kind, e.points, e.note) for e in entries] == [
        ("adjustment", 50, "<i>漏記的點數</i> (staff@shop.test)"), ("adjustment", -20, "重複給點 (admin@shop.test)")]
