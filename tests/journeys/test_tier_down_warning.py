"""The tier-down template warns a month ahead: the tier rule (bot.crm.tiers) evaluated over the
rolling window as of 30 days from now, on the purchases made so far; once per expected drop."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bot.crm.journeys import triggers
from bot.crm.journeys.templates import enable
from bot.crm.orders import record_order
from bot.crm.tiers import expected_drops
from bot.marketing.journey_wiring import install
from models import Order
from tests.journeys.helpers import T0, customer, outcomes, texts, tick


def _orders(runtime, customer_id, *days_ago):
    with runtime.sessions.begin() as session:
        session.add_all([Order(customer_id=customer_id, amount=Decimal(700), placed_at=T0 - timedelta(days=d), source="test")
                         for d in days_ago])


def _daily(runtime, now):
    with runtime.sessions.begin() as session:
        return triggers.run_scheduled(session, runtime.settings, now)


def test_a_silver_customer_whose_oldest_purchase_leaves_the_window_within_a_month_is_warned_once(runtime):
    install()
    with runtime.sessions.begin() as session:
        enable(session, runtime.settings, "tier_down", T0)
    # silver (tier 3) needs 5 purchases and 3,000 in 365 days
    soon = customer(runtime, "Usoon", tier=3)
    _orders(runtime, soon, 350, 40, 30, 20, 10)  # the first leaves the window in 15 days: 4 left, Member
    later = customer(runtime, "Ulater", tier=3)
    _orders(runtime, later, 300, 40, 30, 20, 10)  # leaves in 65 days: not yet
    plenty = customer(runtime, "Uplenty", tier=3)
    _orders(runtime, plenty, 350, 50, 40, 30, 20, 10)  # one leaves, five stay: no drop
    member = customer(runtime, "Umember", tier=4)
    _orders(runtime, member, 100)
    with runtime.sessions() as session:
        drops = expected_drops(session, runtime.settings, T0, 30)
    assert [(d.customer_id, d.tier, d.expected_tier) for d in drops] == [(soon, 3, 4)]

    assert sum(_daily(runtime, T0).values()) == 1
    tick(runtime, T0)
    [warning] = texts(runtime, soon)
    assert "銀卡會員" in warning and "調降" in warning
    assert texts(runtime, later) == texts(runtime, plenty) == texts(runtime, member) == []
    assert sum(_daily(runtime, T0 + timedelta(days=1)).values()) == 0  # the same forecast: no second warning
    assert outcomes(runtime, soon) == [("warning", "sent")]


def test_a_purchase_after_the_warning_keeps_the_tier_and_ends_the_forecast(runtime):
    install()
    with runtime.sessions.begin() as session:
        enable(session, runtime.settings, "tier_down", T0)
    cid = customer(runtime, "Ukeep", tier=3)
    _orders(runtime, cid, 350, 40, 30, 20, 10)
    _daily(runtime, T0)
    with runtime.sessions.begin() as session:
        record_order(session, runtime.settings, cid, amount=Decimal(700), items=[], placed_at=T0 + timedelta(days=2),
                     source="test", now=T0 + timedelta(days=2))
    with runtime.sessions() as session:
        assert expected_drops(session, runtime.settings, T0 + timedelta(days=3), 30) == []
    assert sum(_daily(runtime, T0 + timedelta(days=3)).values()) == 0
