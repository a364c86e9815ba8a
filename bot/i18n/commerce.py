"""Texts of the coupon, points and tier features in the three languages, and how money, dates
and "what a coupon gives" read in each.

Why apart from `bot/i18n/__init__.py`: these texts are used by handlers, the API's jobs and the scheduler's
jobs alike, and keeping them together keeps the three translations of one feature side by side.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.i18n import pick, text_of

CATALOG: dict[str, dict[str, str]] = {
    "menu_coupons": {"zh-TW": "我的優惠券", "en": "My coupons", "zh-CN": "我的优惠券"},
    "menu_points": {"zh-TW": "我的點數", "en": "My points", "zh-CN": "我的点数"},
    "coupons_header": {"zh-TW": "您的優惠券：", "en": "Your coupons:", "zh-CN": "您的优惠券："},
    "coupons_none": {
        "zh-TW": "您目前沒有優惠券。",
        "en": "You have no coupons at the moment.",
        "zh-CN": "您目前没有优惠券。",
    },
    "coupons_more": {
        "zh-TW": "（另有 {count} 張較舊的優惠券未列出）",
        "en": "({count} older coupons not shown)",
        "zh-CN": "（另有 {count} 张较旧的优惠券未列出）",
    },
    "coupon_line": {
        "zh-TW": "・{code}｜{gives}\n  {name}，有效至 {expiry}，{status}",
        "en": "- {code} | {gives}\n  {name}, valid until {expiry}, {status}",
        "zh-CN": "・{code}｜{gives}\n  {name}，有效至 {expiry}，{status}",
    },
    "coupon_show_hint": {
        "zh-TW": "結帳時出示優惠碼即可使用。",
        "en": "Show the code at checkout to use it.",
        "zh-CN": "结账时出示优惠码即可使用。",
    },
    "coupon_not_found": {
        "zh-TW": "找不到優惠碼「{code}」。優惠碼是 10 個英文字母或數字，請再確認一次。",
        "en": "We could not find coupon code \"{code}\". Codes are 10 letters or digits; please check it.",
        "zh-CN": "找不到优惠码“{code}”。优惠码是 10 个英文字母或数字，请再确认一次。",
    },
    "status_active": {"zh-TW": "可使用", "en": "ready to use", "zh-CN": "可使用"},
    "status_active_uses": {"zh-TW": "可再使用 {left} 次", "en": "{left} uses left", "zh-CN": "可再使用 {left} 次"},
    "status_used": {"zh-TW": "已使用", "en": "used", "zh-CN": "已使用"},
    "status_expired": {"zh-TW": "已過期", "en": "expired", "zh-CN": "已过期"},
    "status_void": {"zh-TW": "已作廢", "en": "cancelled", "zh-CN": "已作废"},
    "gives_percent": {"zh-TW": "{zhe} 折", "en": "{percent}% off", "zh-CN": "{zhe} 折"},
    "gives_amount": {"zh-TW": "折抵 {money}", "en": "{money} off", "zh-CN": "减 {money}"},
    "gives_free_item": {"zh-TW": "免費兌換{item}", "en": "free item: {item}", "zh-CN": "免费兑换{item}"},
    "points_balance": {"zh-TW": "您的點數：{points} 點", "en": "Your points: {points}", "zh-CN": "您的点数：{points} 点"},
    "points_tier": {"zh-TW": "會員等級：{tier}", "en": "Membership tier: {tier}", "zh-CN": "会员等级：{tier}"},
    "points_next": {
        "zh-TW": "升級「{tier}」還需要：{needs}",
        "en": "To reach {tier}: {needs}",
        "zh-CN": "升级“{tier}”还需要：{needs}",
    },
    "points_next_or_referrals": {
        "zh-TW": "或推薦 {count} 位朋友來消費",
        "en": "or refer {count} more friend{s} who buy{verb_s}",
        "zh-CN": "或推荐 {count} 位朋友来消费",
    },
    "points_top": {
        "zh-TW": "您已是最高等級，謝謝您一直以來的支持！",
        "en": "You are in our top tier. Thank you for your support!",
        "zh-CN": "您已是最高等级，谢谢您一直以来的支持！",
    },
    "points_window": {
        "zh-TW": "（等級依近 {days} 天的消費計算）",
        "en": "(tiers count the last {days} days)",
        "zh-CN": "（等级依近 {days} 天的消费计算）",
    },
    "need_purchases": {"zh-TW": "再消費 {count} 次", "en": "{count} more purchase{s}", "zh-CN": "再消费 {count} 次"},
    "need_spend": {"zh-TW": "再累積 {money}", "en": "{money} more in purchases", "zh-CN": "再累积 {money}"},
    "need_average": {
        "zh-TW": "平均每筆消費達 {money}",
        "en": "an average purchase of {money}",
        "zh-CN": "平均每笔消费达 {money}",
    },
    "need_join": {"zh-TW": "、", "en": ", ", "zh-CN": "、"},
    "stamp_card": {
        "zh-TW": "集點卡：{card} {filled}/{size}\n集滿 {size} 點送{reward}",
        "en": "Stamp card: {card} {filled}/{size}\n{size} stamps get you {reward}",
        "zh-CN": "集点卡：{card} {filled}/{size}\n集满 {size} 点送{reward}",
    },
    "recovery_coupon_issued": {
        "zh-TW": "很抱歉造成您的不便，送您{gives}，優惠碼 {code}，有效至 {expiry}。",
        "en": "We are sorry for the trouble. Please accept {gives}: code {code}, valid until {expiry}.",
        "zh-CN": "很抱歉造成您的不便，送您{gives}，优惠码 {code}，有效至 {expiry}。",
    },
    "broadcast_coupon": {
        "zh-TW": "送您{gives}，優惠碼 {code}，有效至 {expiry}。",
        "en": "A gift for you ({gives}): code {code}, valid until {expiry}.",
        "zh-CN": "送您{gives}，优惠码 {code}，有效至 {expiry}。",
    },
    "broadcast_name_fallback": {"zh-TW": "朋友", "en": "friend", "zh-CN": "朋友"},
    "stamp_reward_issued": {
        "zh-TW": "集點卡集滿了！送您{gives}，優惠碼 {code}，有效至 {expiry}。",
        "en": "Your stamp card is full! Your reward ({gives}): code {code}, valid until {expiry}.",
        "zh-CN": "集点卡集满了！送您{gives}，优惠码 {code}，有效至 {expiry}。",
    },
    "tier_up": {
        "zh-TW": "恭喜您升級為「{tier}」！",
        "en": "Congratulations, you have reached our {tier} tier!",
        "zh-CN": "恭喜您升级为“{tier}”！",
    },
    "tier_benefit": {"zh-TW": "專屬禮遇：{benefit}", "en": "Your benefit: {benefit}", "zh-CN": "专属礼遇：{benefit}"},
    "tier_up_gift": {
        "zh-TW": "升級禮：{gives}，優惠碼 {code}，有效至 {expiry}。",
        "en": "Your welcome gift: {gives}, code {code}, valid until {expiry}.",
        "zh-CN": "升级礼：{gives}，优惠码 {code}，有效至 {expiry}。",
    },
    "coupon_expiry_reminder": {
        "zh-TW": "提醒您，以下優惠券即將到期，別忘了使用喔：",
        "en": "A reminder: these coupons expire soon, don't forget to use them:",
        "zh-CN": "提醒您，以下优惠券即将到期，别忘了使用哦：",
    },
    "coupon_expiry_line": {
        "zh-TW": "・{name}（{gives}）優惠碼 {code}，{expiry} 到期",
        "en": "- {name} ({gives}), code {code}, expires {expiry}",
        "zh-CN": "・{name}（{gives}）优惠码 {code}，{expiry} 到期",
    },
    "churn_care": {
        "zh-TW": "好久不見！{shop}很想念您。最近有新書到貨，歡迎回來走走；有任何需要都可以直接留言給我們。",
        "en": "It has been a while! We miss you at {shop}. New books have arrived; drop by any time, "
              "and write to us here if there is anything we can do.",
        "zh-CN": "好久不见！{shop}很想念您。最近有新书到货，欢迎回来走走；有任何需要都可以直接留言给我们。",
    },
}


def say(key: str, language: str, **fields: object) -> str:
    return text_of(CATALOG, key, language, **fields)


def money(amount: Decimal | float | int) -> str:
    """NT$1,250 or NT$99.50: whole dollars without decimals, as prices are written in Taiwan."""
    value = Decimal(str(amount))
    if value == value.to_integral_value():
        return f"NT${int(value):,}"
    return f"NT${value:,.2f}"


def local_date(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d")


def gives(kind: str, value: Decimal | float, item: Mapping[str, str], language: str, default_language: str = "zh-TW") -> str:
    """What a coupon gives: 10% off reads "9 折" in Chinese (you pay 90%), 15% off "85 折"."""
    if kind == "percent":
        percent = Decimal(str(value)).normalize()
        paid = Decimal(100) - percent
        zhe = paid / 10 if paid % 10 == 0 else paid
        return say("gives_percent", language, percent=f"{percent:f}", zhe=f"{zhe.normalize():f}")
    if kind == "amount":
        return say("gives_amount", language, money=money(value))
    return say("gives_free_item", language, item=pick(item, language, default_language))
