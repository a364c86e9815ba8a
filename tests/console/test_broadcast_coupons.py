"""A coupon per broadcast recipient: issued once to each treated customer and none to the control
group, its code in the message (where `{coupon}` says, or on a line of its own in the customer's
language), customers already at the template's limit left out, retired templates refused, unsent
coupons voided on cancel, and the redemptions counted in the results."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.crm import coupons
from bot.marketing.planning import cancel
from bot.marketing.results import coupon_lift
from jobs.broadcasts import run_due_broadcasts
from models import Broadcast, BroadcastRecipient, Coupon, CouponTemplate, utcnow
from tests.console.factories import add_customer
from tests.console.test_planning import make_broadcast, recipients


def template_id(db, code):
    return db.scalar(select(CouponTemplate.id).where(CouponTemplate.code == code))


def test_each_treated_recipient_gets_their_own_coupon_in_the_message(runtime, worker, standin, db):
    with runtime.sessions.begin() as s:
        for i in range(10):
            add_customer(s, f"c{i}", line=f"U{i}", consent=("line",), language="en" if i % 2 else "zh-TW")
    broadcast_id = make_broadcast(runtime, text="週末特賣！", holdout_percent=30, coupon_template_id=template_id(db, "SORRY15"))
    run_due_broadcasts(runtime.sessions, runtime.settings)
    worker.drain()

    rows = recipients(db, broadcast_id)
    treated = [r for r in rows if r.group == "treated"]
    control = [r for r in rows if r.group == "control"]
    assert len(treated) == 7 and len(control) == 3
    assert all(r.coupon_id is None for r in control)
    issued = {c.customer_id: c for c in db.all(select(Coupon).where(Coupon.source == f"broadcast:{broadcast_id}"))}
    assert set(issued) == {r.customer_id for r in treated}  # one each, nobody else
    assert {r.coupon_id for r in treated} == {c.id for c in issued.values()}
    assert len({c.code for c in issued.values()}) == 7

    pushes = {d["to"][0]: d["messages"][0]["text"] for d in standin.deliveries}
    assert all(d["kind"] == "push" for d in standin.deliveries)  # each text differs, so no multicast
    assert set(pushes) == {r.address for r in treated}
    for r in treated:
        text, code = pushes[r.address], issued[r.customer_id].code
        assert text.startswith("週末特賣！\n\n") and code in text
        english = int(r.address[1:]) % 2
        assert ("A gift for you" in text) if english else ("優惠碼" in text)


def test_coupon_field_places_the_code_and_nothing_is_appended(runtime, worker, standin, db):
    with runtime.sessions.begin() as s:
        add_customer(s, "美玲", line="U1", consent=("line",))
    broadcast_id = make_broadcast(runtime, text="{name}，您的優惠碼是 {coupon}", coupon_template_id=template_id(db, "SORRY15"))
    run_due_broadcasts(runtime.sessions, runtime.settings)
    worker.drain()
    code = db.scalar(select(Coupon.code).where(Coupon.source == f"broadcast:{broadcast_id}"))
    assert [d["messages"][0]["text"] for d in standin.deliveries] == [f"美玲，您的優惠碼是 {code}"]


def test_customers_at_the_templates_limit_are_skipped_before_the_control_group_is_drawn(runtime, db):
    with runtime.sessions.begin() as s:
        holder = add_customer(s, "holder", line="U1", consent=("line",)).id
        fresh = add_customer(s, "fresh", line="U2", consent=("line",)).id
        coupons.issue_coupon(s, holder, "WELCOME10", source="welcome")  # WELCOME10 allows one per customer
    broadcast_id = make_broadcast(runtime, coupon_template_id=template_id(db, "WELCOME10"))
    summary = run_due_broadcasts(runtime.sessions, runtime.settings).planned[broadcast_id]
    assert summary.skipped == {"coupon_limit": 1} and summary.treated == 1
    by_customer = {r.customer_id: r for r in recipients(db, broadcast_id)}
    assert by_customer[holder].group == "skipped" and by_customer[holder].skip_reason == "coupon_limit"
    assert by_customer[fresh].group == "treated" and by_customer[fresh].coupon_id is not None


def test_a_retired_template_fails_the_broadcast_with_the_reason_and_issues_nothing(runtime, db):
    with runtime.sessions.begin() as s:
        add_customer(s, "a", line="U1", consent=("line",))
        s.execute(update(CouponTemplate).where(CouponTemplate.code == "SORRY15").values(active=False))
    broadcast_id = make_broadcast(runtime, coupon_template_id=template_id(db, "SORRY15"))
    report = run_due_broadcasts(runtime.sessions, runtime.settings)
    assert broadcast_id in report.failed
    broadcast = db.get(Broadcast, broadcast_id)
    assert broadcast.status == "failed" and "SORRY15 is retired" in broadcast.error
    assert db.scalar(select(Coupon.id).where(Coupon.source == f"broadcast:{broadcast_id}")) is None
    assert recipients(db, broadcast_id) == []


def test_cancel_voids_the_coupons_of_messages_not_sent(runtime, worker, standin, db):
    with runtime.sessions.begin() as s:
        for i in range(4):
            add_customer(s, f"c{i}", line=f"U{i}", consent=("line",))
    # one recipient a minute: the first goes now, the others wait
    broadcast_id = make_broadcast(runtime, rate_per_minute=1, coupon_template_id=template_id(db, "SORRY15"))
    run_due_broadcasts(runtime.sessions, runtime.settings)
    worker.drain()
    assert len(standin.deliveries) == 1
    with runtime.sessions.begin() as s:
        assert cancel(s, s.get(Broadcast, broadcast_id), utcnow()) == 3
    issued = db.all(select(Coupon).where(Coupon.source == f"broadcast:{broadcast_id}"))
    sent_code = [c.code for c in issued if c.code in standin.deliveries[0]["messages"][0]["text"]]
    assert len(sent_code) == 1
    assert sorted(c.code for c in issued if c.voided_at is None) == sent_code  # only the code the customer was told of


def test_redemptions_of_the_broadcast_coupon_show_in_the_results(runtime, worker, db):
    with runtime.sessions.begin() as s:
        for i in range(6):
            add_customer(s, f"c{i}", line=f"U{i}", consent=("line",))
    broadcast_id = make_broadcast(runtime, holdout_percent=50, coupon_template_id=template_id(db, "SORRY15"))
    run_due_broadcasts(runtime.sessions, runtime.settings)
    worker.drain()
    treated = [r for r in recipients(db, broadcast_id) if r.group == "treated"]
    code = db.scalar(select(Coupon.code).where(Coupon.id == treated[0].coupon_id))
    with runtime.sessions.begin() as s:
        coupons.redeem(s, code, request_key="till-1", redeemed_by="test")
    with runtime.sessions() as s:
        lift = coupon_lift(s, s.get(Broadcast, broadcast_id), 7)
    assert (lift.treated_n, lift.treated_buyers, lift.control_n, lift.control_buyers) == (3, 1, 3, 0)


def test_a_recurring_broadcast_gives_each_occurrence_its_own_coupons(runtime, db):
    from datetime import timedelta

    with runtime.sessions.begin() as s:
        add_customer(s, "a", line="U1", consent=("line",))
    parent = make_broadcast(runtime, status="recurring", recur_kind="daily", recur_time="10:00", send_at=utcnow() - timedelta(minutes=1),
                            coupon_template_id=template_id(db, "SORRY15"), translations={"en": "Weekend sale!"})
    report = run_due_broadcasts(runtime.sessions, runtime.settings)
    [child_id] = report.planned
    child = db.get(Broadcast, child_id)
    assert child.parent_id == parent and child.coupon_template_id == template_id(db, "SORRY15")
    assert child.translations == {"en": "Weekend sale!"}
    assert db.scalar(select(BroadcastRecipient.coupon_id).where(BroadcastRecipient.broadcast_id == child_id)) is not None


def test_a_coupon_issued_elsewhere_while_the_broadcast_plans_never_breaks_the_limit(db_url, runtime, db):
    """PostgreSQL: a welcome coupon is being issued (customer row locked, not yet committed) when a
    broadcast with the same one-per-customer template starts planning. Planning waits for it and
    then leaves that customer out, so nobody holds two."""
    import threading
    import time

    import pytest
    from sqlalchemy import text

    if not db_url.startswith("postgresql"):
        pytest.skip("row locks between concurrent transactions: PostgreSQL")
    with runtime.sessions.begin() as s:
        busy = add_customer(s, "busy", line="U1", consent=("line",)).id
        add_customer(s, "free", line="U2", consent=("line",))
    broadcast_id = make_broadcast(runtime, coupon_template_id=template_id(db, "WELCOME10"))
    issuing = runtime.sessions()
    issuing.begin()
    coupons.issue_coupon(issuing, busy, "WELCOME10", source="welcome")  # holds the customer's row lock
    planner = threading.Thread(target=run_due_broadcasts, args=(runtime.sessions, runtime.settings))
    planner.start()
    deadline = time.monotonic() + 20
    while not db.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")):
        assert time.monotonic() < deadline and planner.is_alive(), "planning never waited for the lock"
        time.sleep(0.02)
    issuing.commit()
    issuing.close()
    planner.join(30)
    held = db.all(select(Coupon.customer_id).where(Coupon.template_id == template_id(db, "WELCOME10")))
    assert sorted(held) == sorted([busy, busy + 1])  # one each
    by_customer = {r.customer_id: r for r in recipients(db, broadcast_id)}
    assert by_customer[busy].skip_reason == "coupon_limit" and by_customer[busy + 1].coupon_id is not None
