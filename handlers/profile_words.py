"""Customer-facing words for the values "我的資料 / my data" shows: the lifecycle stage, the tier,
where the customer came from, the channels, a birthday month, a configured choice.

Why not the stored values: `lead`, `5` and `line:direct` are the system's codes; the customer
must read "已加入會員", "新朋友" and "LINE 聊天" in their own language.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.engine import Context, channel_labels
from bot.i18n import pick
from bot.i18n.texts import CONSENT as TEXTS
from handlers.common import say
from models import LeadCampaign

CHANNEL_NAMES = channel_labels()
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def channel_name(channel: str) -> str:
    return CHANNEL_NAMES.get(channel, channel)


def stage_label(ctx: Context, stage: str) -> str:
    key = f"stage_{stage}"
    return say(ctx, TEXTS, key) if key in TEXTS else say(ctx, TEXTS, "stage_other")


def tier_label(ctx: Context, level: int) -> str:
    tiers = ctx.settings.tiers
    if not 1 <= level <= len(tiers):
        return str(level)
    return pick(tiers[level - 1].name, ctx.language, ctx.settings.app.default_language)


def month_label(ctx: Context, month: int | None) -> str | None:
    if month is None or not 1 <= month <= 12:
        return None
    return MONTHS_EN[month - 1] if ctx.language == "en" else f"{month} 月"


def source_label(ctx: Context, source: str | None) -> str | None:
    """`line:direct` -> "LINE 聊天"; `referral:ABCD2345` -> "朋友推薦（推薦碼 ABCD2345）";
    `campaign:spring` (or the raw `src_spring`) -> the campaign's name; anything else (an import's
    own label) as it is."""
    if not source:
        return None
    kind, _, value = source.partition(":")
    if value == "direct" and kind in CHANNEL_NAMES:
        return say(ctx, TEXTS, "source_direct", channel=channel_name(kind))
    if source.startswith("ref_"):
        kind, value = "referral", source[4:]
    elif source.startswith("src_"):
        kind, value = "campaign", source[4:]
    if kind == "referral" and value:
        return say(ctx, TEXTS, "source_referral", code=value.upper())
    if kind == "campaign" and value:
        name = ctx.session.scalar(select(LeadCampaign.name).where(LeadCampaign.code == value))
        return say(ctx, TEXTS, "source_campaign", name=name or value)
    return source
