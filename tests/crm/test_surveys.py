"""Satisfaction surveys through the real LINE webhook path: CSAT after a resolved ticket (a low
score reopens it for a supervisor) and a configured time after an order; answers per customer."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.crm import tickets
from bot.crm.orders import OrderError, record_order
from models import Conversation, Customer, JourneyEnrollment, Order, Survey, Ticket
from tests.care_helpers import STAFF_OVERRIDES, SUPERVISOR_CHAT, button_data, press, say, to_address, to_customer
from tests.conftest import CLOCK_START, make_settings

TZ = CLOCK_START.tzinfo


@pytest.fixture
def settings(db_url, tmp_path, standin):
    return make_settings(db_url, tmp_path, standin.url, **STAFF_OVERRIDES)


def resolve_complaint(chat, runtime, clock, text: str = "我要客訴") -> None:
    say(chat, text)
    clock.set(datetime(2026, 3, 3, 9, 30, tzinfo=TZ))
    with runtime.sessions.begin() as session:
        tickets.resolve(session, runtime.settings, 1, "amy", clock.now())


def test_a_low_score_after_a_resolved_ticket_reopens_it_for_a_supervisor(chat, db, runtime, clock, scheduler):
    resolve_complaint(chat, runtime, clock)
    clock.advance(minutes=4)
    scheduler.run_interval_jobs()
    assert chat.replies() == []
    clock.advance(minutes=1)
    scheduler.run_interval_jobs()
    deliveries = chat.replies()
    survey_id = db.scalar(select(Survey.id))
    assert to_customer(deliveries, chat.user) == ["您的問題（案件 1）已處理完成。請為這次的服務打個分數（1 最差，5 最好）："]
    assert button_data(deliveries) == [f"csat:{survey_id}:{score}" for score in range(1, 6)]
    deliveries = chat.send("postback", postback=f"csat:{survey_id}:1")
    assert to_customer(deliveries, chat.user) == ["很抱歉沒能讓您滿意，主管會親自與您聯絡。"]
    assert to_address(deliveries, SUPERVISOR_CHAT) == ["⚠ 案件 #1 的滿意度只有 1 分，已重新開啟並交給主管 supervisor。"]
    ticket = db.get(Ticket, 1)
    assert (ticket.status, ticket.reopened, ticket.assignee, ticket.escalation_reason) == ("reopened", 1, "supervisor", "low_csat")
    assert ticket.resolved_at is None and ticket.first_response_due == clock.now() + timedelta(minutes=60)
    assert db.scalar(select(Conversation.handled_by)) == "human"
    survey = db.get(Survey, survey_id)
    assert (survey.status, survey.score, survey.customer_id) == ("answered", 1, ticket.customer_id)
    assert chat.send("postback", postback=f"csat:{survey_id}:5") == []  # staff hold the chat again: quiet
    with runtime.sessions() as session:
        assert [t.id for t in tickets.queue(session)] == [1]


def test_a_typed_good_score_is_thanked_and_kept(chat, db, runtime, clock, scheduler):
    resolve_complaint(chat, runtime, clock, "I want a refund")
    clock.advance(minutes=5)
    scheduler.run_interval_jobs()
    assert to_customer(chat.replies(), chat.user) == ["Your case 1 is resolved. How would you rate our service? (1 = poor, 5 = excellent)"]
    assert say(chat, "5") == ["Thank you for your rating!"]
    assert db.scalar(select(Survey.score)) == 5 and db.get(Ticket, 1).status == "resolved"
    assert say(chat, "5")[0].startswith("Sorry, I did not understand")  # nothing open to answer any more


def test_post_purchase_survey_after_the_configured_delay(chat, db, runtime, clock, scheduler):
    """The question is asked by the built-in journey "After a purchase" (on by default), the
    configured delay after the order; since journeys, a thank-you with the points comes with it."""
    say(chat, "hello there")  # an English-speaking customer with a chat
    with runtime.sessions.begin() as session:
        customer_id = session.scalar(select(Customer.id))
        nobody = Customer(language="zh-TW", interests=[], tags=[])
        session.add(nobody)
        session.flush()
        for key, who, amount in (("o-1", customer_id, "480.00"), ("o-1", customer_id, "480.00"), ("o-3", nobody.id, "100")):
            try:
                with session.begin_nested():
                    record_order(session, runtime.settings, who, amount=Decimal(amount), items=[], placed_at=clock.now(),
                                 source="test", idempotency_key=key, now=clock.now())
            except OrderError:  # the replay of o-1: one order, one question
                pass
        order_id = session.scalar(select(Order.id).where(Order.idempotency_key == "o-1"))
        record_order(session, runtime.settings, customer_id, amount=Decimal("-80.00"), items=[], placed_at=clock.now(),
                     source="test", idempotency_key="o-2", now=clock.now(), refund_of=order_id)
    chat.replies()  # what the order itself says (the new tier)
    clock.advance(hours=23, minutes=59)
    scheduler.run_interval_jobs()
    assert chat.replies() == []
    clock.advance(minutes=1)
    scheduler.run_interval_jobs()
    assert to_customer(chat.replies(), chat.user) == [
        "Thank you for shopping at 青田書店! How was your experience? (1 = poor, 5 = excellent)",
        "Thank you for buying at 青田書店! You now have 4 points."]
    first = db.scalar(select(Survey).where(Survey.kind == "order", Survey.subject_id == order_id))
    assert (first.channel, first.address) == ("line", chat.user)
    assert db.scalar(select(Survey.status).where(Survey.customer_id != customer_id)) == "no_channel"  # the walk-in
    assert len(db.all(select(Survey))) == 2  # no question about the refund, none twice for the replay
    assert say(chat, "4") == ["Thank you for your rating!"]
    answered = db.scalar(select(Survey).where(Survey.kind == "order", Survey.customer_id == customer_id))
    assert (answered.score, answered.customer_id, answered.answered_at) == (4, customer_id, clock.now())


def test_forged_or_stale_survey_buttons_get_a_clear_answer_in_simplified_chinese(chat, db, runtime, clock, scheduler):
    resolve_complaint(chat, runtime, clock, "我要投诉")
    clock.advance(minutes=5)
    scheduler.run_interval_jobs()
    assert to_customer(chat.replies(), chat.user) == ["您的问题（案件 1）已处理完成。请为这次的服务打个分数（1 最差，5 最好）："]
    survey_id = db.scalar(select(Survey.id))
    assert press(chat, "csat:999:3") == ["找不到这份问卷，可能已经过期了。"]
    assert press(chat, f"csat:{survey_id}:9") == ["找不到这份问卷，可能已经过期了。"]
    stranger = "U" + "9" * 32
    assert to_customer(chat.send("postback", postback=f"csat:{survey_id}:5", user=stranger), stranger) == [
        "找不到這份問卷，可能已經過期了。"]
    assert press(chat, f"csat:{survey_id}:4") == ["谢谢您的评分！"]
    assert press(chat, f"csat:{survey_id}:1") == ["这份问卷已经回答过了，谢谢！"]
    assert db.get(Survey, survey_id).score == 4


def test_no_survey_to_a_customer_who_blocked_us(chat, db, runtime, clock, scheduler):
    resolve_complaint(chat, runtime, clock)
    chat.send("unfollow")
    clock.advance(minutes=5)
    scheduler.run_interval_jobs()
    assert chat.replies() == []
    assert db.scalar(select(Survey.status)) == "unreachable"


def test_ten_backdated_orders_through_the_api_ask_once_within_the_window(chat, db, runtime, server, clock, scheduler):
    """A till that reports a week of purchases at once (backdated, all arriving together) must not
    send a burst of ten surveys: one is asked, the rest are skipped, and the next order after the
    window is asked again."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from tests.commerce import api_key, followed_customer

    customer_id = followed_customer(chat, db)
    chat.replies()
    headers = {"Authorization": f"Bearer {api_key(runtime, 'pos')}"}

    def post(key: int) -> int:
        """An order placed `key % 100` days before the test clock's now."""
        body = {"customer": {"id": customer_id}, "amount": 300, "idempotency_key": f"till-{key}",
                "placed_at": (clock.now() - timedelta(days=key % 100)).isoformat()}
        return requests.post(f"{server}/api/v1/orders", json=body, headers=headers, timeout=30).status_code

    def asked() -> list[str]:  # the survey questions among what arrived (tier news may come too)
        return [t for t in to_customer(chat.replies(), chat.user) if "打個分數" in t]

    with ThreadPoolExecutor(max_workers=5) as pool:
        assert sorted(pool.map(post, range(2, 12))) == [201] * 10
    # each order entered the journey "After a purchase" (its question is written when it is asked)
    assert len(db.all(select(JourneyEnrollment).where(JourneyEnrollment.context["trigger"].as_string() == "purchase"))) == 10
    scheduler.run_interval_jobs()
    assert asked() == ["謝謝您在青田書店的消費！請為這次的購物體驗打個分數（1 最差，5 最好）："]
    statuses = sorted(s.status for s in db.all(select(Survey).where(Survey.kind == "order")))
    assert statuses == ["sent"] + ["skipped"] * 9
    clock.advance(days=13)
    assert post(102) == 201  # placed 2 days ago, surveyed 13 days after the last question: inside the window
    scheduler.run_interval_jobs()
    assert asked() == []
    clock.advance(days=2)
    assert post(202) == 201
    scheduler.run_interval_jobs()  # 15 days after the last question: asked again, once
    assert len(asked()) == 1
    assert [s.status for s in db.all(select(Survey).where(Survey.kind == "order").order_by(Survey.id))][-2:] == [
        "skipped", "sent"]


def test_a_window_of_zero_days_turns_the_limit_off(chat, db, runtime, clock):
    from jobs.scheduler import LeaderScheduler

    settings = runtime.settings.replace(surveys={"window_days": 0})
    scheduler = LeaderScheduler(settings, runtime.sessions, "test-scheduler", clock)
    say(chat, "你好")
    with runtime.sessions.begin() as session:
        customer_id = session.scalar(select(Customer.id))
        for day in (3, 4):
            record_order(session, settings, customer_id, amount=Decimal("100"), items=[],
                         placed_at=clock.now() - timedelta(days=day), source="test", idempotency_key=f"o-{day}",
                         now=clock.now())
    scheduler.run_interval_jobs()
    questions = [t for t in to_customer(chat.replies(), chat.user) if "打個分數" in t]
    assert len(questions) == 2


def test_the_survey_window_is_read_from_config_and_a_negative_one_is_refused():
    from bot.config import ConfigError, load_settings

    assert load_settings(environ={}).surveys.window_days == 14
    assert load_settings(environ={"BOT_SURVEYS_WINDOW_DAYS": "30"}).surveys.window_days == 30
    with pytest.raises(ConfigError, match="surveys.window_days"):
        load_settings(environ={"BOT_SURVEYS_WINDOW_DAYS": "-1"})
