"""The console on the commerce code, over HTTP on both databases: the profile's points, tier, stamp
card and coupons panels (escaped), a ticket resolved with a recovery coupon that reaches the customer,
and the ledger and coupon redemptions behind broadcast {points} and results."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import coupons, loyalty
from bot.console import seams
from bot.marketing.results import coupon_lift
from jobs.broadcasts import run_due_broadcasts
from models import Broadcast, BroadcastRecipient, Coupon, Customer, Ticket, utcnow
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
    assert f"{code} · WELCOME10 · 可使用 · " in page


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


def test_points_and_redemptions_seams_read_the_ledger_and_redemptions(chat, runtime):
    chat.say("你好")
    now = utcnow()
    with runtime.sessions.begin() as session:
        loyalty.award(session, 1, 42, kind="campaign")
        code = coupons.issue_coupon(session, 1, "WELCOME10", source="test").code
        coupons.redeem(session, code, request_key="r1", redeemed_by="test")
    with runtime.sessions() as session:
        assert seams.customer_points(session, [1, 999]) == {1: 42}
        assert seams.coupon_redemptions(session, [1, 999], now - timedelta(minutes=1), now + timedelta(minutes=1)) == {1}
        assert seams.coupon_redemptions(session, [1], now + timedelta(minutes=1), now + timedelta(days=1)) == set()


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
