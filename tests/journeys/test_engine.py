"""The journeys' engine through the real database (SQLite and PostgreSQL), the clock injected."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from bot.crm import hooks
from bot.crm.journeys.definition import JourneyError, validate_journey
from bot.crm.journeys.store import save_journey, set_status
from bot.crm.orders import record_order
from models import (
    Consent,
    Coupon,
    Customer,
    JourneyEnrollment,
    JourneyStepRun,
    MarketingSend,
    PointsEntry,
    StaffTask,
)
from tests.journeys.helpers import (
    T0,
    count,
    customer,
    enrollment,
    journey,
    message,
    outcomes,
    texts,
    tick,
    with_journeys,
)


def signal(runtime, customer_id, signal_name, now=T0, **properties):
    with runtime.sessions.begin() as session:
        hooks.signal(session, customer_id, signal_name, properties, now)


def buy(runtime, customer_id, amount="500", now=T0):
    with runtime.sessions.begin() as session:
        record_order(session, runtime.settings, customer_id, amount=Decimal(amount), items=[], placed_at=now,
                     source="test", now=now)


def test_validation_names_the_step_and_the_field():
    problems = validate_journey({"name": "x", "trigger": {"kind": "lead_captured"}, "steps": [
        {"id": "hello", "kind": "message", "text": {"en": "Hi {nmae}"}},
        {"id": "pause", "kind": "wait"},
        {"id": "check", "kind": "condition", "if": {"tag": "vip"}, "yes": [{"id": "hello", "kind": "tag", "add": "x"}]},
        {"id": "ab", "kind": "split", "variants": [{"name": "a", "percent": 60, "steps": []},
                                                     {"name": "b", "percent": 30, "steps": []}]},
    ]})
    assert "step 'hello' (message): text.en: unknown field {nmae}; use {name}, {tier}, {points}, {coupon}, " \
           "{coupon_expires}, {shop}, {recommendations}, {bought_together}" in problems
    assert any(p.startswith("step 'pause' (wait): wait: give a duration") for p in problems)
    assert "step 'hello': id: used by another step" in problems
    assert "step 'ab' (split): variants: the percents must add up to 100" in problems
    assert validate_journey({"name": "", "trigger": {"kind": "nope"}, "steps": []}) == [
        "name: required, at most 100 characters",
        "trigger.kind: must be one of follow, lead_captured, tag_added, tier_up, tier_down, coupon_expiring, "
        "appointment_completed, appointment_missed, ticket_resolved, csat_answer, event, first_purchase, purchase, "
        "birthday_month, no_purchase, segment, tier_down_expected", "steps: at least one step"]


def test_a_lead_gets_the_steps_in_order_and_a_purchase_ends_it_as_converted(runtime):
    jid = journey(runtime, {"name": "lead", "goal": "first_purchase", "steps": [
        message("hello", "歡迎 {name}"), {"id": "later", "kind": "wait", "days": 1}, message("again", "還在嗎")]})
    amy = customer(runtime, "Uamy", display_name="Amy")
    signal(runtime, amy, "lead_captured")
    assert tick(runtime, T0) > 0
    assert texts(runtime, amy) == ["歡迎 Amy"]
    assert enrollment(runtime, amy).step == "again" and enrollment(runtime, amy).due_at == T0 + timedelta(days=1)
    assert tick(runtime, T0 + timedelta(hours=23)) == 0  # not due yet: found by its due time only
    buy(runtime, amy, now=T0 + timedelta(hours=23))
    row = enrollment(runtime, amy, jid)
    assert (row.status, row.exit_reason, row.converted_at) == ("converted", "goal", T0 + timedelta(hours=23))
    tick(runtime, T0 + timedelta(days=2))  # (the purchase's own journey, "After a purchase", asks its question)
    assert "還在嗎" not in texts(runtime, amy) and enrollment(runtime, amy, jid).status == "converted"


def test_a_journey_runs_to_its_end_and_completes(runtime):
    journey(runtime, {"name": "short", "steps": [message("hello", "hi"), {"id": "w", "kind": "wait", "hours": 2},
                                                  message("bye", "bye")]})
    bob = customer(runtime, "Ubob", language="en")
    signal(runtime, bob, "lead_captured")
    tick(runtime, T0)
    tick(runtime, T0 + timedelta(hours=2))
    assert texts(runtime, bob) == ["hi (en)", "bye (en)"]
    assert enrollment(runtime, bob).status == "completed"
    assert outcomes(runtime, bob) == [("hello", "sent"), ("w", "waiting"), ("bye", "sent")]


def test_a_condition_on_a_tag_takes_the_yes_or_the_no_branch_then_continues(runtime):
    journey(runtime, {"name": "vip", "steps": [
        {"id": "check", "kind": "condition", "if": {"tag": "vip"},
         "yes": [message("vip_text", "VIP")], "no": [message("plain_text", "一般")]},
        message("after", "之後")]})
    vip, plain = customer(runtime, "Uvip", tags=["vip"]), customer(runtime, "Uplain")
    for who in (vip, plain):
        signal(runtime, who, "lead_captured")
    tick(runtime, T0)
    assert texts(runtime, vip) == ["VIP", "之後"] and texts(runtime, plain) == ["一般", "之後"]
    assert ("check", "yes") in outcomes(runtime, vip) and ("check", "no") in outcomes(runtime, plain)


def test_purchased_since_entry_and_an_event_wait_with_its_timeout(runtime):
    journey(runtime, {"name": "wait event", "steps": [
        {"id": "answer", "kind": "wait", "event": "replied", "timeout_hours": 48},
        {"id": "bought", "kind": "condition", "if": {"purchased_since_entry": True},
         "yes": [message("thanks", "謝謝購買")], "no": [message("nudge", "提醒")]}]})
    quick, silent = customer(runtime, "Uquick"), customer(runtime, "Usilent")
    for who in (quick, silent):
        signal(runtime, who, "lead_captured")
    tick(runtime, T0)
    buy(runtime, quick, now=T0 + timedelta(hours=1))
    signal(runtime, quick, "event", now=T0 + timedelta(hours=1), name="replied")
    tick(runtime, T0 + timedelta(hours=1))
    assert texts(runtime, quick)[-1] == "謝謝購買" and texts(runtime, silent) == []  # woken by the event
    tick(runtime, T0 + timedelta(hours=47))
    assert texts(runtime, silent) == []
    tick(runtime, T0 + timedelta(hours=48))
    assert texts(runtime, silent) == ["提醒"]  # the timeout


def test_wait_until_a_time_of_day_in_the_shop_timezone(runtime):
    journey(runtime, {"name": "morning", "steps": [{"id": "w", "kind": "wait", "until": "10:00"}, message("m", "早安")]})
    cid = customer(runtime, "Umorning")
    signal(runtime, cid, "lead_captured")
    tick(runtime, T0)  # 11:00 in Taipei: 10:00 has passed, so tomorrow
    assert enrollment(runtime, cid).due_at == T0 + timedelta(hours=23)


def test_tag_points_and_task_steps(runtime):
    journey(runtime, {"name": "actions", "steps": [
        {"id": "tag_on", "kind": "tag", "add": "Journey Lead"}, {"id": "tag_off", "kind": "tag", "remove": "old"},
        {"id": "gift", "kind": "points", "points": 50}, {"id": "call", "kind": "task", "title": "Call {name}"}]})
    cid = customer(runtime, "Uact", display_name="Cat", tags=["old"])
    signal(runtime, cid, "lead_captured")
    tick(runtime, T0)
    with runtime.sessions() as session:
        assert session.get(Customer, cid).tags == ["Journey Lead"]
        entry = session.scalar(select(PointsEntry).where(PointsEntry.customer_id == cid))
        assert (entry.points, entry.kind) == (50, "campaign")
        task = session.scalar(select(StaffTask).where(StaffTask.customer_id == cid))
        assert (task.kind, task.title) == ("journey", "Call Cat")


def test_a_message_with_a_coupon_issues_one_per_customer(runtime):
    journey(runtime, {"name": "coupon", "steps": [message("gift", "代碼 {coupon} 到 {coupon_expires}", coupon="WELCOME10")]})
    cid = customer(runtime, "Ucoupon")
    signal(runtime, cid, "lead_captured")
    tick(runtime, T0)
    with runtime.sessions() as session:
        coupon = session.scalar(select(Coupon).where(Coupon.customer_id == cid))
    assert coupon is not None and texts(runtime, cid)[0].startswith(f"代碼 {coupon.code} 到 ")


def test_reentry_once_every_and_per_days(runtime):
    once = journey(runtime, {"name": "once", "trigger": {"kind": "tag_added"}, "steps": [message("a", "once")]})
    every = journey(runtime, {"name": "every", "trigger": {"kind": "tag_added"}, "reentry": "every",
                              "steps": [message("a", "every")]})
    weekly = journey(runtime, {"name": "weekly", "trigger": {"kind": "tag_added"}, "reentry": "days",
                               "reentry_days": 7, "steps": [message("a", "weekly")]})
    cid = customer(runtime, "Ure")
    for day in (0, 1, 8):
        signal(runtime, cid, "tag_added", now=T0 + timedelta(days=day), tag=f"t{day}")
    def entries(jid):
        return count(runtime, JourneyEnrollment, JourneyEnrollment.journey_id == jid)
    assert (entries(once), entries(every), entries(weekly)) == (1, 3, 2)


def test_holdout_is_drawn_stored_and_sent_nothing(runtime):
    jid = journey(runtime, {"name": "holdout", "holdout_percent": 50, "steps": [message("a", "hi")]})
    people = [customer(runtime, f"Uh{n}") for n in range(60)]
    for who in people:
        signal(runtime, who, "lead_captured")
    tick(runtime, T0)
    held = count(runtime, JourneyEnrollment, JourneyEnrollment.journey_id == jid, JourneyEnrollment.group == "holdout")
    assert 0 < held < 60  # 50 %: both groups exist (a one-sided draw of 60 has odds 2^-59)
    with runtime.sessions() as session:
        rows = session.execute(select(JourneyEnrollment.customer_id, JourneyEnrollment.status)
                               .where(JourneyEnrollment.group == "holdout")).all()
    assert {status for _, status in rows} == {"held_out"}
    assert all(texts(runtime, who) == [] for who, _ in rows)
    assert sum(len(texts(runtime, who)) for who in people) == 60 - held


def test_an_ab_split_sends_each_variant_and_stores_it(runtime):
    journey(runtime, {"name": "ab", "steps": [{"id": "ab", "kind": "split", "variants": [
        {"name": "a", "percent": 50, "steps": [message("ma", "A")]},
        {"name": "b", "percent": 50, "steps": [message("mb", "B")]}]}]})
    people = [customer(runtime, f"Uab{n}") for n in range(40)]
    for who in people:
        signal(runtime, who, "lead_captured")
    tick(runtime, T0)
    seen = set()
    for who in people:
        row = enrollment(runtime, who)
        assert texts(runtime, who) == [row.variant.upper()]
        seen.add(row.variant)
    assert seen == {"a", "b"}


def test_the_cap_counts_journeys_and_broadcasts_together_and_transactional_steps_pass(runtime):
    settings = with_journeys(runtime.settings, cap_per_day=1)
    journey(runtime, {"name": "capped", "steps": [message("m", "marketing"), message("t", "receipt", transactional=True)]})
    cid = customer(runtime, "Ucap")
    with runtime.sessions.begin() as session:  # a broadcast reached them this morning
        session.add(MarketingSend(customer_id=cid, source="broadcast:1", at=T0 - timedelta(hours=1)))
    signal(runtime, cid, "lead_captured")
    tick(runtime, T0, settings)
    assert outcomes(runtime, cid) == [("m", "withheld_cap"), ("t", "sent")] and texts(runtime, cid) == ["receipt"]


def test_a_marketing_step_due_in_quiet_hours_waits_for_their_end(runtime):
    settings = with_journeys(runtime.settings, quiet_start="21:00", quiet_end="09:00")  # the shop's default
    journey(runtime, {"name": "quiet", "steps": [message("m", "hi")]})
    cid = customer(runtime, "Uquiet")
    night = T0 + timedelta(hours=11)  # 22:00 in Taipei
    signal(runtime, cid, "lead_captured", now=night)
    tick(runtime, night, settings)
    assert texts(runtime, cid) == [] and enrollment(runtime, cid).due_at == T0 + timedelta(hours=22)  # 09:00
    tick(runtime, T0 + timedelta(hours=22), settings)
    assert texts(runtime, cid) == ["hi"] and count(runtime, MarketingSend, MarketingSend.customer_id == cid) == 1


def test_consent_withdrawn_mid_journey_withholds_the_next_message(runtime):
    journey(runtime, {"name": "consent", "steps": [message("a", "one"), {"id": "w", "kind": "wait", "days": 1},
                                                    message("b", "two")]})
    cid = customer(runtime, "Uconsent")
    signal(runtime, cid, "lead_captured")
    tick(runtime, T0)
    with runtime.sessions.begin() as session:
        session.execute(update(Consent).where(Consent.customer_id == cid).values(granted=False))
    tick(runtime, T0 + timedelta(days=1))
    assert texts(runtime, cid) == ["one"] and outcomes(runtime, cid)[-1] == ("b", "withheld_consent")


def test_a_paused_journey_keeps_customers_where_they_are_until_resumed(runtime):
    jid = journey(runtime, {"name": "pause", "steps": [message("a", "one"), {"id": "w", "kind": "wait", "days": 1},
                                                        message("b", "two")]})
    cid = customer(runtime, "Upause")
    signal(runtime, cid, "lead_captured")
    tick(runtime, T0)
    set_journey_status(runtime, jid, "paused")
    assert tick(runtime, T0 + timedelta(days=2)) == 0 and texts(runtime, cid) == ["one"]
    set_journey_status(runtime, jid, "active")
    tick(runtime, T0 + timedelta(days=2))
    assert texts(runtime, cid) == ["one", "two"]


def set_journey_status(runtime, jid, status):
    from models import Journey
    with runtime.sessions.begin() as session:
        set_status(session, session.get(Journey, jid), status, T0)


def test_an_edited_journey_keeps_customers_inside_on_their_version(runtime):
    data = {"name": "edit", "trigger": {"kind": "lead_captured"},
            "steps": [{"id": "w", "kind": "wait", "days": 1}, message("m", "old text")]}
    jid = journey(runtime, data)
    early, late = customer(runtime, "Uearly"), customer(runtime, "Ulate")
    signal(runtime, early, "lead_captured")
    tick(runtime, T0)
    from models import Journey
    with runtime.sessions.begin() as session:
        save_journey(session, {**data, "steps": [{"id": "w", "kind": "wait", "days": 1}, message("m", "new text")]}, T0,
                     journey=session.get(Journey, jid))
    signal(runtime, late, "lead_captured")
    tick(runtime, T0)
    tick(runtime, T0 + timedelta(days=1))
    assert texts(runtime, early) == ["old text"] and texts(runtime, late) == ["new text"]
    assert enrollment(runtime, early).version_id != enrollment(runtime, late).version_id


def test_save_refuses_a_bad_journey_with_every_problem(runtime):
    with runtime.sessions.begin() as session, pytest.raises(JourneyError) as raised:
        save_journey(session, {"name": "bad", "trigger": {"kind": "lead_captured"},
                               "steps": [{"id": "m", "kind": "message", "text": {"fr": "salut"}}]}, T0)
    assert raised.value.problems == ["step 'm' (message): text.fr: unknown language; use zh-TW, en, zh-CN"]


def test_domain_signals_start_journeys(runtime):
    """Tier changes, a resolved ticket and a custom event each start the journey that waits for them."""
    for kind in ("tier_up", "ticket_resolved", "appointment_completed", "csat_answer", "coupon_expiring", "follow"):
        journey(runtime, {"name": kind, "trigger": {"kind": kind}, "steps": [message("m", kind)]})
    journey(runtime, {"name": "custom", "trigger": {"kind": "event", "name": "cart_abandoned"},
                      "steps": [message("m", "cart")]})
    cid = customer(runtime, "Usignals")
    for kind in ("tier_up", "ticket_resolved", "appointment_completed", "csat_answer", "coupon_expiring", "follow"):
        signal(runtime, cid, kind)
    signal(runtime, cid, "event", name="cart_abandoned")
    signal(runtime, cid, "event", name="something_else")
    tick(runtime, T0, with_journeys(runtime.settings, cap_per_day=0, cap_per_week=0))  # seven in a day: no cap here
    assert sorted(texts(runtime, cid)) == sorted(["tier_up", "ticket_resolved", "appointment_completed", "csat_answer",
                                                   "coupon_expiring", "follow", "cart"])


def test_the_tier_recompute_fires_tier_up(runtime):
    from bot.crm.tiers import refresh_customer_tier
    journey(runtime, {"name": "up", "trigger": {"kind": "tier_up"}, "steps": [message("m", "恭喜 {tier}")]})
    cid = customer(runtime, "Utier", tier=5)
    buy(runtime, cid, "100")  # the order refreshes the tier (5 -> 4, Member), which fires tier_up
    with runtime.sessions.begin() as session:
        refresh_customer_tier(session, runtime.settings, cid, T0)
    tick(runtime, T0)
    assert texts(runtime, cid)[-1] == "恭喜 一般會員"


def test_a_birthday_month_enters_the_silver_customers_once_a_year(runtime):
    from bot.crm.journeys.templates import enable
    from bot.crm.journeys.triggers import run_scheduled
    with runtime.sessions.begin() as session:
        enable(session, runtime.settings, "birthday_month", T0)
    silver = customer(runtime, "Usilver", tier=3, birthday_month=3)
    customer(runtime, "Ugoldbday", tier=2, birthday_month=3)
    customer(runtime, "Uapril", tier=3, birthday_month=4)
    for day in (0, 1):
        with runtime.sessions.begin() as session:
            assert run_scheduled(session, runtime.settings, T0 + timedelta(days=day))["生日月份"] == 1 - day
    tick(runtime, T0)
    tick(runtime, T0 + timedelta(days=1))
    with runtime.sessions() as session:
        coupon = session.scalar(select(Coupon).where(Coupon.customer_id == silver))
    assert coupon is not None and coupon.code in texts(runtime, silver)[0]
    assert count(runtime, JourneyStepRun, JourneyStepRun.outcome == "sent") == 1


def test_a_segment_trigger_enters_its_members_once_and_archiving_ends_the_entries(runtime):
    from bot.crm.journeys.triggers import run_scheduled
    jid = journey(runtime, {"name": "vips", "trigger": {"kind": "segment", "criteria": {"tags": ["vip"]}},
                            "steps": [{"id": "w", "kind": "wait", "days": 3}, message("m", "VIP")]})
    vip, other = customer(runtime, "Usegvip", tags=["vip"]), customer(runtime, "Usegother")
    for day in (0, 1):
        with runtime.sessions.begin() as session:
            assert run_scheduled(session, runtime.settings, T0 + timedelta(days=day))["vips"] == 1 - day
    assert enrollment(runtime, vip, jid).status == "active"
    assert count(runtime, JourneyEnrollment, JourneyEnrollment.customer_id == other, JourneyEnrollment.journey_id == jid) == 0
    set_journey_status(runtime, jid, "archived")
    row = enrollment(runtime, vip, jid)
    assert (row.status, row.exit_reason) == ("exited", "archived")
    tick(runtime, T0 + timedelta(days=4))
    assert texts(runtime, vip) == []


def test_no_purchase_for_n_days_enters_the_silent_customers(runtime):
    from bot.crm.journeys.triggers import run_scheduled
    jid = journey(runtime, {"name": "quiet ones", "trigger": {"kind": "no_purchase", "days": 60},
                            "steps": [message("m", "好久不見")]})
    silent, recent = customer(runtime, "Usilent60"), customer(runtime, "Urecent60")
    buy(runtime, silent, now=T0 - timedelta(days=90))
    buy(runtime, recent, now=T0 - timedelta(days=10))
    with runtime.sessions.begin() as session:
        assert run_scheduled(session, runtime.settings, T0)["quiet ones"] == 1
    assert enrollment(runtime, silent, jid).status == "active"
