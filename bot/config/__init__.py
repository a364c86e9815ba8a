"""Typed, frozen settings loaded once from `config.toml` and the environment.

`Settings` is a pydantic-settings model whose fields are the sections (`settings.web.port`); each
section is declared in the module of its area (service, channels, shop, care, crm). Every key can be
overridden as `BOT_<SECTION>_<KEY>`, the database also as `DATABASE_URL`; secrets must come from
the environment in production; a bad value stops start-up with one line naming the key. The
checks that span sections sit here, on the whole.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.config.care import (
    AppointmentSettings,
    BusinessSettings,
    ComplaintSettings,
    LeadSettings,
    Services,
    ServiceSettings,
    SlaSettings,
    StaffSettings,
    SurveySettings,
)
from bot.config.channels import EmailSettings, LineSettings, TelegramSettings
from bot.config.crm import (
    DEFAULT_TIERS,
    AnalyticsSettings,
    CouponSettings,
    CouponTemplateEntry,
    CouponTemplates,
    LoyaltySettings,
    TierEntry,
    Tiers,
)
from bot.config.errors import ConfigError, config_error
from bot.config.fields import LANGUAGES
from bot.config.journeys import JourneySettings
from bot.config.rewards import Rewards
from bot.config.service import (
    AppSettings,
    ConsoleSettings,
    DatabaseSettings,
    MetricsSettings,
    SchedulerSettings,
    WebSettings,
    WorkerSettings,
)
from bot.config.shop import FaqEntry, ShopSettings
from bot.config.sources import EnvironmentSource, file_source, refuse_secrets_in_file
from bot.config.value import ValueSettings
from channels import registry

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "config.toml"

__all__ = [
    "DEFAULT_CONFIG_PATH", "LANGUAGES", "PROJECT_ROOT", "AnalyticsSettings", "AppSettings", "AppointmentSettings",
    "BusinessSettings", "ComplaintSettings", "ConfigError", "ConsoleSettings", "CouponSettings", "CouponTemplateEntry",
    "DatabaseSettings", "EmailSettings", "FaqEntry", "JourneySettings", "LeadSettings", "LineSettings", "LoyaltySettings",
    "MetricsSettings", "SchedulerSettings", "ServiceSettings", "Settings", "ShopSettings", "SlaSettings",
    "StaffSettings", "SurveySettings", "TelegramSettings", "TierEntry", "WebSettings", "WorkerSettings",
    "load_settings",
]


class Settings(BaseSettings):
    """All sections. Built by `load_settings`; `Settings()` alone is the defaults, reading nothing."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", enable_decoding=False)

    app: AppSettings = Field(default_factory=AppSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    line: LineSettings = Field(default_factory=LineSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    shop: ShopSettings = Field(default_factory=ShopSettings)
    faq: tuple[FaqEntry, ...] = ()
    business: BusinessSettings = Field(default_factory=BusinessSettings)
    leads: LeadSettings = Field(default_factory=LeadSettings)
    appointments: AppointmentSettings = Field(default_factory=AppointmentSettings)
    services: Services = ()
    complaints: ComplaintSettings = Field(default_factory=ComplaintSettings)
    sla: SlaSettings = Field(default_factory=SlaSettings)
    staff: StaffSettings = Field(default_factory=StaffSettings)
    surveys: SurveySettings = Field(default_factory=SurveySettings)
    coupons: CouponSettings = Field(default_factory=CouponSettings)
    coupon_templates: CouponTemplates = ()
    rewards: Rewards = ()
    loyalty: LoyaltySettings = Field(default_factory=LoyaltySettings)
    tiers: Tiers = Field(default_factory=lambda: DEFAULT_TIERS)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    value: ValueSettings = Field(default_factory=ValueSettings)
    journeys: JourneySettings = Field(default_factory=JourneySettings)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)  # `load_settings` hands over the file and the environment itself

    @property
    def production(self) -> bool:
        return self.app.env == "production"

    @property
    def line_configured(self) -> bool:
        return bool(self.line.channel_secret and self.line.channel_access_token)

    @property
    def telegram_configured(self) -> bool:
        return bool(self.telegram.token and self.telegram.webhook_secret)

    @property
    def email_configured(self) -> bool:
        """Outbound email has somewhere to go (with none, the sandbox catches it locally)."""
        return bool(self.email.smtp_host)

    @property
    def data_path(self) -> Path:
        path = Path(self.app.data_dir)
        return path if path.is_absolute() else PROJECT_ROOT / path

    def replace(self, **sections: Any) -> Settings:
        """A copy with whole sections or single keys changed: `replace(line={"api_base": ...})`."""
        changes = {}
        for name, value in sections.items():
            current = getattr(self, name)
            if isinstance(value, Mapping) and dataclasses.is_dataclass(current):
                value = dataclasses.replace(current, **value)  # type: ignore[type-var]
            changes[name] = value
        return self.model_copy(update=changes)

    @model_validator(mode="after")
    def _across_sections(self) -> Settings:
        """Rules that tie one section to another, or to production."""
        if self.production:
            for record in registry.records():  # each platform whose section names an API to call
                api_base = getattr(getattr(self, record.section), "api_base", None)
                if api_base is not None and urlparse(api_base).scheme != "https":
                    raise ConfigError(f"{record.section}.api_base: must use https in production")
        if self.metrics.worker_port == self.web.port:
            # Both bind on [web] host: a worker next to the web tier would fail to start.
            raise ConfigError(f"metrics.worker_port: must differ from web.port ({self.web.port})")
        if self.production:
            if len(self.web.secret_key) < 32:
                raise ConfigError("web.secret_key: set BOT_WEB_SECRET_KEY to at least 32 random characters in production")
            if not self.line_configured:
                raise ConfigError("line.channel_secret: set BOT_LINE_CHANNEL_SECRET and BOT_LINE_CHANNEL_ACCESS_TOKEN in production")
        known = {template.code for template in self.coupon_templates}
        named = [("coupons.welcome_template", self.coupons.welcome_template),
                 ("loyalty.stamp_reward_template", self.loyalty.stamp_reward_template)]
        named += [(f"tiers[level={tier.level}].benefit_coupon", tier.benefit_coupon) for tier in self.tiers]
        named += [(f"rewards[{index}].coupon_template", r.coupon_template or "?") for index, r in enumerate(self.rewards)]
        for key, code in named:
            if code and code not in known:
                raise ConfigError(f"{key}: no [[coupon_templates]] entry has code {code!r}")
        return self


def load_settings(path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read `config.toml` (or `BOT_CONFIG`), apply environment overrides, validate, freeze."""
    environ = os.environ if environ is None else environ
    config_path = Path(path or environ.get("BOT_CONFIG") or DEFAULT_CONFIG_PATH)
    file = file_source(Settings, config_path)
    refuse_secrets_in_file(file.toml_data, environ)
    try:
        return Settings(_build_sources=((EnvironmentSource(Settings, environ), file), {}))  # type: ignore[call-arg]
    except ValidationError as exc:
        raise config_error(exc) from None
