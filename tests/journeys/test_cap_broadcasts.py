"""The frequency cap holds across journeys and broadcasts: one ledger, one rule (bot.crm.pacing)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.marketing.planning import plan_broadcast
from models import Broadcast, BroadcastRecipient, MarketingSend
from tests.journeys.helpers import T0, count, customer, journey, message, tick, with_journeys


def test_a_customer_messaged_by_journeys_today_is_left_out_of_a_broadcast_and_counted(runtime):
    settings = with_journeys(runtime.settings, cap_per_day=2, cap_per_week=10)
    busy, free = customer(runtime, "Ubusy"), customer(runtime, "Ufree")
    journey(runtime, {"name": "two", "steps": [message("a", "one"), message("b", "two")]})
    with runtime.sessions.begin() as session:
        from bot.crm import hooks
        hooks.signal(session, busy, "lead_captured", {}, T0)
    tick(runtime, T0, settings)
    with runtime.sessions.begin() as session:
        broadcast = Broadcast(name="sale", criteria={}, text="sale {name}", status="sending", holdout_percent=0)
        session.add(broadcast)
        session.flush()
        summary = plan_broadcast(session, broadcast, settings, T0 + timedelta(hours=1))
        reasons = dict(session.execute(select(BroadcastRecipient.customer_id, BroadcastRecipient.skip_reason)).all())
    assert summary.skipped == {"capped": 1} and reasons == {busy: "capped", free: None}
    assert count(runtime, MarketingSend, MarketingSend.customer_id == free, MarketingSend.source.like("broadcast:%")) == 1
    # the broadcast counts too: the next journey message to `free` today is its second, the third is withheld
    journey(runtime, {"name": "later", "trigger": {"kind": "tag_added"},
                      "steps": [message("c", "three"), message("d", "four")]})
    with runtime.sessions.begin() as session:
        from bot.crm import hooks
        hooks.signal(session, free, "tag_added", {"tag": "x"}, T0 + timedelta(hours=2))
    tick(runtime, T0 + timedelta(hours=2), settings)
    assert count(runtime, MarketingSend, MarketingSend.customer_id == free) == 2
