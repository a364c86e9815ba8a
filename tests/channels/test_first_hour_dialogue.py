"""The first hour of a new customer, through the real webhooks (LINE and Telegram): a referral
link that really records the referrer, a language that does not flip on "ok", greetings answered
kindly, the welcome incentive offered once to someone who wrote first, a campaign's own
incentive, choices and "my data" in words the customer reads, a coupon that says what it gives."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.console.campaign_views import source_stats
from bot.i18n import language_after
from models import ChannelIdentity, Coupon, Customer, LeadCampaign, PointsEntry
from tests.chat import quick_reply_data, texts
from tests.commerce import add_customer, add_order


def customer(db, user: str, channel: str = "line") -> Customer:
    return db.scalar(select(Customer).join(ChannelIdentity).where(
        ChannelIdentity.platform_user_id == user, ChannelIdentity.channel == channel))


def sign_up(chat, answers=("Ann", "ann@example.com", "1", "台北", "旅行")) -> str:
    """Complete the capture on LINE; returns the reply that closes it."""
    chat.press("lead:start")
    for answer in answers:
        chat.say(answer)
    return chat.press("lead:consent:yes")[0]


# --- referral links ------------------------------------------------------------------------------

def test_a_telegram_referral_link_records_the_referrer_like_a_typed_code(chat, tg, db, runtime):
    code = re.search(r"推薦碼是 ([A-Z2-9]{8})", sign_up(chat)).group(1)
    referrer = customer(db, chat.user)
    assert "歡迎加入" in tg.say(f"/start ref_{code.lower()}")[0]
    friend = customer(db, str(tg.user), "telegram")
    assert (friend.referred_by_id, friend.lead_source) == (referrer.id, f"referral:{code}")
    add_order(runtime, friend.id, 500)  # the friend's first purchase earns the referrer the bonus
    bonus = db.scalar(select(PointsEntry).where(PointsEntry.customer_id == referrer.id, PointsEntry.kind == "referral"))
    assert bonus is not None and bonus.points == runtime.settings.loyalty.referral_bonus_points

    typed = "U" + "e" * 32
    assert texts(chat.send("message", text=f"推薦碼 {code}", user=typed))[-1] == "已記錄推薦人，謝謝您！"
    add_customer(runtime, lead_source=f"ref_{code.lower()}")  # as an older version stored a deep link
    with runtime.sessions() as session:
        stats = source_stats(session)
    assert [key for key in stats if code in key.upper()] == [f"referral:{code}"]  # the campaigns page lists them once
    assert stats[f"referral:{code}"] == (3, 1)


def test_a_campaign_link_greets_with_that_campaigns_incentive(tg, db, runtime):
    with runtime.sessions.begin() as session:
        session.add(LeadCampaign(code="spring_fair", name="春季書展", incentive="書展限定：加入會員送帆布袋！"))
    welcome = tg.say("/start src_spring_fair")[0]
    assert "書展限定：加入會員送帆布袋！" in welcome and "9 折券" not in welcome
    assert customer(db, str(tg.user), "telegram").lead_source == "campaign:spring_fair"
    tg.user += 1
    assert "9 折券" in tg.say("/start")[0]  # no campaign: the shop's own incentive


# --- language ------------------------------------------------------------------------------------

def test_the_language_rule():
    assert language_after("ok", "zh-TW", "你好") is None
    assert language_after("hello", "zh-TW", "請問營業時間") is None
    assert language_after("Thank you!", "zh-TW", "好") is None
    assert language_after("What are your opening hours?", "zh-TW", "你好") == "en"
    assert language_after("book", "zh-TW", "points") == "en"  # English twice in a row
    assert language_after("ok", "zh-TW", "ok") is None  # ...but not on loanwords alone
    assert language_after("book", "zh-TW", None) == "en"  # a first message in English
    assert language_after("请问营业时间", "zh-TW", "你好") == "zh-CN"  # the script decides, as before
    assert language_after("請問營業時間", "zh-CN", "ok") == "zh-TW"
    assert language_after("你好", "en", "hello") is None  # could be either script: no change


def test_the_previous_message_is_read_only_when_a_short_english_message_needs_it():
    reads: list[str] = []

    def previous() -> str:
        reads.append("read")
        return "points"

    assert language_after("請問營業時間", "zh-TW", previous) is None  # same language: nothing to decide
    assert language_after("What are your opening hours?", "zh-TW", previous) == "en"  # a sentence decides alone
    assert reads == []
    assert language_after("book", "zh-TW", previous) == "en" and reads == ["read"]


def test_one_english_word_in_a_chinese_conversation_keeps_chinese(chat, db):
    assert chat.say("你好")[0].startswith("您好！我是青田書店的小幫手")
    assert chat.say("ok")[0].startswith("抱歉，我不太懂您的意思")
    assert chat.say("hello")[0].startswith("您好！")
    assert customer(db, chat.user).language == "zh-TW"
    assert "Opening hours" in chat.say("What are your opening hours?")[0]
    assert customer(db, chat.user).language == "en"
    assert chat.press("lang:zh-TW") == ["好的，之後會用繁體中文回覆您。"]  # the button always switches
    assert chat.say("thanks")[0].startswith("不客氣！")


def test_choices_in_a_flow_are_in_the_customers_language_and_stored_in_the_shops(chat, db):
    chat.say("I would like to sign up")
    chat.say("Amy")
    chat.say("amy@example.com")
    deliveries = chat.send("message", text="5")
    labels = [i["action"]["label"] for i in deliveries[0]["messages"][0]["quickReply"]["items"]]
    assert labels[:3] == ["Taipei", "New Taipei", "Taoyuan"]
    assert quick_reply_data(deliveries[0])[0] == "lead:value:台北"
    chat.press("lead:value:台北")
    chat.say("Design, travel")  # typed in English, kept in the shop's words
    saved = customer(db, chat.user)
    assert (saved.region, saved.interests, saved.language) == ("台北", ["設計", "旅行"], "en")
    chat.press("lead:consent:no")
    mine = chat.say("my data")[0].splitlines()
    assert "Region: Taipei" in mine and "Interests: Design, Travel" in mine and "Birthday month: May" in mine
    assert "Stage: Signed up (no purchase yet)" in mine and "Tier: Friend" in mine and "Came from: LINE chat" in mine

    simplified = "U" + "c" * 32
    chat.send("message", text="我要加入会员", user=simplified)
    for answer in ("小红", "hong@example.com", "3"):
        chat.send("message", text=answer, user=simplified)
    events = chat.send("postback", postback="lead:skip", user=simplified)  # skip the region: interests come next
    labels = [i["action"]["label"] for i in events[0]["messages"][0]["quickReply"]["items"]]
    assert labels[:3] == ["文学", "童书", "设计"]


# --- greetings and the welcome -------------------------------------------------------------------

def test_greetings_and_thanks_get_a_friendly_answer_with_the_menu(chat):
    users = iter(f"U{n:032x}" for n in range(100, 200))
    for word, start in [("你好", "您好！"), ("您好", "您好！"), ("哈囉", "您好！"), ("謝謝", "不客氣！"), ("谢谢！", "不客气！"),
                        ("hi", "Hello!"), ("thanks", "You're welcome!")]:
        user = next(users)
        chat.send("follow", user=user)
        deliveries = chat.send("message", text=word, user=user)
        assert texts(deliveries)[0].startswith(start), word
        assert "faq:0" in quick_reply_data(deliveries[0]) and "lead:start" not in quick_reply_data(deliveries[0])


def test_a_customer_who_writes_without_following_is_offered_the_welcome_incentive_once(chat, tg):
    first = chat.send("message", text="你好")
    assert texts(first) == ["您好！我是青田書店的小幫手，很高興為您服務。請點選下方項目，或直接輸入您的問題。\n留下 Email 即送 9 折券！"]
    assert quick_reply_data(first[0])[0] == "lead:start"
    again = chat.send("message", text="你好")
    assert "9 折券" not in texts(again)[0] and "lead:start" not in quick_reply_data(again[0])
    assert "Leave your email and get a 10% off coupon!" in tg.say("hi")[0]  # Telegram, typed before /start
    assert "coupon" not in tg.say("hi")[0]


# --- what the customer reads ---------------------------------------------------------------------

def test_the_welcome_coupon_says_what_it_gives_and_until_when(chat, db, runtime):
    done = sign_up(chat)
    coupon = db.scalar(select(Coupon))
    expiry = coupon.expires_at.astimezone(ZoneInfo(runtime.settings.app.timezone)).strftime("%Y-%m-%d")
    assert f"您的見面禮優惠券：{coupon.code}（9 折，{expiry} 前有效），結帳時出示即可使用。" in done


def test_points_and_stamps_are_kept_apart(chat, db, runtime):
    chat.send("follow")
    add_order(runtime, customer(db, chat.user).id, 1200)
    chat.replies()
    points, stamps = chat.say("點數")[0].split("\n\n")
    assert points.startswith("您的點數：12 點") and "章" not in points
    assert stamps.startswith("集點卡：●○○○○○○○○○ 1/10 章\n每筆消費滿 NT$100 蓋 1 章") and "點數" not in stamps
