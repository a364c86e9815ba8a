"""Quiet hours hold across everything marketing sends: one rule (bot.crm.pacing) for journeys and
broadcasts, and a broadcast's own quiet hours can only add to the shop's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.crm import hooks, pacing
from bot.marketing.planning import plan_broadcast
from models import Broadcast, OutboxMessage
from tests.journeys.helpers import T0, customer, enrollment, journey, message, texts, tick, with_journeys

TAIPEI = ZoneInfo("Asia/Taipei")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TAIPEI).astimezone(UTC)


def test_the_shop_quiet_hours_and_a_narrower_own_window_both_hold(runtime):
    settings = with_journeys(runtime.settings, quiet_start="21:00", quiet_end="09:00")
    assert pacing.earliest_send(settings, local(2026, 5, 1, 20, 59)) == local(2026, 5, 1, 20, 59)
    assert pacing.earliest_send(settings, local(2026, 5, 1, 22, 30)) == local(2026, 5, 2, 9, 0)
    assert pacing.earliest_send(settings, local(2026, 5, 2, 9, 0)) == local(2026, 5, 2, 9, 0)
    # a broadcast's own window adds quiet time: lunch, and a longer morning
    assert pacing.earliest_send(settings, local(2026, 5, 2, 13, 0), ("12:00", "14:00")) == local(2026, 5, 2, 14, 0)
    assert pacing.earliest_send(settings, local(2026, 5, 2, 3, 0), ("08:00", "10:00")) == local(2026, 5, 2, 10, 0)
    # ... but cannot open the shop's: a broadcast quiet only 23:00-07:00 still waits until 09:00
    assert pacing.earliest_send(settings, local(2026, 5, 1, 22, 0), ("23:00", "07:00")) == local(2026, 5, 2, 9, 0)
    assert pacing.quiet_until(settings, local(2026, 5, 1, 15, 0), ("23:00", "07:00")) is None


def _broadcast_slots(runtime, settings, now, **fields):
    with runtime.sessions.begin() as session:
        broadcast = Broadcast(name="sale", criteria={}, text="sale {name}", status="sending", holdout_percent=0, **fields)
        session.add(broadcast)
        session.flush()
        plan_broadcast(session, broadcast, settings, now)
        return session.scalars(select(OutboxMessage.next_attempt_at).where(OutboxMessage.broadcast_id == broadcast.id)).all()


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_a_broadcast_planned_in_the_shop_quiet_hours_waits_for_their_end(runtime):
    customer(runtime, "Unight")
    night = T0 + timedelta(hours=11)  # 22:00 in Taipei; the shop is quiet 21:00-09:00
    slots = _broadcast_slots(runtime, with_journeys(runtime.settings, quiet_start="21:00", quiet_end="09:00"), night)
    assert [_utc(s) for s in slots] == [T0 + timedelta(hours=22)]  # 09:00 the next morning


def test_a_broadcast_own_quiet_hours_narrow_the_shop_ones_and_never_widen_them(runtime):
    settings = with_journeys(runtime.settings, quiet_start="21:00", quiet_end="09:00")
    customer(runtime, "Umorning")
    early = T0 + timedelta(hours=20)  # 07:00 in Taipei
    slots = _broadcast_slots(runtime, settings, early, quiet_start="23:00", quiet_end="07:00")
    assert [_utc(s) for s in slots] == [T0 + timedelta(hours=22)]  # the shop's 09:00, not the broadcast's 07:00
    customer(runtime, "Ulunch")
    lunch = T0 + timedelta(days=1, hours=1)  # 12:00 in Taipei, outside the shop's quiet hours
    slots = _broadcast_slots(runtime, settings, lunch, quiet_start="12:00", quiet_end="13:30")
    assert max(_utc(s) for s in slots) == T0 + timedelta(days=1, hours=2, minutes=30)


def test_a_journey_step_due_in_quiet_hours_waits_for_their_end(runtime):
    settings = with_journeys(runtime.settings, quiet_start="20:00", quiet_end="08:00")
    journey(runtime, {"name": "quiet", "steps": [message("m", "hi")]})
    cid = customer(runtime, "Uquiet")
    night = T0 + timedelta(hours=10)  # 21:00 in Taipei
    with runtime.sessions.begin() as session:
        hooks.signal(session, cid, "lead_captured", {}, night)
    tick(runtime, night, settings)
    assert texts(runtime, cid) == [] and enrollment(runtime, cid).due_at.replace(tzinfo=UTC) == T0 + timedelta(hours=21)
    tick(runtime, T0 + timedelta(hours=21), settings)
    assert texts(runtime, cid) == ["hi"]
