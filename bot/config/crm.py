"""Settings of the commerce side of the CRM: coupon templates, points, stamp cards, value tiers,
and the analytics thresholds (churn watch, recovery window).

Why a module of its own: `bot/config/__init__.py` holds the loader and the foundation's sections; these
sections are many and have cross-checks of their own (every tier stricter than the one below,
every coupon a setting names must exist). The scalar sections still go through the loader's
`SCALAR_SECTIONS`, so `BOT_LOYALTY_POINTS_PER_NTD` and friends work like every other key.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

COUPON_KINDS = ("percent", "amount", "free_item")
TIER_LEVELS = (1, 2, 3, 4, 5)
TIER_THRESHOLDS = ("min_purchases", "min_spend", "min_average_order", "min_referrals")


@dataclass(frozen=True)
class CouponSettings:
    reminder_days_before: int = 3
    welcome_template: str = ""  # the template the lead capture hands out (see [[coupon_templates]])
    list_limit: int = 10  # how many coupons "my coupons" shows


@dataclass(frozen=True)
class CouponTemplateEntry:
    """A kind of coupon: what it gives, for how long, how often it may be used and held."""

    code: str
    kind: str
    name: Mapping[str, str]
    value: float = 0.0
    item: Mapping[str, str] = field(default_factory=dict)
    validity_days: int = 30
    max_uses: int = 1
    per_customer_limit: int = 1


@dataclass(frozen=True)
class LoyaltySettings:
    points_per_ntd: float = 0.01
    referral_bonus_points: int = 100
    points_valid_days: int = 365  # 0: points never expire
    stamp_card_size: int = 10
    stamp_min_order: float = 100.0
    stamp_reward_template: str = ""
    tier_window_days: int = 365


@dataclass(frozen=True)
class TierEntry:
    """One level of crm-domain section 3's value pyramid; 1 is the top, 5 is "no purchase yet"."""

    level: int
    name: Mapping[str, str]
    benefit: Mapping[str, str] = field(default_factory=dict)
    min_purchases: int = 0
    min_spend: float = 0.0
    min_average_order: float = 0.0
    min_referrals: int = 0  # 0 switches the referral path off for this tier
    benefit_coupon: str = ""


@dataclass(frozen=True)
class AnalyticsSettings:
    gold_max_tier: int = 2  # tiers 1..this are the "gold" customers the churn watch looks after
    churn_gap_factor: float = 3.0  # alert when the gap since the last purchase exceeds this x the usual gap
    churn_min_orders: int = 3  # fewer orders than this give no usual gap to compare with
    churn_min_gap_days: int = 30
    recovery_window_days: int = 90
    recompute_work_mem_mb: int = 256  # PostgreSQL memory for the recompute's aggregation (SET LOCAL work_mem)


DEFAULT_TIERS: tuple[TierEntry, ...] = (
    TierEntry(1, {"zh-TW": "鑽石會員", "en": "Diamond", "zh-CN": "钻石会员"}, min_purchases=15, min_spend=15000, min_referrals=10),
    TierEntry(2, {"zh-TW": "金卡會員", "en": "Gold", "zh-CN": "金卡会员"}, min_purchases=10, min_spend=8000, min_referrals=8),
    TierEntry(3, {"zh-TW": "銀卡會員", "en": "Silver", "zh-CN": "银卡会员"}, min_purchases=5, min_spend=3000, min_referrals=2),
    TierEntry(4, {"zh-TW": "一般會員", "en": "Member", "zh-CN": "一般会员"}, min_purchases=1),
    TierEntry(5, {"zh-TW": "新朋友", "en": "Friend", "zh-CN": "新朋友"}),
)


def build_coupon_templates(entries: Any) -> tuple[CouponTemplateEntry, ...]:
    from bot.config import ConfigError

    if not isinstance(entries, list):
        raise ConfigError("coupon_templates: must be a list of tables ([[coupon_templates]])")
    built = tuple(_build_template(i, entry) for i, entry in enumerate(entries))
    seen: set[str] = set()
    for index, template in enumerate(built):
        if template.code in seen:
            raise ConfigError(f"coupon_templates[{index}].code: {template.code!r} is defined twice")
        seen.add(template.code)
    return built


def _build_template(index: int, entry: Any) -> CouponTemplateEntry:
    from bot.config import ConfigError

    key = f"coupon_templates[{index}]"
    values = _entry_values(key, entry, CouponTemplateEntry, language_keys=("name", "item"))
    code = values.get("code", "")
    if not code or not code.replace("_", "").replace("-", "").isalnum() or len(code) > 40:
        raise ConfigError(f"{key}.code: expected letters, digits, - or _ (at most 40), got {code!r}")
    if values.get("kind") not in COUPON_KINDS:
        raise ConfigError(f"{key}.kind: must be one of {', '.join(COUPON_KINDS)}, got {values.get('kind')!r}")
    if "name" not in values:
        raise ConfigError(f"{key}.name: missing")
    template = CouponTemplateEntry(**values)
    if template.kind == "percent" and not 0 < template.value < 100:
        raise ConfigError(f"{key}.value: a percent coupon takes 1-99 (percent off), got {template.value:g}")
    if template.kind == "amount" and template.value <= 0:
        raise ConfigError(f"{key}.value: an amount coupon takes the NT$ off, got {template.value:g}")
    if template.kind == "free_item" and not template.item:
        raise ConfigError(f"{key}.item: a free_item coupon must say which item")
    if template.validity_days < 1:
        raise ConfigError(f"{key}.validity_days: must be at least 1")
    if template.max_uses < 1:
        raise ConfigError(f"{key}.max_uses: must be at least 1 (1 = single use)")
    if template.per_customer_limit < 0:
        raise ConfigError(f"{key}.per_customer_limit: must be 0 (no limit) or more")
    return template


def build_tiers(entries: Any) -> tuple[TierEntry, ...]:
    from bot.config import ConfigError

    if entries is None:
        return DEFAULT_TIERS
    if not isinstance(entries, list):
        raise ConfigError("tiers: must be a list of tables ([[tiers]])")
    tiers = [TierEntry(**_entry_values(f"tiers[{i}]", e, TierEntry, language_keys=("name", "benefit")))
             for i, e in enumerate(entries)]
    if sorted(t.level for t in tiers) != list(TIER_LEVELS):
        raise ConfigError("tiers: define each level 1 to 5 exactly once")
    tiers.sort(key=lambda t: t.level)
    for tier in tiers:
        if not tier.name:
            raise ConfigError(f"tiers[level={tier.level}].name: missing")
    for upper, lower in zip(tiers[:3], tiers[1:4], strict=True):
        for threshold in TIER_THRESHOLDS:
            if getattr(upper, threshold) < getattr(lower, threshold):
                raise ConfigError(f"tiers[level={upper.level}].{threshold}: must not be below tier {lower.level}'s")
    if tiers[3].min_purchases < 1:
        raise ConfigError("tiers[level=4].min_purchases: must be at least 1 (tier 5 is 'no purchase yet')")
    return tuple(tiers)


def _entry_values(key: str, entry: Any, cls: type, *, language_keys: Sequence[str]) -> dict[str, Any]:
    """Check one [[table]] entry against its dataclass: no unknown keys, each value of its type."""
    import typing

    from bot.config import ConfigError, _coerce, _language_map

    if not isinstance(entry, Mapping):
        raise ConfigError(f"{key}: must be a table")
    hints = typing.get_type_hints(cls)
    unknown = set(entry) - set(hints)
    if unknown:
        raise ConfigError(f"{key}.{sorted(unknown)[0]}: unknown key")
    values: dict[str, Any] = {}
    for name, value in entry.items():
        if name in language_keys:
            values[name] = types.MappingProxyType(_language_map(f"{key}.{name}", value))
        else:
            values[name] = _coerce(f"{key}.{name}", hints[name], value, from_env=False)
    return values


def validate_crm(settings: Any) -> None:
    """Cross-checks between sections; each failure names its key."""
    from bot.config import ConfigError

    coupons, loyalty, analytics = settings.coupons, settings.loyalty, settings.analytics
    known = {t.code for t in settings.coupon_templates}
    named = [("coupons.welcome_template", coupons.welcome_template),
             ("loyalty.stamp_reward_template", loyalty.stamp_reward_template)]
    named += [(f"tiers[level={t.level}].benefit_coupon", t.benefit_coupon) for t in settings.tiers]
    for key, code in named:
        if code and code not in known:
            raise ConfigError(f"{key}: no [[coupon_templates]] entry has code {code!r}")
    if coupons.reminder_days_before < 1:
        raise ConfigError("coupons.reminder_days_before: must be at least 1")
    if coupons.list_limit < 1:
        raise ConfigError("coupons.list_limit: must be at least 1")
    if loyalty.points_per_ntd < 0:
        raise ConfigError("loyalty.points_per_ntd: must not be negative")
    for name in ("referral_bonus_points", "points_valid_days", "stamp_min_order"):
        if getattr(loyalty, name) < 0:
            raise ConfigError(f"loyalty.{name}: must not be negative")
    if loyalty.stamp_card_size < 1:
        raise ConfigError("loyalty.stamp_card_size: must be at least 1")
    if loyalty.tier_window_days < 1:
        raise ConfigError("loyalty.tier_window_days: must be at least 1")
    if not 1 <= analytics.gold_max_tier <= 4:
        raise ConfigError("analytics.gold_max_tier: must be between 1 and 4")
    if analytics.churn_gap_factor <= 1:
        raise ConfigError("analytics.churn_gap_factor: must be greater than 1")
    if analytics.churn_min_orders < 2:
        raise ConfigError("analytics.churn_min_orders: must be at least 2 (a usual gap needs two purchases)")
    for name in ("churn_min_gap_days", "recovery_window_days", "recompute_work_mem_mb"):
        if getattr(analytics, name) < 1:
            raise ConfigError(f"analytics.{name}: must be at least 1")
