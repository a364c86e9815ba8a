"""Templates that use customer value: the lead's day-1 recommendations and the post-purchase
cross-sell as product cards (a Flex carousel on LINE), and the win-back entry on churn risk among
gold customers when the churn model is trusted (the rule-based watch otherwise)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.crm import hooks
from bot.crm.journeys import triggers
from bot.crm.journeys.templates import enable
from bot.crm.orders import record_order
from bot.marketing.journey_wiring import install
from models import CustomerValue, JourneyEnrollment, Order, OutboxMessage, Product, ProductPair, ValueModel
from tests.journeys.helpers import T0, customer, outcomes, tick


def _catalogue(runtime):
    with runtime.sessions.begin() as session:
        for sku, name, category, price in [("N1", "小王子", "小說", 280), ("N2", "夜行", "小說", 350),
                                           ("C1", "料理之書", "食譜", 420), ("OLD", "絕版書", "小說", 100)]:
            session.add(Product(sku=sku, name={"zh-TW": name, "en": name}, category=category, price=Decimal(price),
                                image_url=f"https://shop.example/{sku}.jpg", active=sku != "OLD"))


def _switch_on(runtime, name):
    install()
    with runtime.sessions.begin() as session:
        return enable(session, runtime.settings, name, T0).id


def _carousel(runtime, customer_id):
    with runtime.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.customer_id == customer_id)).all()
        return [(m["text"], [c["title"] for c in m["carousel"]]) for row in rows for m in row.messages if m["carousel"]]


def test_the_lead_day_one_message_recommends_by_the_interests_they_chose_as_cards(runtime, worker, standin):
    _catalogue(runtime)
    _switch_on(runtime, "lead_to_first_purchase")
    buyer = customer(runtime, "Ubuyer")
    with runtime.sessions.begin() as session:  # 夜行 sells better than 小王子
        for n in range(2):
            record_order(session, runtime.settings, buyer, amount=Decimal(350), items=[{"sku": "N2"}], placed_at=T0,
                         source="test", idempotency_key=f"n2-{n}", now=T0)
    lead = customer(runtime, "Ulead", interests=["小說"])
    with runtime.sessions.begin() as session:
        hooks.signal(session, lead, "lead_captured", {}, T0)
    tick(runtime, T0)
    tick(runtime, T0 + timedelta(days=1))
    [(text, titles)] = _carousel(runtime, lead)
    assert titles == ["夜行", "小王子"] and "夜行、小王子" in text  # the retired product is left out, 食譜 too
    worker.drain()
    [flex] = [m for d in standin.deliveries if d["to"] in ("Ulead", ["Ulead"]) for m in d["messages"]]
    assert flex["type"] == "flex" and flex["contents"]["type"] == "carousel" and len(flex["contents"]["contents"]) == 2


def test_a_lead_with_nothing_to_recommend_is_not_sent_an_empty_carousel(runtime):
    _catalogue(runtime)
    _switch_on(runtime, "lead_to_first_purchase")
    lead = customer(runtime, "Unone", interests=["詩集"])
    with runtime.sessions.begin() as session:
        hooks.signal(session, lead, "lead_captured", {}, T0)
    tick(runtime, T0)
    tick(runtime, T0 + timedelta(days=1))
    assert ("offer", "nothing_to_show") in outcomes(runtime, lead) and _carousel(runtime, lead) == []


def test_the_cross_sell_template_shows_what_is_bought_together_with_the_order(runtime):
    _catalogue(runtime)
    _switch_on(runtime, "cross_sell")
    with runtime.sessions.begin() as session:
        session.add_all([ProductPair(sku="N1", related_sku="C1", together=5, lift=3.0, rank=1),
                         ProductPair(sku="N1", related_sku="N2", together=5, lift=1.5, rank=2),
                         ProductPair(sku="N1", related_sku="OLD", together=5, lift=9.0, rank=0)])
    cid = customer(runtime, "Ucross")
    with runtime.sessions.begin() as session:
        record_order(session, runtime.settings, cid, amount=Decimal(280), items=[{"sku": "N1"}], placed_at=T0,
                     source="test", now=T0)
    for days in (0, 3, 4):
        tick(runtime, T0 + timedelta(days=days))
    [(text, titles)] = _carousel(runtime, cid)
    assert titles == ["料理之書", "夜行"] and "料理之書" in text


def _gold_with_risk(runtime, user, tier, risk, bought_days_ago=20):
    cid = customer(runtime, user, tier=tier)
    with runtime.sessions.begin() as session:
        session.add(Order(customer_id=cid, amount=Decimal(900), placed_at=T0 - timedelta(days=bought_days_ago), source="test"))
        session.add(CustomerValue(customer_id=cid, churn_risk=risk, computed_at=T0))
    return cid


def _entered(runtime, journey_id):
    with runtime.sessions() as session:
        return set(session.scalars(select(JourneyEnrollment.customer_id).where(JourneyEnrollment.journey_id == journey_id)))


def test_win_back_enters_gold_customers_at_high_churn_risk_only_when_the_model_is_trusted(runtime):
    jid = _switch_on(runtime, "winback_gold")
    risky = _gold_with_risk(runtime, "Urisky", 1, 0.85)
    _gold_with_risk(runtime, "Ucalm", 2, 0.2)
    _gold_with_risk(runtime, "Usilver", 3, 0.95)
    with runtime.sessions.begin() as session:  # an untrusted model: the rule-based watch (nobody is silent long)
        session.add(ValueModel(name="churn", quality={"trustworthy": False}, computed_at=T0))
    with runtime.sessions.begin() as session:
        triggers.run_scheduled(session, runtime.settings, T0)
    assert _entered(runtime, jid) == set()
    with runtime.sessions.begin() as session:
        session.get(ValueModel, "churn").quality = {"trustworthy": True}
    for day in (0, 1):  # entered once per silence, not every night
        with runtime.sessions.begin() as session:
            triggers.run_scheduled(session, runtime.settings, T0 + timedelta(days=day))
    assert _entered(runtime, jid) == {risky}
    with runtime.sessions() as session:
        assert session.scalar(select(JourneyEnrollment.context).where(JourneyEnrollment.journey_id == jid))["churn_risk"] == 0.85
