"""Points, stamps and tiers: the "points" dialogue in three languages, the stamp card's reward,
the ledger's rules (idempotent awards, no overdraft, first-in first-out expiry with an injected
clock), and congratulations on the way up only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.crm import loyalty
from bot.crm.tiers import WindowStats, notify_change, qualifies, refresh_customer_tier, tier_for
from jobs import points_expiry
from models import Coupon, PointsEntry, TierChange, utcnow
from tests.chat import quick_reply_data, texts
from tests.commerce import add_customer, add_order, followed_customer, pushed_texts


def test_points_dialogue_in_three_languages(chat, db, runtime):
    customer = followed_customer(chat, db)
    for amount in (1200, 850, 60):  # 12 + 8 + 0 points; the NT$60 order earns no stamp
        add_order(runtime, customer, amount)
    assert "恭喜您升級為「一般會員」！" in texts(chat.replies())[0]  # pushed after the first order
    reply = chat.say("我的點數")[0]
    assert reply.splitlines()[:2] == ["您的點數：20 點", "會員等級：一般會員"]
    assert "升級「銀卡會員」還需要：再消費 2 次、再累積 NT$890、或推薦 2 位朋友來消費" in reply
    assert "\n\n集點卡：●●○○○○○○○○ 2/10 章\n每筆消費滿 NT$100 蓋 1 章，集滿 10 章送店內咖啡一杯" in reply  # apart from points
    english = chat.say("how many points do I have?")[0]
    assert english.startswith("Your points: 20\nMembership tier: Member\n")
    assert "To reach Silver: 2 more purchases, NT$890 more in purchases, or refer 2 more friends who buy" in english
    assert "Stamp card: ●●○○○○○○○○ 2/10" in english
    simplified = chat.say("我的点数")[0]
    assert simplified.startswith("您的点数：20 点\n会员等级：一般会员") and "集点卡：●●" in simplified
    deliveries = chat.send("postback", postback="points:show")
    assert "您的点数：20 点" in deliveries[0]["messages"][0]["text"] and "coupons:list" in quick_reply_data(deliveries[0])


def test_points_words_inside_other_words_are_not_points(chat, db):
    followed_customer(chat, db)
    assert "did not understand" in chat.say("I need an appointment")[0]
    assert "not helping" in chat.say("pointless")[0]  # the fallback again, not the points
    assert chat.say("points??")[0].startswith("Your points: 0")


def test_the_top_tier_says_so(chat, db, runtime):
    customer = followed_customer(chat, db)
    for day in range(15):
        add_order(runtime, customer, 1000, days_ago=day)
    chat.replies()  # the congratulations pushed on the way up
    reply = chat.say("點數")[0]
    assert "會員等級：鑽石會員" in reply and "您已是最高等級" in reply and "升級" not in reply


def test_a_full_stamp_card_issues_the_reward_once_and_says_so(chat, db, runtime):
    customer = followed_customer(chat, db)
    for number in range(11):
        outcome = add_order(runtime, customer, 150, key=f"o-{number}")
        assert (outcome.stamp_reward is not None) == (number == 9)
    chat.replies()
    rewards = db.all(select(Coupon).where(Coupon.source == "stamp-card:1"))
    assert len(rewards) == 1
    assert any(f"集點卡集滿了！送您免費兌換店內咖啡一杯，優惠碼 {rewards[0].code}" in text for text in pushed_texts(db, customer))
    assert "集點卡：●○○○○○○○○○ 1/10" in chat.say("集點")[0]


def test_awards_are_idempotent_and_spends_cannot_overdraw(runtime):
    customer = add_customer(runtime)
    with runtime.sessions.begin() as session:
        first = loyalty.award(session, customer, 50, kind="campaign", idempotency_key="survey-bonus")
        again = loyalty.award(session, customer, 50, kind="campaign", idempotency_key="survey-bonus")
        assert first.id == again.id and loyalty.balance(session, customer) == 50
        with pytest.raises(loyalty.PointsError) as overdraft:
            loyalty.deduct(session, customer, 51)
        assert overdraft.value.reason == "insufficient"
        with pytest.raises(loyalty.PointsError):
            loyalty.award(session, customer, -5, kind="campaign")
        with pytest.raises(loyalty.PointsError):
            loyalty.award(session, customer, 5, kind="spend")
        loyalty.deduct(session, customer, 20, idempotency_key="gift-1")
        loyalty.deduct(session, customer, 20, idempotency_key="gift-1")
        assert loyalty.balance(session, customer) == 30


def test_points_expire_first_in_first_out(runtime, db):
    customer = add_customer(runtime)
    start = utcnow() - timedelta(days=400)
    with runtime.sessions.begin() as session:
        loyalty.award(session, customer, 100, kind="earn", now=start, valid_days=365)  # expires day 365
        loyalty.award(session, customer, 100, kind="earn", now=start + timedelta(days=100), valid_days=365)  # day 465
        loyalty.deduct(session, customer, 150, now=start + timedelta(days=200))  # takes the first 100 and 50 of the second
    assert points_expiry.run(runtime.sessions, runtime.settings, start + timedelta(days=366)) == 0  # the first 100 were spent
    assert points_expiry.run(runtime.sessions, runtime.settings, start + timedelta(days=466)) == 1
    assert points_expiry.run(runtime.sessions, runtime.settings, start + timedelta(days=467)) == 0  # nothing left to expire
    entries = db.all(select(PointsEntry).where(PointsEntry.kind == "expire"))
    assert [e.points for e in entries] == [-50]
    assert db.scalar(select(func.sum(PointsEntry.points))) == 0


def test_tier_rule_combines_purchases_spend_average_and_referrals(settings):
    tiers = settings.tiers
    assert tier_for(WindowStats(0, 0, 20), tiers) == 5  # referrals alone, without a purchase: still potential
    assert tier_for(WindowStats(1, 100, 0), tiers) == 4
    assert tier_for(WindowStats(5, 3000, 0), tiers) == 3
    assert tier_for(WindowStats(5, 2999, 0), tiers) == 4
    assert tier_for(WindowStats(1, 100, 2), tiers) == 3  # people who recommend you count even if they spend less
    assert tier_for(WindowStats(1, 100, 10), tiers) == 1
    assert tier_for(WindowStats(15, 15000, 0), tiers) == 1
    strict = tiers[2].__class__(level=3, name={"en": "x"}, min_purchases=2, min_spend=0, min_average_order=500)
    assert qualifies(strict, WindowStats(2, 1000, 0)) and not qualifies(strict, WindowStats(2, 999, 0))


def test_congratulations_only_on_the_way_up_and_the_gift_once(chat, db, runtime):
    customer = followed_customer(chat, db)
    for day in range(5):
        add_order(runtime, customer, 700, days_ago=day)  # 5 purchases, NT$3,500: Silver
    texts = pushed_texts(db, customer, "transactional")
    assert any("恭喜您升級為「銀卡會員」！" in t and "升級禮：折抵 NT$100" in t for t in texts)
    gifts = db.scalar(select(func.count()).select_from(Coupon).where(Coupon.source == "tier-up:3"))
    assert gifts == 1
    # A year on, the window is empty: down to tier 5, silently; then back up: no second gift.
    later = utcnow() + timedelta(days=400)
    with runtime.sessions.begin() as session:
        down = refresh_customer_tier(session, runtime.settings, customer, later)
        assert (down.old_tier, down.new_tier) == (3, 5)
        notify_change(session, runtime.settings, down, later)
    assert len(pushed_texts(db, customer, "transactional")) == len(texts)
    for day in range(5):
        add_order(runtime, customer, 700, now=later, days_ago=day)
    assert db.scalar(select(func.count()).select_from(Coupon).where(Coupon.source == "tier-up:3")) == 1
    notices = [c.notice for c in db.all(select(TierChange).order_by(TierChange.id))]
    assert notices == ["sent", "sent", "none", "sent", "sent"]
