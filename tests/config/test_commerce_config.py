"""The commerce settings: coupon templates and tiers from config.toml, and every bad value stopping
start-up with a message that names the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_CONFIG_PATH, ConfigError, load_settings

BASE = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")


def load(tmp_path: Path, extra: str = "", replace: tuple[str, str] | None = None, **environ: str):
    text = BASE if replace is None else BASE.replace(*replace)
    path = tmp_path / "config.toml"
    path.write_text(text + extra, encoding="utf-8")
    return load_settings(path, environ=environ)


def test_the_shipped_config_loads_templates_tiers_and_environment_overrides(tmp_path):
    settings = load(tmp_path, BOT_LOYALTY_POINTS_PER_NTD="0.05", BOT_COUPONS_REMINDER_DAYS_BEFORE="5")
    assert [t.code for t in settings.coupon_templates][:2] == ["WELCOME10", "FREECOFFEE"]
    assert [t.level for t in settings.tiers] == [1, 2, 3, 4, 5]
    assert settings.tiers[0].name["en"] == "Diamond" and settings.tiers[2].benefit_coupon == "SILVER100"
    assert settings.loyalty.points_per_ntd == 0.05 and settings.coupons.reminder_days_before == 5


@pytest.mark.parametrize(("change", "message"), [
    (('kind = "percent"\nvalue = 10', 'kind = "bogus"\nvalue = 10'), "coupon_templates[0].kind: must be one of"),
    (('kind = "percent"\nvalue = 10', 'kind = "percent"\nvalue = 150'), "coupon_templates[0].value: a percent coupon"),
    (('validity_days = 30', 'validity_days = "a month"'), "coupon_templates[0].validity_days: expected an integer"),
    (('code = "FREECOFFEE"', 'code = "WELCOME10"'), "coupon_templates[1].code: 'WELCOME10' is defined twice"),
    (('code = "FREECOFFEE"\nkind = "free_item"\nitem.zh-TW = "店內咖啡一杯"\nitem.en = "a cup of coffee in our café"\n'
      'item.zh-CN = "店内咖啡一杯"', 'code = "FREECOFFEE"\nkind = "free_item"'), "coupon_templates[1].item: a free_item coupon"),
    (('welcome_template = "WELCOME10"', 'welcome_template = "NOPE"'), "coupons.welcome_template: no [[coupon_templates]]"),
    (('stamp_card_size = 10', 'stamp_card_size = 0'), "loyalty.stamp_card_size: must be at least 1"),
    (('min_purchases = 10\n', 'min_purchases = 20\n'), "tiers[level=1].min_purchases: must not be below tier 2's"),
    (('level = 5', 'level = 4'), "tiers: define each level 1 to 5 exactly once"),
    (('churn_gap_factor = 3.0', 'churn_gap_factor = 0.5'), "analytics.churn_gap_factor: must be greater than 1"),
    (('min_referrals = 10\n', 'min_referrals = 10\nfavourite = true\n'), "tiers[0].favourite: unknown key"),
])
def test_bad_commerce_settings_name_the_key(tmp_path, change, message):
    assert change[0] in BASE, change[0]
    with pytest.raises(ConfigError) as error:
        load(tmp_path, replace=change)
    assert str(error.value).startswith(message), str(error.value)


def test_an_environment_override_is_checked_too(tmp_path):
    with pytest.raises(ConfigError, match="^loyalty.points_per_ntd: expected a number"):
        load(tmp_path, BOT_LOYALTY_POINTS_PER_NTD="lots")
    with pytest.raises(ConfigError, match="^analytics.gold_max_tier: must be between 1 and 4"):
        load(tmp_path, BOT_ANALYTICS_GOLD_MAX_TIER="5")
