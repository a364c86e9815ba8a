"""Analytics in SQL on both databases: RFM percentile scores, lifecycle stages, the nightly
recompute (a silent baseline, then recorded and announced moves), retention and churn per month,
the complaint recovery rate over any selectable, and the churn watch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select

from bot.crm.analytics import complaint_recovery_rate, monthly_retention, recompute_scores, resolved_complaints
from bot.crm.tiers import tier_for, window_start, window_stats
from jobs import journeys, recompute
from models import Customer, Order, StaffTask, TierChange, utcnow
from models.base import UTCDateTime
from tests.commerce import add_customer, add_order, followed_customer, pushed_texts


def test_rfm_scores_are_percentiles_and_ties_score_alike(runtime, db):
    now = utcnow()
    # Customer k (0..4) bought k+1 times, the last time 10*(4-k) days ago, NT$100 each; the last
    # one paid NT$80 each, so customers 3 and 4 both spent NT$400: a tie, scored alike.
    ids = [add_customer(runtime) for _ in range(5)]
    for k, customer in enumerate(ids):
        for n in range(k + 1):
            add_order(runtime, customer, 80 if k == 4 else 100, days_ago=10 * (4 - k) + n, now=now)
    never = add_customer(runtime, stage="lead")
    with runtime.sessions.begin() as session:
        result = recompute_scores(session, runtime.settings, now)
    assert result.scored == 5
    rows = {c.id: c for c in db.all(select(Customer))}
    assert [rows[c].rfm_recency for c in ids] == [1, 2, 3, 4, 5]
    assert [rows[c].rfm_frequency for c in ids] == [1, 2, 3, 4, 5]
    assert [rows[c].rfm_monetary for c in ids] == [1, 2, 3, 4, 4]
    assert rows[never].rfm_recency is None and rows[never].tier == 5 and rows[never].stage == "lead"
    with runtime.sessions.begin() as session:  # nothing changed: nothing rewritten
        assert recompute_scores(session, runtime.settings, now).updated == 0


def test_lifecycle_stages_and_the_advocate(runtime, db):
    referrer = add_customer(runtime, stage="lead")
    friend = add_customer(runtime, stage="lead", referred_by_id=referrer)
    stranger = add_customer(runtime)
    assert add_order(runtime, referrer, 500).stage == "first_time_buyer"
    assert add_order(runtime, referrer, 500).stage == "repeat"
    add_order(runtime, friend, 300)  # the friend's first purchase makes the referrer an advocate
    stages = {c.id: c.stage for c in db.all(select(Customer))}
    assert stages == {referrer: "advocate", friend: "first_time_buyer", stranger: "stranger"}
    with runtime.sessions.begin() as session:  # the nightly recompute agrees
        recompute_scores(session, runtime.settings)
    assert {c.id: c.stage for c in db.all(select(Customer))} == stages


def test_the_sql_tier_rule_agrees_with_the_python_one(runtime, db):
    now = utcnow()
    plans = [[], [100], [700] * 5, [590] * 5, [1000] * 10, [2000] * 15, [50] * 20, [3000, 3000]]
    ids = []
    for plan in plans:
        customer = add_customer(runtime)
        ids.append(customer)
        for n, amount in enumerate(plan):
            add_order(runtime, customer, amount, days_ago=n * 3, now=now)
    add_order(runtime, ids[1], 5000, days_ago=400, now=now)  # outside the window
    for _ in range(2):  # two referred friends who bought make customer 1 Silver despite one purchase
        add_order(runtime, add_customer(runtime, referred_by_id=ids[1]), 100, now=now)
    with runtime.sessions.begin() as session:
        session.execute(Customer.__table__.update().values(tier=5, scores_updated_at=None))
        recompute_scores(session, runtime.settings, now)
    with runtime.sessions() as session:
        since = window_start(runtime.settings, now)
        expected = [tier_for(window_stats(session, c, since), runtime.settings.tiers) for c in ids]
    assert [db.get(Customer, c).tier for c in ids] == expected
    assert expected == [5, 3, 3, 4, 2, 1, 4, 4]


def import_orders(runtime, customer_id: int, amounts: list[int]) -> None:
    """Orders written straight to the table (a bulk import): no live tier refresh happens."""
    with runtime.sessions.begin() as session:
        session.execute(insert(Order), [{"customer_id": customer_id, "amount": amount, "items": [], "source": "import",
                                         "placed_at": utcnow() - timedelta(days=n)} for n, amount in enumerate(amounts)])


def test_the_nightly_recompute_sets_a_silent_baseline_then_announces_moves_up(chat, db, runtime):
    customer = followed_customer(chat, db)
    import_orders(runtime, customer, [800] * 5)  # 5 purchases, NT$4,000: Silver
    result = recompute.run(runtime.sessions, runtime.settings)
    assert (result.scored, result.tier_changes) == (1, 0) and db.get(Customer, customer).tier == 3
    assert pushed_texts(db, customer, "transactional") == []  # the first scoring congratulates nobody
    import_orders(runtime, customer, [800] * 5)  # 10 purchases, NT$8,000: Gold
    result = recompute.run(runtime.sessions, runtime.settings)
    assert result.tier_changes == 1 and db.get(Customer, customer).tier == 2
    assert [(m.old_tier, m.new_tier, m.notice) for m in db.all(select(TierChange))] == [(3, 2, "sent")]
    texts = pushed_texts(db, customer, "transactional")
    assert len(texts) == 1 and "恭喜您升級為「金卡會員」！" in texts[0] and "升級禮：折抵 NT$300" in texts[0]
    assert recompute.run(runtime.sessions, runtime.settings).tier_changes == 0  # nothing new, nothing said
    assert len(pushed_texts(db, customer, "transactional")) == 1
    chat.replies()
    assert any("金卡會員" in m.get("text", "") for d in chat.standin.deliveries for m in d["messages"])


def test_retention_and_churn_per_month(runtime, settings):
    taipei = timedelta(hours=8)

    def at(month: int, day: int = 15) -> datetime:
        return datetime(2026, month, day, tzinfo=UTC) - taipei

    customers = [add_customer(runtime) for _ in range(4)]
    for customer in customers:  # all four buy in March
        add_order(runtime, customer, 100, now=at(3))
    for customer in customers[:3]:  # three come back in April
        add_order(runtime, customer, 100, now=at(4))
    # 30 April 16:30 UTC is 1 May 00:30 in Taipei: a May purchase, so customer 3 was not back in April.
    add_order(runtime, customers[3], 100, now=at(5, 1) + timedelta(minutes=30))
    add_order(runtime, customers[0], 100, now=at(5, 10))
    with runtime.sessions() as session:
        months = monthly_retention(session, settings, at(3, 1), at(6, 1))
    # June is after the range: nobody could have come back yet, so it is not reported.
    assert [(m.month, m.base, m.retained, m.retention_rate, m.churn_rate) for m in months] == [
        ("2026-04", 4, 3, 0.75, 0.25), ("2026-05", 3, 1, 0.3333, 0.6667)]


def test_complaint_recovery_rate_over_any_selectable(runtime, settings):
    resolved = Table("test_resolved_complaints", MetaData(), Column("customer_id", Integer), Column("resolved_at", UTCDateTime()),
                     prefixes=["TEMPORARY"])
    now = utcnow()
    came_back, stayed_away, late, recent = (add_customer(runtime) for _ in range(4))
    add_order(runtime, came_back, 300, now=now - timedelta(days=100))
    add_order(runtime, late, 300, now=now - timedelta(days=5))  # 115 days after: outside the window
    with runtime.sessions.begin() as session:
        resolved.create(session.connection())
        session.execute(insert(resolved), [
            {"customer_id": came_back, "resolved_at": now - timedelta(days=120)},
            {"customer_id": stayed_away, "resolved_at": now - timedelta(days=120)},
            {"customer_id": late, "resolved_at": now - timedelta(days=120)},
            {"customer_id": recent, "resolved_at": now - timedelta(days=3)},  # its window is not over
        ])
        rate = complaint_recovery_rate(session, settings, now, resolved=select(resolved.c.customer_id, resolved.c.resolved_at))
        everyone = complaint_recovery_rate(session, settings, now, mature_only=False,
                                           resolved=select(resolved.c.customer_id, resolved.c.resolved_at))
        session.rollback()
    assert (rate.resolved_customers, rate.recovered_customers, rate.rate) == (3, 1, 0.3333)
    assert everyone.resolved_customers == 4
    assert "FROM tickets" in str(resolved_complaints()) and "category" in str(resolved_complaints())


def test_churn_watch_cares_for_a_quiet_gold_customer_once(chat, db, runtime):
    """The churn watch is now the built-in journey "win back a gold customer", on by default: the
    daily journey triggers enter the customer, the tick sends the caring message and raises the task."""
    gold = followed_customer(chat, db)
    steady = add_customer(runtime)
    now = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)  # 11:00 in Taipei, outside the quiet hours
    for n in range(12):  # every 10 days, the last one 150 days ago: usual gap 10 days, silence 150
        add_order(runtime, gold, 1000, now=now, days_ago=150 + 10 * n)
        add_order(runtime, steady, 1000, now=now, days_ago=5 + 10 * n)
    with runtime.sessions.begin() as session:
        session.execute(Customer.__table__.update().values(tier=2))
    assert journeys.daily(runtime.sessions, runtime.settings, now) == 1
    journeys.tick(runtime.sessions, runtime.settings, now)
    task = db.scalar(select(StaffTask))
    assert task.customer_id == gold and task.kind == "churn_watch" and task.status == "open"
    assert task.detail["usual_gap_days"] == 10.0 and round(task.detail["current_gap_days"]) == 150
    assert task.detail["message_sent"] is True
    assert any("好久不見" in text for text in pushed_texts(db, gold, "marketing"))
    assert journeys.daily(runtime.sessions, runtime.settings, now + timedelta(days=1)) == 0  # once per silence
    journeys.tick(runtime.sessions, runtime.settings, now + timedelta(days=1))
    assert db.scalar(select(func.count()).select_from(StaffTask)) == 1
