"""Planning broadcasts: consent and reachability, the control group, multicast chunks of 500,
personal texts, pacing, pause / resume / cancel, the job (once only, recurring), results and lift."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.marketing.planning import cancel, draw_control, pause, resume
from bot.marketing.results import Lift, progress, purchase_lift
from jobs.broadcasts import finish_sent, run_due_broadcasts
from models import Broadcast, BroadcastRecipient, Order, OutboxMessage, Segment, utcnow
from tests.console.factories import add_customer


def make_broadcast(runtime, criteria=None, **fields):
    with runtime.sessions.begin() as s:
        segment = Segment(name=f"seg-{utcnow().timestamp()}", criteria=criteria or {})
        s.add(segment)
        s.flush()
        values = {"name": "Spring sale", "text": "春季特賣！", "status": "scheduled", "send_at": utcnow(), "holdout_percent": 0, **fields}
        broadcast = Broadcast(segment_id=segment.id, **values)
        s.add(broadcast)
        s.flush()
        return broadcast.id


def recipients(db, broadcast_id):
    return db.all(select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id).order_by(BroadcastRecipient.customer_id))


def test_only_consenting_reachable_customers_get_it_on_their_channel(runtime, db):
    with runtime.sessions.begin() as s:
        line_ok = add_customer(s, "line ok", line="U1", consent=("line",)).id
        tg_ok = add_customer(s, "tg ok", telegram="T2", consent=("telegram",)).id
        both = add_customer(s, "both", line="U3", telegram="T3", consent=("line", "telegram")).id  # LINE seen last
        no_consent = add_customer(s, "no consent", line="U4").id
        blocked = add_customer(s, "blocked", line="U5", consent=("line",), reachable=False).id
        nothing = add_customer(s, "nowhere").id
    broadcast_id = make_broadcast(runtime)
    report = run_due_broadcasts(runtime.sessions, runtime.settings)
    assert report.planned[broadcast_id].treated == 3
    rows = {r.customer_id: r for r in recipients(db, broadcast_id)}
    assert {c: (r.group, r.channel, r.skip_reason) for c, r in rows.items()} == {
        line_ok: ("treated", "line", None), tg_ok: ("treated", "telegram", None), both: ("treated", "line", None),
        no_consent: ("skipped", None, "no_consent"), blocked: ("skipped", None, "unreachable"), nothing: ("skipped", None, "unreachable")}
    outbox = db.all(select(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast_id).order_by(OutboxMessage.channel))
    assert [(o.channel, o.purpose, sorted(o.recipients or [o.address])) for o in outbox] == [
        ("line", "marketing", ["U1", "U3"]), ("telegram", "marketing", ["T2"])]
    only_telegram = make_broadcast(runtime, channel_policy="telegram")
    run_due_broadcasts(runtime.sessions, runtime.settings)
    treated = [r.customer_id for r in recipients(db, only_telegram) if r.group == "treated"]
    assert treated == [tg_ok, both]
    assert db.get(Broadcast, broadcast_id).status == "sending"


def test_control_group_is_drawn_at_random_stored_and_never_sent(runtime, db):
    with runtime.sessions.begin() as s:
        for index in range(1200):
            add_customer(s, None, line=f"U{index:05d}", consent=("line",))
    broadcast_id = make_broadcast(runtime, holdout_percent=20)
    summary = run_due_broadcasts(runtime.sessions, runtime.settings).planned[broadcast_id]
    assert (summary.treated, summary.control) == (960, 240)
    outbox = db.all(select(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast_id).order_by(OutboxMessage.id))
    assert [len(o.recipients) for o in outbox] == [500, 460]  # LINE multicast in chunks of 500
    sent_to = {u for o in outbox for u in o.recipients}
    control = {r.address for r in recipients(db, broadcast_id) if r.group == "control"}
    assert len(control) == 240 and not (sent_to & control) and len(sent_to) == 960
    seed = db.get(Broadcast, broadcast_id).random_seed
    again = {t.address for t in draw_control(_targets(db, broadcast_id), 20, seed)[1]}
    assert again == control  # the stored seed reproduces the draw
    other = make_broadcast(runtime, holdout_percent=20)
    run_due_broadcasts(runtime.sessions, runtime.settings)
    assert {r.address for r in recipients(db, other) if r.group == "control"} != control  # a new draw per broadcast


def _targets(db, broadcast_id):
    from bot.marketing.planning import Target

    return [Target(r.customer_id, r.channel, r.address) for r in recipients(db, broadcast_id) if r.group in ("treated", "control")]


def test_personal_fields_make_one_push_row_per_customer(runtime, worker, standin, db):
    with runtime.sessions.begin() as s:
        add_customer(s, "美玲", line="U1", consent=("line",), tier=2)
        add_customer(s, None, line="U2", consent=("line",), language="en")
    broadcast_id = make_broadcast(runtime, text="{name} 您好，您的等級：{tier}")
    run_due_broadcasts(runtime.sessions, runtime.settings)
    worker.drain()
    texts = sorted((d["to"][0], d["messages"][0]["text"]) for d in standin.deliveries)
    tier_names = {t.level: t.name for t in runtime.settings.tiers}  # the configured names, in the customer's language
    assert texts == [("U1", f"美玲 您好，您的等級：{tier_names[2]['zh-TW']}"), ("U2", f"friend 您好，您的等級：{tier_names[5]['en']}")]
    assert all(d["kind"] == "push" for d in standin.deliveries)
    assert run_due_broadcasts(runtime.sessions, runtime.settings).finished == [broadcast_id]
    assert db.get(Broadcast, broadcast_id).status == "done"


def test_the_job_plans_each_broadcast_once_and_skips_future_ones(runtime, db):
    with runtime.sessions.begin() as s:
        add_customer(s, "a", line="U1", consent=("line",))
    due = make_broadcast(runtime)
    later = make_broadcast(runtime, send_at=utcnow() + timedelta(hours=1))
    assert list(run_due_broadcasts(runtime.sessions, runtime.settings).planned) == [due]
    assert run_due_broadcasts(runtime.sessions, runtime.settings).planned == {}
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert list(run_due_broadcasts(runtime.sessions, runtime.settings, utcnow() + timedelta(hours=2)).planned) == [later]


def test_a_recurring_broadcast_starts_an_occurrence_and_moves_on(runtime, db):
    with runtime.sessions.begin() as s:
        add_customer(s, "a", line="U1", consent=("line",))
    parent = make_broadcast(runtime, status="recurring", recur_kind="daily", recur_time="10:00", send_at=utcnow() - timedelta(minutes=1))
    report = run_due_broadcasts(runtime.sessions, runtime.settings)
    [child] = db.all(select(Broadcast).where(Broadcast.parent_id == parent))
    assert list(report.planned) == [child.id] and child.status == "sending"
    moved = db.get(Broadcast, parent).send_at
    assert utcnow() < moved <= utcnow() + timedelta(days=1) and db.get(Broadcast, parent).status == "recurring"
    assert run_due_broadcasts(runtime.sessions, runtime.settings).planned == {}


def test_a_broken_broadcast_fails_with_the_reason_and_others_go_on(runtime, db):
    with runtime.sessions.begin() as s:
        add_customer(s, "a", line="U1", consent=("line",))
    broken = make_broadcast(runtime, criteria={"stages": 5})  # not a list: the segment query cannot be built
    fine = make_broadcast(runtime)
    report = run_due_broadcasts(runtime.sessions, runtime.settings)
    assert list(report.planned) == [fine] and report.failed[broken]
    assert db.get(Broadcast, broken).status == "failed" and db.get(Broadcast, broken).error.startswith("ArgumentError")
    assert recipients(db, broken) == []


def test_pacing_pause_resume_and_cancel(runtime, worker, standin, db):
    with runtime.sessions.begin() as s:
        for index in range(6):
            add_customer(s, f"c{index}", line=f"U{index}", consent=("line",))
    broadcast_id = make_broadcast(runtime, text="Hi {name}", rate_per_minute=2)
    run_due_broadcasts(runtime.sessions, runtime.settings)
    rows = db.all(select(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast_id).order_by(OutboxMessage.next_attempt_at))
    gaps = [(b.next_attempt_at - a.next_attempt_at).total_seconds() for a, b in zip(rows, rows[1:], strict=False)]
    assert gaps == [30.0] * 5  # 2 a minute
    worker.drain()
    assert len(standin.deliveries) == 1  # only the first is due yet
    with runtime.sessions.begin() as s:
        assert pause(s, s.get(Broadcast, broadcast_id)) == 5
    assert progress_of(runtime, broadcast_id).statuses == {"sent": 1, "paused": 5}
    with runtime.sessions.begin() as s:
        assert resume(s, s.get(Broadcast, broadcast_id), runtime.settings, utcnow()) == 5
    worker.drain()
    assert len(standin.deliveries) == 2  # resumed with the same pacing, from now
    with runtime.sessions.begin() as s:
        assert cancel(s, s.get(Broadcast, broadcast_id), utcnow()) == 4
    state = progress_of(runtime, broadcast_id)
    assert state.statuses == {"sent": 2, "cancelled": 4} and state.percent == 100.0
    worker.drain()
    assert len(standin.deliveries) == 2


def progress_of(runtime, broadcast_id):
    with runtime.sessions() as s:
        return progress(s, broadcast_id)


def test_purchase_lift_counts_buyers_in_the_window_per_group(runtime, db):
    with runtime.sessions.begin() as s:
        for index in range(40):
            add_customer(s, None, line=f"U{index}", consent=("line",))
    broadcast_id = make_broadcast(runtime, holdout_percent=50)
    run_due_broadcasts(runtime.sessions, runtime.settings)
    groups = {r.customer_id: r.group for r in recipients(db, broadcast_id)}
    treated = [c for c, g in groups.items() if g == "treated"]
    control = [c for c, g in groups.items() if g == "control"]
    planned = db.get(Broadcast, broadcast_id).planned_at
    with runtime.sessions.begin() as s:
        for customer in treated[:8]:  # 8 of 20 treated buy within the window (one buys twice)
            s.add(Order(customer_id=customer, amount=100, placed_at=planned + timedelta(days=1)))
        s.add(Order(customer_id=treated[0], amount=50, placed_at=planned + timedelta(days=2)))
        s.add(Order(customer_id=treated[9], amount=100, placed_at=planned + timedelta(days=9)))  # after the window
        s.add(Order(customer_id=treated[10], amount=100, placed_at=planned - timedelta(days=1)))  # before it
        s.add(Order(customer_id=control[0], amount=100, placed_at=planned + timedelta(days=3)))
        s.add(Order(customer_id=control[1], amount=-100, placed_at=planned + timedelta(days=3)))  # a refund is no purchase
    with runtime.sessions() as s:
        lift = purchase_lift(s, s.get(Broadcast, broadcast_id), 7)
    assert (lift.treated_n, lift.treated_buyers, lift.control_n, lift.control_buyers) == (20, 8, 20, 1)
    # Newcombe's hybrid score interval (it replaced the normal approximation, which gave intervals too narrow for small groups)
    assert lift.interval == pytest.approx((0.0902, 0.5673), abs=1e-4)
    assert lift.verdict == "raised"


@pytest.mark.parametrize(("treated", "control", "verdict"), [
    ((2000, 120), (2000, 82), "raised"), ((1000, 60), (1000, 41), "unclear"), ((100, 6), (100, 4), "unclear"),
    ((1000, 20), (1000, 60), "lowered"), ((50, 5), (0, 0), "no_control"),
    ((9, 6), (3, 0), "too_small"), ((200, 2), (200, 1), "too_small"),
])
def test_lift_verdicts(treated, control, verdict):
    now = utcnow()
    lift = Lift(treated[0], treated[1], control[0], control[1], now, now)
    assert lift.verdict == verdict


def test_finish_marks_a_broadcast_done_only_when_nothing_is_left(runtime, worker, db):
    with runtime.sessions.begin() as s:
        add_customer(s, "a", line="U1", consent=("line",))
    broadcast_id = make_broadcast(runtime)
    run_due_broadcasts(runtime.sessions, runtime.settings)
    assert finish_sent(runtime.sessions, utcnow()) == []
    worker.drain()
    assert finish_sent(runtime.sessions, utcnow()) == [broadcast_id]
