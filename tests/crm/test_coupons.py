"""Coupons: issuing (unique, unguessable, idempotent, limited), atomic and idempotent redemption,
the "my coupons" dialogue in three languages, and the expiry reminder job with an injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.crm.coupons import CODE_ALPHABET, CODE_LENGTH, CouponError, issue_coupon, redeem
from bot.i18n import text as translate
from jobs import coupon_reminders
from models import Coupon, CouponRedemption, OutboxMessage, utcnow
from tests.chat import quick_reply_data
from tests.commerce import add_customer, followed_customer, pushed_texts


def issue(runtime, customer_id, template="WELCOME10", source="test", **kwargs):
    with runtime.sessions.begin() as session:
        coupon = issue_coupon(session, customer_id, template, source=source, **kwargs)
        return coupon.code


def test_codes_are_ten_unambiguous_characters_and_unique(runtime, db):
    customer = add_customer(runtime)
    codes = [issue(runtime, customer, "FREECOFFEE", source=f"batch:{i}") for i in range(200)]
    assert len(set(codes)) == 200
    assert all(len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set("0O1IL") & set(CODE_ALPHABET)


def test_issuing_is_idempotent_per_customer_template_and_source(runtime, db):
    customer = add_customer(runtime)
    first = issue(runtime, customer, source="lead")
    assert issue(runtime, customer, source="lead") == first  # a retry of the welcome gift
    assert issue(runtime, customer, source="other", idempotency_key=f"{customer}:WELCOME10:lead") == first
    assert db.scalar(select(func.count()).select_from(Coupon)) == 1
    # WELCOME10 allows one per customer: a different source is refused, not a second coupon.
    with pytest.raises(CouponError) as refused:
        issue(runtime, customer, source="campaign-7")
    assert refused.value.reason == "limit_reached"
    with pytest.raises(CouponError) as unknown:
        issue(runtime, customer, "NO_SUCH_TEMPLATE")
    assert unknown.value.reason == "unknown_template"
    with pytest.raises(CouponError) as nobody:
        issue(runtime, 999_999)
    assert nobody.value.reason == "unknown_customer"


def test_redemption_is_atomic_and_idempotent(runtime, db):
    customer = add_customer(runtime)
    code = issue(runtime, customer)
    with runtime.sessions.begin() as session:
        first = redeem(session, code.lower()[:5] + "-" + code.lower()[5:], request_key="till-1:42", redeemed_by="till-1")
        assert not first.replay and first.coupon.uses == 1
    with runtime.sessions.begin() as session:  # the same request again counts once
        again = redeem(session, code, request_key="till-1:42", redeemed_by="till-1")
        assert again.replay and again.redemption.id == first.redemption.id
    with runtime.sessions.begin() as session, pytest.raises(CouponError) as used:
        redeem(session, code, request_key="till-2:7", redeemed_by="till-2")
    assert used.value.reason == "used"
    assert db.scalar(select(func.count()).select_from(CouponRedemption)) == 1
    assert db.scalar(select(Coupon.uses)) == 1


def test_expired_and_foreign_coupons_are_refused_with_reasons(runtime):
    owner, stranger = add_customer(runtime), add_customer(runtime)
    old = issue(runtime, owner, "FREECOFFEE", now=utcnow() - timedelta(days=61))  # valid 60 days
    fresh = issue(runtime, owner, "FREECOFFEE", source="fresh")
    with runtime.sessions.begin() as session:
        with pytest.raises(CouponError) as expired:
            redeem(session, old, request_key="a", redeemed_by="t")
        with pytest.raises(CouponError) as foreign:
            redeem(session, fresh, request_key="b", redeemed_by="t", customer_id=stranger)
        with pytest.raises(CouponError) as missing:
            redeem(session, "ZZZZZZZZZZ", request_key="c", redeemed_by="t")
    assert (expired.value.reason, foreign.value.reason, missing.value.reason) == ("expired", "wrong_customer", "not_found")


def test_my_coupons_in_three_languages(chat, db, runtime):
    customer = followed_customer(chat, db)
    assert chat.say("優惠券") == ["您目前沒有優惠券。"]
    welcome = issue(runtime, customer, source="lead")
    coffee = issue(runtime, customer, "FREECOFFEE", now=utcnow() - timedelta(days=61))
    listing = chat.say("我的優惠券")[0]
    assert welcome in listing and "9 折" in listing and "新朋友 9 折券" in listing and "可使用" in listing
    assert coffee in listing and "已過期" in listing and "免費兌換店內咖啡一杯" in listing
    assert listing.index(welcome) < listing.index(coffee)  # usable ones first
    english = chat.say("my coupons")[0]
    assert english.startswith("Your coupons:") and "10% off" in english and "ready to use" in english and "expired" in english
    simplified = chat.say("我的优惠券")[0]
    assert simplified.startswith("您的优惠券：") and "已过期" in simplified and "结账时出示优惠码" in simplified
    with runtime.sessions.begin() as session:
        redeem(session, welcome, request_key="k", redeemed_by="till")
    assert "已使用" in chat.say("優惠券")[0]
    deliveries = chat.send("postback", postback="coupons:list")
    assert "coupons:list" in quick_reply_data(deliveries[0]) and "points:show" in quick_reply_data(deliveries[0])


def test_asking_for_one_coupon_and_bad_codes(chat, db, runtime):
    customer = followed_customer(chat, db)
    mine = issue(runtime, customer, source="lead")
    theirs = issue(runtime, add_customer(runtime), source="lead")
    assert chat.say(f"優惠券 {mine.lower()}")[0].startswith(f"・{mine}｜9 折")
    bare = chat.say(mine)[0]  # a bare code of theirs (in English if the code reads as Latin words)
    assert bare.startswith((f"- {mine} | 10% off", f"・{mine}｜9 折"))
    not_found = chat.say(f"coupon {theirs}")  # another customer's code is never shown
    assert not_found == [f'We could not find coupon code "{theirs}". Codes are 10 letters or digits; please check it.']
    assert "找不到優惠碼「AB12」" not in chat.say("優惠券 AB12")[0]  # too short to be a code: the list
    assert "找不到優惠碼「XX99999999」" in chat.say("優惠券 XX99999999")[0]
    # A bare code that is not theirs is not ours to answer: the fallback menu, in whichever language.
    assert chat.say(theirs)[0] in (translate("fallback", "en"), translate("fallback", "zh-TW"))
    assert "Your coupons:" in chat.say("coupons for today?")[0]


def test_expiry_reminders_three_days_before_once(chat, db, runtime):
    customer = followed_customer(chat, db)
    silent = add_customer(runtime)  # never wrote to us: no channel, no consent
    now = utcnow()
    soon = issue(runtime, customer, "FREECOFFEE", now=now - timedelta(days=58))  # expires in 2 days
    later = issue(runtime, customer, "FREECOFFEE", source="later", now=now - timedelta(days=50))  # in 10 days
    used = issue(runtime, customer, "FREECOFFEE", source="used", now=now - timedelta(days=58))
    issue(runtime, silent, "FREECOFFEE", now=now - timedelta(days=58))
    with runtime.sessions.begin() as session:
        redeem(session, used, request_key="k", redeemed_by="till")
    assert coupon_reminders.run(runtime.sessions, runtime.settings, now) == 1
    texts = pushed_texts(db, customer, "marketing")
    assert len(texts) == 1 and soon in texts[0] and later not in texts[0] and used not in texts[0]
    assert "即將到期" in texts[0]
    assert coupon_reminders.run(runtime.sessions, runtime.settings, now + timedelta(hours=1)) == 0  # once
    assert db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.customer_id == silent)) == 0
    assert db.scalar(select(func.count()).select_from(Coupon).where(Coupon.reminder_sent_at.is_not(None))) == 2
    # Seven days on, the later coupon is due too.
    assert coupon_reminders.run(runtime.sessions, runtime.settings, now + timedelta(days=7, hours=1)) == 1
    assert later in pushed_texts(db, customer, "marketing")[-1]
    # The reminder reaches the customer through the delivery pipeline.
    chat.replies()
    assert any(later in m.get("text", "") for d in chat.standin.deliveries for m in d["messages"])


def test_an_opted_out_customer_gets_no_reminder(chat, db, runtime):
    customer = followed_customer(chat, db)
    chat.send("unfollow")
    issue(runtime, customer, "FREECOFFEE", now=utcnow() - timedelta(days=58))
    assert coupon_reminders.run(runtime.sessions, runtime.settings) == 0
    assert pushed_texts(db, customer, "marketing") == []


def test_codes_drawn_in_bulk_use_every_letter_of_the_alphabet_evenly():
    from collections import Counter

    from bot.crm.coupons import CODE_ALPHABET, CODE_LENGTH, new_codes

    codes = new_codes(20_000)
    assert len(codes) == 20_000 and len(set(codes)) == 20_000
    assert all(len(code) == CODE_LENGTH for code in codes)
    counts = Counter("".join(codes))
    assert set(counts) == set(CODE_ALPHABET)  # no other character, none missing
    expected = 20_000 * CODE_LENGTH / len(CODE_ALPHABET)
    assert all(abs(n - expected) < 0.05 * expected for n in counts.values())  # a biased map would be off by ~10 %
