"""The commerce side of the CRM: [coupons] and [[coupon_templates]], [loyalty] points and stamp
cards, the value [[tiers]], and the [analytics] thresholds (churn watch, recovery window).

The checks that tie these to each other (every coupon a setting names must exist) live on the
whole `Settings`, since they span sections.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from bot.config.errors import ConfigError
from bot.config.fields import NOT_NEGATIVE, Float, Int, LanguageText, at_least, codes_once, problem, rule, section

COUPON_KINDS = ("percent", "amount", "free_item")
TIER_LEVELS = (1, 2, 3, 4, 5)
TIER_THRESHOLDS = ("min_purchases", "min_spend", "min_average_order", "min_referrals")


@section
class CouponSettings:
    reminder_days_before: Annotated[Int, at_least(1)] = 3
    welcome_template: str = ""  # the template the lead capture hands out (see [[coupon_templates]])
    list_limit: Annotated[Int, at_least(1)] = 10  # how many coupons "my coupons" shows


def _is_code(code: str) -> bool:
    return bool(code) and code.replace("_", "").replace("-", "").isalnum() and len(code) <= 40


@section
class CouponTemplateEntry:
    """A kind of coupon: what it gives, for how long, how often it may be used and held."""

    code: Annotated[str, rule(_is_code, "expected letters, digits, - or _ (at most 40), got {value!r}")]
    kind: Annotated[str, rule(lambda kind: kind in COUPON_KINDS,
                              f"must be one of {', '.join(COUPON_KINDS)}, got {{value!r}}")]
    name: LanguageText
    value: Float = 0.0
    item: LanguageText = Field(default_factory=dict, validate_default=True)
    validity_days: Annotated[Int, at_least(1)] = 30
    max_uses: Annotated[Int, rule(lambda uses: uses >= 1, "must be at least 1 (1 = single use)")] = 1
    per_customer_limit: Annotated[Int, rule(lambda limit: limit >= 0, "must be 0 (no limit) or more")] = 1

    @field_validator("value")
    @classmethod
    def _value_fits_kind(cls, value: float, info: ValidationInfo) -> float:
        kind = info.data.get("kind")
        if kind == "percent" and not 0 < value < 100:
            raise problem(f"a percent coupon takes 1-99 (percent off), got {value:g}")
        if kind == "amount" and value <= 0:
            raise problem(f"an amount coupon takes the NT$ off, got {value:g}")
        return value

    @field_validator("item")
    @classmethod
    def _free_item_named(cls, item: Mapping[str, str], info: ValidationInfo) -> Mapping[str, str]:
        if info.data.get("kind") == "free_item" and not item:
            raise problem("a free_item coupon must say which item")
        return item


CouponTemplates = Annotated[tuple[CouponTemplateEntry, ...], AfterValidator(codes_once("coupon_templates", "is defined twice"))]


@section
class LoyaltySettings:
    points_per_ntd: Annotated[Float, NOT_NEGATIVE] = 0.01
    referral_bonus_points: Annotated[Int, NOT_NEGATIVE] = 100
    points_valid_days: Annotated[Int, NOT_NEGATIVE] = 365  # 0: points never expire
    expiry_reminder_days: Annotated[Int, NOT_NEGATIVE] = 30  # remind once this long before points expire; 0: never
    stamp_card_size: Annotated[Int, at_least(1)] = 10
    stamp_min_order: Annotated[Float, NOT_NEGATIVE] = 100.0
    stamp_reward_template: str = ""
    tier_window_days: Annotated[Int, at_least(1)] = 365


@section
class TierEntry:
    """One level of the value pyramid; 1 is the top, 5 is "no purchase yet"."""

    level: Int
    name: LanguageText
    benefit: LanguageText = Field(default_factory=dict, validate_default=True)
    min_purchases: Int = 0
    min_spend: Float = 0.0
    min_average_order: Float = 0.0
    min_referrals: Int = 0  # 0 switches the referral path off for this tier
    benefit_coupon: str = ""


def _pyramid(tiers: tuple[TierEntry, ...]) -> tuple[TierEntry, ...]:
    """Each level once, sorted from the top, each tier at least as strict as the one below."""
    if sorted(tier.level for tier in tiers) != list(TIER_LEVELS):
        raise ConfigError("tiers: define each level 1 to 5 exactly once")
    ordered = sorted(tiers, key=lambda tier: tier.level)
    for tier in ordered:
        if not tier.name:
            raise ConfigError(f"tiers[level={tier.level}].name: missing")
    for upper, lower in zip(ordered[:3], ordered[1:4], strict=True):
        for threshold in TIER_THRESHOLDS:
            if getattr(upper, threshold) < getattr(lower, threshold):
                raise ConfigError(f"tiers[level={upper.level}].{threshold}: must not be below tier {lower.level}'s")
    if ordered[3].min_purchases < 1:
        raise ConfigError("tiers[level=4].min_purchases: must be at least 1 (tier 5 is 'no purchase yet')")
    return tuple(ordered)


Tiers = Annotated[tuple[TierEntry, ...], AfterValidator(_pyramid)]

DEFAULT_TIERS: tuple[TierEntry, ...] = (
    TierEntry(1, {"zh-TW": "鑽石會員", "en": "Diamond", "zh-CN": "钻石会员"}, min_purchases=15, min_spend=15000, min_referrals=10),
    TierEntry(2, {"zh-TW": "金卡會員", "en": "Gold", "zh-CN": "金卡会员"}, min_purchases=10, min_spend=8000, min_referrals=8),
    TierEntry(3, {"zh-TW": "銀卡會員", "en": "Silver", "zh-CN": "银卡会员"}, min_purchases=5, min_spend=3000, min_referrals=2),
    TierEntry(4, {"zh-TW": "一般會員", "en": "Member", "zh-CN": "一般会员"}, min_purchases=1),
    TierEntry(5, {"zh-TW": "新朋友", "en": "Friend", "zh-CN": "新朋友"}),
)


@section
class AnalyticsSettings:
    # tiers 1..this are the "gold" customers the churn watch looks after
    gold_max_tier: Annotated[Int, rule(lambda tier: 1 <= tier <= 4, "must be between 1 and 4")] = 2
    # alert when the gap since the last purchase exceeds this x the usual gap
    churn_gap_factor: Annotated[Float, rule(lambda factor: factor > 1, "must be greater than 1")] = 3.0
    # fewer orders than this give no usual gap to compare with
    churn_min_orders: Annotated[Int, rule(lambda orders: orders >= 2,
                                          "must be at least 2 (a usual gap needs two purchases)")] = 3
    churn_min_gap_days: Annotated[Int, at_least(1)] = 30
    recovery_window_days: Annotated[Int, at_least(1)] = 90
    # PostgreSQL memory for the recompute's aggregation (SET LOCAL work_mem)
    recompute_work_mem_mb: Annotated[Int, at_least(1)] = 256
