"""Broadcast text per language (each customer reads their own; LINE multicast per language), and
marketing consent checked again when each message is due: a customer who says "stop" after the
broadcast was planned is not sent it, is shown as withheld, and loses the coupon they never saw."""

from __future__ import annotations

from sqlalchemy import select

from bot.marketing.planning import pause, resume
from bot.marketing.results import progress
from jobs.broadcasts import finish_sent, run_due_broadcasts
from models import Broadcast, Coupon, CouponTemplate, OutboxMessage, utcnow
from tests.console.factories import add_customer
from tests.console.test_planning import make_broadcast, recipients


def test_each_customer_reads_the_text_in_their_language_and_line_multicasts_per_language(runtime, worker, standin, db):
    with runtime.sessions.begin() as s:
        add_customer(s, "a", line="U1", consent=("line",), language="zh-TW")
        add_customer(s, "b", line="U2", consent=("line",), language="en")
        add_customer(s, "c", line="U3", consent=("line",), language="en")
        add_customer(s, "d", line="U4", consent=("line",), language="zh-CN")  # no zh-CN text: gets the main one
    make_broadcast(runtime, text="週末特賣！", translations={"en": "Weekend sale!"})
    run_due_broadcasts(runtime.sessions, runtime.settings)
    worker.drain()
    sent = sorted((tuple(sorted(d["to"])), d["messages"][0]["text"]) for d in standin.deliveries)
    assert sent == [(("U1", "U4"), "週末特賣！"), (("U2", "U3"), "Weekend sale!")]
    assert all(d["kind"] == "multicast" for d in standin.deliveries)


def test_personal_fields_in_a_translation_are_filled_for_its_readers(runtime, worker, standin, db):
    with runtime.sessions.begin() as s:
        add_customer(s, "美玲", line="U1", consent=("line",), language="zh-TW")
        add_customer(s, "Amy", line="U2", consent=("line",), language="en")
    make_broadcast(runtime, text="週末特賣！", translations={"en": "Hi {name}, weekend sale!"})
    run_due_broadcasts(runtime.sessions, runtime.settings)
    worker.drain()
    assert sorted((d["to"][0], d["messages"][0]["text"]) for d in standin.deliveries) == [
        ("U1", "週末特賣！"), ("U2", "Hi Amy, weekend sale!")]


def test_a_customer_who_opts_out_after_planning_is_not_sent_the_multicast(runtime, chat, worker, standin, db):
    with runtime.sessions.begin() as s:
        staying = [add_customer(s, f"s{i}", line=f"U{i}", consent=("line",)).id for i in range(2)]
        leaving = add_customer(s, "leaving", line=chat.user, consent=("line",)).id
    broadcast_id = make_broadcast(runtime)
    run_due_broadcasts(runtime.sessions, runtime.settings)
    with runtime.sessions.begin() as s:
        pause(s, s.get(Broadcast, broadcast_id))
    chat.say("取消訂閱")  # through the real webhook: marketing consent on LINE withdrawn
    with runtime.sessions.begin() as s:
        resume(s, s.get(Broadcast, broadcast_id), runtime.settings, utcnow())
    worker.drain()

    [multicast] = [d for d in standin.deliveries if d["kind"] == "multicast"]
    assert sorted(multicast["to"]) == ["U0", "U1"]
    status = {r.customer_id: r.withheld for r in recipients(db, broadcast_id)}
    assert status == {staying[0]: None, staying[1]: None, leaving: "opted_out"}
    with runtime.sessions() as s:
        counts = progress(s, broadcast_id).statuses
    assert counts == {"sent": 2, "withheld": 1}
    assert finish_sent(runtime.sessions, utcnow()) == [broadcast_id]


def test_an_opted_out_push_is_withheld_and_its_coupon_voided(runtime, chat, worker, standin, console, db):
    template_id = db.scalar(select(CouponTemplate.id).where(CouponTemplate.code == "SORRY15"))
    with runtime.sessions.begin() as s:
        staying = add_customer(s, "staying", line="U1", consent=("line",)).id
        leaving = add_customer(s, "leaving", line=chat.user, consent=("line",)).id
    broadcast_id = make_broadcast(runtime, coupon_template_id=template_id)
    run_due_broadcasts(runtime.sessions, runtime.settings)
    with runtime.sessions.begin() as s:
        pause(s, s.get(Broadcast, broadcast_id))
    chat.say("stop")
    with runtime.sessions.begin() as s:
        resume(s, s.get(Broadcast, broadcast_id), runtime.settings, utcnow())
    worker.drain()

    pushed = [d["to"][0] for d in standin.deliveries if d["kind"] == "push"]
    assert pushed == ["U1"]
    rows = {r.customer_id: r for r in recipients(db, broadcast_id)}
    assert db.scalar(select(OutboxMessage.status).where(OutboxMessage.id == rows[leaving].outbox_id)) == "withheld"
    voided = {c.customer_id: c.voided_at is not None for c in db.all(select(Coupon).where(Coupon.source == f"broadcast:{broadcast_id}"))}
    assert voided == {staying: False, leaving: True}

    marketer = console("marketer")
    page = marketer.get(f"/console/broadcasts/{broadcast_id}/recipients?status=withheld")
    assert page.status_code == 200 and "leaving" in page.text and "staying" not in page.text
    shown = marketer.get(f"/console/broadcasts/{broadcast_id}/progress.json").json()
    assert shown["statuses"] == {"sent": 1, "withheld": 1} and shown["percent"] == 100.0


def test_replies_still_reach_an_opted_out_customer(runtime, chat, db):
    with runtime.sessions.begin() as s:
        add_customer(s, "leaving", line=chat.user, consent=("line",))
    chat.say("stop")
    assert chat.say("營業時間")  # transactional replies are not held back by the marketing check
