"""The demo bookshop: its shape (the top 20 % of customers bring well over half the revenue, most
buy once or twice, some lapse, broadcasts show a positive lift), determinism from the seed, and
`--clear` removing exactly the demo rows while the shop's own data survives, on both databases."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.cli.demo import run_demo, sandbox_only
from bot.crm import orders as order_domain
from bot.devtools import demo
from bot.marketing import reports
from bot.marketing.results import purchase_lift
from models import Appointment, Broadcast, ChannelIdentity, Customer, DemoRow, Order, OrderLine, Product, Survey, Ticket, TierChange
from tests.console.factories import add_customer

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


def _generate(runtime, seed: int = 15) -> demo.DemoSummary:
    with runtime.sessions.begin() as session:
        return demo.generate(session, runtime.settings, seed=seed, now=NOW)


def test_the_demo_history_has_the_shape_of_a_real_shop(runtime):
    summary = _generate(runtime)
    assert summary.counts["customers"] == 2000 and 250 <= summary.counts["products"] <= 400
    with runtime.sessions() as s:
        revenue = sorted((Decimal(v) for v in s.scalars(select(func.sum(Order.amount)).group_by(Order.customer_id))), reverse=True)
        buyers = len(revenue)
        top = sum(revenue[: buyers // 5]) / sum(revenue)
        assert top > Decimal("0.5"), top  # the loyal few bring well over half
        per_customer = list(s.scalars(select(func.count()).select_from(Order).group_by(Order.customer_id)))
        assert sum(1 for n in per_customer if n <= 2) / len(per_customer) > 0.4  # most buy once or twice
        last = list(s.scalars(select(func.max(Order.placed_at)).group_by(Order.customer_id)))
        assert sum(1 for t in last if t < NOW - timedelta(days=120)) / len(last) > 0.15  # some lapse
        assert s.scalar(select(func.count()).select_from(OrderLine).where(OrderLine.known.is_(False))) == 0
        assert {c for c in s.scalars(select(ChannelIdentity.channel).distinct())} == {"line", "telegram", "email"}
        assert s.scalar(select(func.count()).select_from(Appointment).where(Appointment.status == "no_show")) > 0
        assert s.scalar(select(func.count()).select_from(Ticket).where(Ticket.first_response_breached_at.is_not(None))) > 0
        assert s.scalar(select(func.count()).select_from(Survey).where(Survey.score.is_not(None))) > 100
        tiers = dict(s.execute(select(Customer.tier, func.count()).group_by(Customer.tier)).all())
        assert len(tiers) >= 4, tiers  # the pyramid has its levels
        assert s.scalar(select(func.count()).select_from(TierChange).where(TierChange.notified_at.is_(None))) == 0
        broadcasts = list(s.scalars(select(Broadcast)))
        assert len(broadcasts) == 2
        for broadcast in broadcasts:
            lift = purchase_lift(s, broadcast, broadcast.results_window_days)
            assert lift is not None and lift.control_n > 50 and lift.difference > 0 and lift.interval[0] > 0, lift
        assert all(row[3] for row in reports.campaign_lift(s).rows)  # the report shows them


def test_same_seed_same_shop_and_a_second_run_is_refused(runtime):
    first = _generate(runtime)
    with runtime.sessions() as s:
        fingerprint = (s.scalar(select(func.sum(Order.amount))), s.scalar(select(func.count()).select_from(OrderLine)))
    with runtime.sessions.begin() as session, pytest.raises(demo.DemoExists):
        demo.generate(session, runtime.settings, now=NOW)
    with runtime.sessions.begin() as session:
        demo.clear(session)
    second = _generate(runtime)
    assert first.counts == second.counts
    with runtime.sessions() as s:
        assert (s.scalar(select(func.sum(Order.amount))), s.scalar(select(func.count()).select_from(OrderLine))) == fingerprint


def test_clear_removes_the_demo_and_keeps_the_shops_own_data(runtime):
    with runtime.sessions.begin() as s:
        real = add_customer(s, "Real customer", line="U-real", consent=("line",)).id
        s.add(Product(sku="REAL-1", name={"zh-TW": "真的書"}, category="文學小說"))
    with runtime.sessions.begin() as s:
        order_domain.record_order(s, runtime.settings, real, amount=Decimal(500), items=[{"sku": "REAL-1", "quantity": 1}],
                                  placed_at=NOW, source="test")
    _generate(runtime)
    with runtime.sessions.begin() as s:
        removed = demo.clear(s)
    assert removed["customers"] == 2000
    with runtime.sessions() as s:
        assert list(s.scalars(select(Customer.id))) == [real]
        assert list(s.scalars(select(Product.sku))) == ["REAL-1"]
        assert s.scalar(select(func.count()).select_from(Order)) == 1
        assert s.scalar(select(func.count()).select_from(OrderLine)) == 1
        assert s.scalar(select(func.count()).select_from(Broadcast)) == 0
        assert s.scalar(select(func.count()).select_from(DemoRow)) == 0
        assert s.scalar(select(func.count()).select_from(Appointment)) == 0


def test_the_command_refuses_production_and_reports(runtime, capsys):
    assert run_demo(runtime.settings, customers=50) == 0
    assert "demo bookshop ready" in capsys.readouterr().out
    assert run_demo(runtime.settings, customers=50) == 1 and "--clear" in capsys.readouterr().err
    assert run_demo(runtime.settings, customers=50, if_empty=True) == 0  # customers there: left alone
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 50
    assert run_demo(runtime.settings, clear=True) == 0 and "50 customers" in capsys.readouterr().out
    production = runtime.settings.model_copy(update={"app": dataclasses.replace(runtime.settings.app, env="production")})
    assert production.production
    assert run_demo(production) == 2 and "production" in capsys.readouterr().err


def test_make_run_fills_only_an_empty_sandbox(runtime, capsys):
    settings = runtime.settings
    assert not sandbox_only(settings)  # the suite configures LINE: real channels, so only a hint
    assert run_demo(settings, customers=30, if_empty=True) == 0 and "tip:" in capsys.readouterr().out
    sandbox = settings.model_copy(update={
        "line": dataclasses.replace(settings.line, channel_secret="", channel_access_token=""),
        "telegram": dataclasses.replace(settings.telegram, token=""),
        "email": dataclasses.replace(settings.email, smtp_host="")})
    assert sandbox_only(sandbox)
    with runtime.sessions() as s:
        assert not demo.present(s)
    assert run_demo(sandbox, customers=30, if_empty=True) == 0  # empty sandbox: the demo is made
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 30 and demo.present(s)
