"""Lead capture through the real LINE webhook path (and Telegram-shaped events in the inbox):
fields in config order, validation with a second chance in three languages, consent, the
incentive once, email linking by a one-time code, verified phones, referral and campaign sources."""

from __future__ import annotations

import re

from sqlalchemy import select

from models import ChannelIdentity, Consent, Customer, DialogueState, EmailVerification, ReferralCode
from tests.care_helpers import TelegramUser, button_data, outbox, press, say


def customer(db, user: str = "U0123456789abcdef0123456789abcdef", channel: str = "line") -> Customer:
    return db.scalar(select(Customer).join(ChannelIdentity).where(
        ChannelIdentity.platform_user_id == user, ChannelIdentity.channel == channel))


def test_capture_asks_config_fields_in_order_and_keeps_the_answers(chat, db, clock):
    deliveries = chat.send("follow")
    assert "lead:start" in button_data(deliveries)
    replies = press(chat, "lead:start")
    assert "謝謝您願意留下資料" in replies[0] and "請問怎麼稱呼您" in replies[0]
    assert say(chat, "王小明") == ["請輸入您的 Email："]
    # an email in Latin letters does not switch the dialogue to English; LINE has no verified phone
    assert say(chat, "Ming@Example.com") == ["您的生日在幾月？（1–12）"]
    assert press(chat, "lead:value:3") == ["您住在哪個地區？"]
    assert say(chat, "台北") == ["您對哪些主題有興趣？可以輸入多個，用逗號分開。"]
    deliveries = chat.send("message", text="文學、設計")
    assert "lead:consent:yes" in button_data(deliveries)
    done = press(chat, "lead:consent:yes")[0]
    assert "完成了，謝謝王小明！" in done and re.search(r"您的見面禮優惠券：[A-Z2-9]{10}", done)
    code = re.search(r"推薦碼是 ([A-Z2-9]{8})", done).group(1)

    saved = customer(db)
    assert (saved.display_name, saved.email, saved.birthday_month, saved.region, saved.interests) == (
        "王小明", "ming@example.com", 3, "台北", ["文學", "設計"])
    assert saved.stage == "lead" and saved.lead_source == "line:direct" and saved.language == "zh-TW"
    consents = {c.purpose: (c.granted, c.source) for c in db.all(select(Consent))}
    assert consents == {"marketing": (True, "line:lead_capture"), "transactional": (True, "line:lead_capture")}
    assert db.scalar(select(ReferralCode.customer_id).where(ReferralCode.code == code)) == saved.id
    state = db.get(DialogueState, saved.id)
    assert state.flow is None and state.data["incentive"]["status"] == "issued"


def test_a_bad_email_gets_a_clear_answer_and_a_second_chance_in_english(chat, db, clock):
    assert "What should we call you?" in say(chat, "sign up")[0]
    assert say(chat, "Amy") == ["Please type your email address:"]
    assert say(chat, "amy at example") == [
        "\"amy at example\" is not an email address. Please try again, e.g. name@example.com.\nPlease type your email address:"]
    assert say(chat, "amy@example.com") == ["Which month is your birthday? (1-12)"]
    assert customer(db).email == "amy@example.com"


def test_a_required_field_wrong_twice_pauses_and_keeps_what_was_given_in_simplified_chinese(chat, db, clock):
    assert "请问怎么称呼您" in say(chat, "加入会员")[0]
    assert say(chat, "小红") == ["请输入您的 Email："]
    first = say(chat, "abc")
    assert first == ["“abc”不是有效的 Email 地址，请再输入一次，例如 name@example.com。\n请输入您的 Email："]
    second = say(chat, "还是不对")[0]
    assert "不是有效的 Email 地址" in second and "我们先停在这里" in second
    saved = customer(db)
    assert saved.display_name == "小红" and saved.email is None and db.get(DialogueState, saved.id).flow is None
    # coming back continues where it stopped: the name is not asked again
    assert say(chat, "加入会员") == ["谢谢您愿意留下资料！只要几个问题，随时输入“取消”可以停止。\n请输入您的 Email："]


def test_an_optional_field_wrong_twice_is_skipped_and_skip_and_cancel_work(chat, db, clock):
    press(chat, "lead:start")
    say(chat, "陳大文")
    # the required email has no skip button, and a forged skip is refused
    assert "lead:skip" not in button_data(chat.send("message", text="not-an-email"))
    assert "領取優惠券需要的，不能略過" in press(chat, "lead:skip")[0]
    say(chat, "wen@example.com")
    assert say(chat, "13") == ["「13」不是月份，請輸入 1 到 12 的數字。\n您的生日在幾月？（1–12）"]
    assert say(chat, "十三") == ["「十三」不是月份，請輸入 1 到 12 的數字。\n沒關係，這一項先略過。\n您住在哪個地區？"]
    assert press(chat, "lead:skip") == ["您對哪些主題有興趣？可以輸入多個，用逗號分開。"]
    assert "已停止" in say(chat, "取消")[0]
    saved = customer(db)
    assert saved.birthday_month is None and saved.region is None and saved.email == "wen@example.com"
    assert saved.stage == "stranger"  # not a lead until the capture is complete


def test_the_incentive_is_recorded_once_whatever_the_retries(chat, db, clock):
    press(chat, "lead:start")
    for answer in ("Lin", "lin@example.com", "5", "台中", "童書"):
        say(chat, answer)
    press(chat, "lead:consent:no")
    for _ in range(2):  # the customer tries to collect again
        assert press(chat, "lead:start") == ["謝謝您願意留下資料！只要幾個問題，隨時輸入「取消」可以停止。\n"
                                             "最後一題：您願意收到我們的優惠與新書消息嗎？（可隨時輸入「取消訂閱」停止）"]
        press(chat, "lead:consent:yes")
    saved = customer(db)
    incentive = db.get(DialogueState, saved.id).data["incentive"]
    assert incentive["status"] == "issued" and incentive["template"] == "WELCOME10"
    assert db.scalar(select(Consent.granted).where(Consent.purpose == "marketing")) is True


def test_the_incentive_coupon_exists_exactly_once_in_the_database(chat, db, clock):
    from models.coupons import Coupon

    press(chat, "lead:start")
    for answer in ("Lin", "lin@example.com", "5", "台中", "童書"):
        say(chat, answer)
    first = press(chat, "lead:consent:yes")[0]
    code = re.search(r"見面禮優惠券：([A-Z2-9]{10})", first).group(1)
    for _ in range(2):  # collecting again shows the same coupon, never a second one
        press(chat, "lead:start")
        again = press(chat, "lead:consent:yes")[0]
        assert code in again
    saved = customer(db)
    coupons = db.all(select(Coupon).where(Coupon.customer_id == saved.id))
    assert [c.code for c in coupons] == [code]


def existing_member(runtime, email: str = "old@example.com") -> int:
    with runtime.sessions.begin() as session:
        member = Customer(display_name="老會員", email=email, stage="repeat", tier=2, language="zh-TW", interests=[], tags=[])
        session.add(member)
        session.flush()
        return member.id


def code_from_outbox(db, email: str) -> str:
    rows = outbox(db, "email", email)
    assert rows and rows[-1].purpose == "verification" and rows[-1].messages[0]["title"] == "青田書店 驗證碼"
    return re.search(r"驗證碼是 (\d{6})", rows[-1].messages[0]["text"]).group(1)


def test_an_email_of_an_existing_customer_links_only_after_the_code(chat, db, runtime, clock):
    member_id = existing_member(runtime)
    press(chat, "lead:start")
    say(chat, "小王")
    sent = say(chat, "OLD@example.com")[0]
    assert "寄了 6 位數驗證碼到 old@example.com" in sent and "10 分鐘內" in sent
    code = code_from_outbox(db, "old@example.com")
    assert customer(db).email is None  # not taken over just by typing it
    wrong = "000000" if code != "000000" else "111111"
    assert say(chat, wrong) == ["驗證碼不正確，還可以再試 4 次。"]
    assert say(chat, "12ab") == ["請輸入 Email 裡的 6 位數驗證碼。"]
    linked = say(chat, code)[0]
    assert linked.startswith("驗證成功！") and "您的生日在幾月" in linked
    assert customer(db).id == member_id
    merged = db.scalar(select(Customer).where(Customer.stage == "merged"))
    assert merged.tags == [f"merged_into:{member_id}"]
    assert db.get(Customer, member_id).display_name == "老會員"  # the member's own name wins
    assert db.get(DialogueState, member_id).step == "birthday_month"
    stored = db.scalar(select(EmailVerification))
    assert stored.consumed_at is not None and code not in stored.code_hash


def test_email_codes_expire_lock_after_five_tries_and_are_rate_limited(chat, db, runtime, clock):
    existing_member(runtime)
    press(chat, "lead:start")
    say(chat, "小王")
    say(chat, "old@example.com")
    clock.advance(minutes=11)
    assert "驗證碼已過期" in say(chat, code_from_outbox(db, "old@example.com"))[0]
    say(chat, "old@example.com")
    code = code_from_outbox(db, "old@example.com")
    wrong = "000000" if code != "000000" else "111111"
    answers = [say(chat, wrong)[0] for _ in range(5)]
    assert answers[3] == "驗證碼不正確，還可以再試 1 次。" and "錯誤次數太多" in answers[4]
    # the right code no longer links once locked: the dialogue is back at the email question
    assert say(chat, code)[0].startswith(f"「{code}」不是有效的 Email 地址")
    say(chat, "old@example.com")  # the third code this hour
    assert "寄送次數太多" in press(chat, "lead:resend")[0]
    assert len(outbox(db, "email", "old@example.com")) == 3
    assert customer(db).stage != "merged"


def test_telegram_contact_share_gives_a_verified_phone_and_nothing_else_does(runtime, worker, db, clock):
    telegram = TelegramUser(runtime, worker, db)
    telegram.send("text", "/start src_spring_fair")
    telegram.send("text", "join")
    telegram.send("text", "Tom")
    assert telegram.send("text", "tom@example.com") == ["Tap the button below to share your phone number (verified by Telegram)."]
    asked = outbox(db, "telegram", telegram.user_id)[-1].messages[0]["quick_replies"]
    assert {"action": "contact", "data": "lead:contact"}.items() <= asked[0].items()
    assert "only take a number Telegram has verified" in telegram.send("text", "0912345678")[0]
    assert telegram.send("contact", phone="+886 912 345 678", contact_user_id="999") == ["Please share your own contact, not someone else's."]
    replies = telegram.send("contact", phone="+886 912 345 678", contact_user_id=telegram.user_id)
    assert replies == ["Thanks, we saved your phone number.", "Which month is your birthday? (1-12)"]
    saved = customer(db, telegram.user_id, "telegram")
    assert saved.phone == "+886912345678" and saved.lead_source == "campaign:spring_fair"


def test_a_verified_phone_of_a_known_customer_links_the_chat(runtime, worker, db, clock):
    with runtime.sessions.begin() as session:
        member = Customer(display_name="Mei", phone="+886912000111", language="en", interests=[], tags=[])
        session.add(member)
        session.flush()
        member_id = member.id
    telegram = TelegramUser(runtime, worker, db, user_id="700200")
    telegram.send("text", "/start")
    assert telegram.send("contact", phone="886912000111", contact_user_id="700200")[0].startswith("Verified!")
    assert customer(db, "700200", "telegram").id == member_id


def test_referral_by_deep_link_and_by_typed_code(chat, db, runtime, worker, clock):
    press(chat, "lead:start")
    for answer in ("Ann", "ann@example.com", "1", "台北", "旅行"):
        say(chat, answer)
    code = re.search(r"推薦碼是 ([A-Z2-9]{8})", press(chat, "lead:consent:yes")[0]).group(1)
    referrer = customer(db)

    telegram = TelegramUser(runtime, worker, db)
    telegram.send("follow", deep_link=f"ref_{code}")
    assert customer(db, telegram.user_id, "telegram").referred_by_id == referrer.id
    assert customer(db, telegram.user_id, "telegram").lead_source == f"referral:{code}"

    friend = "U" + "f" * 32
    assert say_as(chat, friend, f"推薦碼 {code.lower()}") == ["已記錄推薦人，謝謝您！"]
    assert say_as(chat, friend, f"推薦碼 {code}") == ["您的推薦人已經記錄過了。"]
    assert say_as(chat, friend, "referral ZZZZ2222") == ["We could not find the referral code \"ZZZZ2222\". Please check it and try again."]
    assert say(chat, f"推薦碼 {code}") == ["這是您自己的推薦碼喔。"]
    assert customer(db, friend).referred_by_id == referrer.id


def say_as(chat, user: str, text: str) -> list[str]:
    from tests.care_helpers import to_customer

    return to_customer(chat.send("message", text=text, user=user), user)


def test_a_group_message_is_not_taken_as_an_answer_to_a_private_dialogue(chat, db, clock):
    from bot.devtools.chat import line_event

    press(chat, "lead:start")
    event = line_event("message", chat.user, text="王小明")
    event["source"] = {"type": "group", "groupId": "C" + "7" * 32, "userId": chat.user}
    assert chat.post([event]).status_code == 200
    assert chat.replies() == []  # group chatter is left alone
    assert customer(db).display_name is None
    assert say(chat, "王小明") == ["請輸入您的 Email："]  # the private dialogue is still waiting
