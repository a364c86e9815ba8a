"""Typed, frozen settings loaded once from `config.toml` and the environment.

Why a hand-rolled loader: every key must be overridable as `BOT_<SECTION>_<KEY>`, secrets must come
only from the environment in production, and a bad value must stop start-up with one line naming
the key. A dataclass per section gives type hints to the rest of the code and keeps that contract
in one place.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bot.config.care import (
    AppointmentSettings,
    BusinessSettings,
    ComplaintSettings,
    LeadSettings,
    ServiceSettings,
    SlaSettings,
    StaffSettings,
    SurveySettings,
    build_services,
    validate_care,
)
from bot.config.crm import (
    DEFAULT_TIERS,
    AnalyticsSettings,
    CouponSettings,
    CouponTemplateEntry,
    LoyaltySettings,
    TierEntry,
    build_coupon_templates,
    build_tiers,
    validate_crm,
)

LANGUAGES = ("zh-TW", "en", "zh-CN")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "config.toml"
MAX_TRUSTED_PROXIES = 5  # more hops than this in front of one shop's service is a mistake, not a setup


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the key and what is wrong."""


@dataclass(frozen=True)
class AppSettings:
    env: str = "development"
    timezone: str = "Asia/Taipei"
    default_language: str = "zh-TW"
    data_dir: str = "var"


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = ""
    max_body_bytes: int = 1024 * 1024
    public_url: str = ""
    trusted_proxies: int = 0  # proxies in front that set X-Forwarded-For/-Proto; 0: the headers are ignored


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///var/bot.db"
    pool_size: int = 10


@dataclass(frozen=True)
class LineSettings:
    channel_secret: str = ""
    channel_access_token: str = ""
    api_base: str = "https://api.line.me"
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    reply_token_ttl_seconds: int = 50


@dataclass(frozen=True)
class TelegramSettings:
    token: str = ""
    webhook_secret: str = ""
    api_base: str = "https://api.telegram.org"
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    messages_per_second: float = 30.0
    chat_interval_seconds: float = 1.0
    group_messages_per_minute: float = 20.0


@dataclass(frozen=True)
class EmailSettings:
    from_address: str = "shop@shop.example"
    from_name: str = ""
    inbound_domains: tuple[str, ...] = ("shop.example",)
    reply_local_part: str = "reply"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_ca_file: str = ""
    connect_timeout: float = 10.0
    timeout: float = 30.0
    receiver_host: str = "127.0.0.1"
    receiver_port: int = 2525
    receiver_tls_cert: str = ""
    receiver_tls_key: str = ""
    max_message_bytes: int = 10 * 1024 * 1024
    imap_host: str = ""
    imap_port: int = 993
    imap_ssl: bool = True
    imap_username: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    imap_poll_seconds: float = 60.0


@dataclass(frozen=True)
class WorkerSettings:
    inbox_threads: int = 2
    delivery_threads: int = 2
    lease_seconds: int = 30
    max_attempts: int = 8
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 600.0
    poll_interval_seconds: float = 0.2
    batch_size: int = 20
    # How much a separate `worker` process yields the CPU to the web tier on the same machine
    # (Unix nice, 0-19): webhook acknowledgements are latency-critical, dialogue work is not.
    nice: int = 5


@dataclass(frozen=True)
class SchedulerSettings:
    lock_ttl_seconds: int = 30
    inbox_retention_days: int = 30
    tick_seconds: int = 60


@dataclass(frozen=True)
class ConsoleSettings:
    """The staff and marketer web console: sessions, login throttling, the first admin, links."""

    session_idle_minutes: int = 480
    session_max_hours: int = 24
    login_max_failures: int = 5
    login_max_failures_per_ip: int = 20
    login_lock_minutes: int = 15
    first_admin_email: str = "admin@example.com"
    telegram_bot_username: str = ""


@dataclass(frozen=True)
class MetricsSettings:
    """Who may read `/metrics`: a bearer token (a secret, BOT_METRICS_TOKEN) or these client addresses."""

    token: str = ""
    allow_from: tuple[str, ...] = ("127.0.0.1", "::1")  # addresses or networks (10.0.0.0/8); empty: token only
    worker_port: int = 0  # `worker` serves its own /metrics here, on [web] host; 0: it serves none


@dataclass(frozen=True)
class ShopSettings:
    name: str = "Demo Shop"
    welcome: Mapping[str, str] = field(default_factory=dict)
    incentive: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FaqEntry:
    """One keyword answer: any keyword found in the customer's text selects this answer."""

    keywords: tuple[str, ...]
    answer: Mapping[str, str]


@dataclass(frozen=True)
class Settings:
    app: AppSettings = field(default_factory=AppSettings)
    web: WebSettings = field(default_factory=WebSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    line: LineSettings = field(default_factory=LineSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    shop: ShopSettings = field(default_factory=ShopSettings)
    faq: tuple[FaqEntry, ...] = ()
    business: BusinessSettings = field(default_factory=BusinessSettings)
    leads: LeadSettings = field(default_factory=LeadSettings)
    appointments: AppointmentSettings = field(default_factory=AppointmentSettings)
    services: tuple[ServiceSettings, ...] = ()
    complaints: ComplaintSettings = field(default_factory=ComplaintSettings)
    sla: SlaSettings = field(default_factory=SlaSettings)
    staff: StaffSettings = field(default_factory=StaffSettings)
    surveys: SurveySettings = field(default_factory=SurveySettings)
    coupons: CouponSettings = field(default_factory=CouponSettings)
    coupon_templates: tuple[CouponTemplateEntry, ...] = ()
    loyalty: LoyaltySettings = field(default_factory=LoyaltySettings)
    tiers: tuple[TierEntry, ...] = DEFAULT_TIERS
    analytics: AnalyticsSettings = field(default_factory=AnalyticsSettings)

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

    def replace(self, **sections: Any) -> "Settings":
        """A copy with whole sections or single keys changed: `replace(line={"api_base": ...})`."""
        changes = {}
        for name, value in sections.items():
            current = getattr(self, name)
            if isinstance(value, Mapping) and dataclasses.is_dataclass(current):
                value = dataclasses.replace(current, **value)
            changes[name] = value
        return dataclasses.replace(self, **changes)


# Keys that hold secrets: in production they must come from the environment, never the file.
SECRET_KEYS = {("web", "secret_key"), ("line", "channel_secret"), ("line", "channel_access_token"),
               ("telegram", "token"), ("telegram", "webhook_secret"), ("email", "smtp_password"),
               ("email", "imap_password"), ("metrics", "token")}
SCALAR_SECTIONS = ("app", "web", "database", "line", "telegram", "email", "worker", "scheduler", "console", "metrics",
                   "business", "leads", "appointments", "complaints", "sla", "staff", "surveys",
                   "coupons", "loyalty", "analytics")


def load_settings(
    path: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read `config.toml` (or `BOT_CONFIG`), apply environment overrides, validate, freeze."""
    environ = os.environ if environ is None else environ
    config_path = Path(path or environ.get("BOT_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {config_path}: not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {config_path}: not valid TOML ({exc})") from exc

    production = str(environ.get("BOT_APP_ENV", raw.get("app", {}).get("env", ""))) == "production"
    sections: dict[str, Any] = {}
    for name in SCALAR_SECTIONS:
        cls = Settings.__dataclass_fields__[name].default_factory  # type: ignore[misc]
        sections[name] = _build_section(name, cls, raw.get(name, {}), environ, production)
    if environ.get("DATABASE_URL"):
        sections["database"] = dataclasses.replace(sections["database"], url=environ["DATABASE_URL"])
    sections["shop"] = _build_shop(raw.get("shop", {}))
    sections["faq"] = tuple(_build_faq(i, entry) for i, entry in enumerate(raw.get("faq", [])))
    sections["services"] = build_services(raw.get("services", []), _language_map, ConfigError)
    sections["coupon_templates"] = build_coupon_templates(raw.get("coupon_templates", []))
    sections["tiers"] = build_tiers(raw.get("tiers"))
    settings = Settings(**sections)
    validate(settings)
    return settings


def _build_section(
    name: str, cls: type, table: Mapping[str, Any], environ: Mapping[str, str], production: bool
) -> Any:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{name}: must be a table")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(f"{name}.{sorted(unknown)[0]}: unknown key")
    values: dict[str, Any] = {}
    for key in known:
        env_name = f"BOT_{name}_{key}".upper()
        if (name, key) in SECRET_KEYS and production and table.get(key):
            raise ConfigError(
                f"{name}.{key}: secrets must come from the environment ({env_name}) in production"
            )
        if env_name in environ:
            values[key] = _coerce(f"{name}.{key}", hints[key], environ[env_name], from_env=True)
        elif key in table:
            values[key] = _coerce(f"{name}.{key}", hints[key], table[key], from_env=False)
    return cls(**values)


def _coerce(key: str, hint: Any, value: Any, *, from_env: bool) -> Any:
    """Turn a TOML value or an environment string into the field's type, or say why not."""
    if hint is bool:
        if isinstance(value, bool):
            return value
        if from_env and str(value).lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return str(value).lower() in ("1", "true", "yes", "on")
        raise ConfigError(f"{key}: expected true or false, got {value!r}")
    if hint in (int, float):
        if isinstance(value, bool):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        wanted = "an integer" if hint is int else "a number"
        if not from_env and not (isinstance(value, int) or (hint is float and isinstance(value, float))):
            raise ConfigError(f"{key}: expected {wanted}, got {value!r}")
        try:
            return hint(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{key}: expected {wanted}, got {value!r}") from None
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {value!r}")
        return value
    if hint in (tuple[str, ...], tuple[int, ...]):
        return _coerce_list(key, hint.__args__[0], value, from_env=from_env)
    raise ConfigError(f"{key}: unsupported setting type {hint}")  # pragma: no cover - programming error


def _coerce_list(key: str, item: type, value: Any, *, from_env: bool) -> tuple[Any, ...]:
    """A TOML list, or from the environment a comma-separated string (`BOT_LEADS_FIELDS=name,email`)."""
    if from_env:
        value = [part.strip() for part in str(value).split(",") if part.strip()]
    if not isinstance(value, list):
        raise ConfigError(f"{key}: expected a list, got {value!r}")
    return tuple(_coerce(f"{key}[{index}]", item, element, from_env=from_env) for index, element in enumerate(value))


def _language_map(key: str, value: Any) -> dict[str, str]:
    if isinstance(value, str):
        return {lang: value for lang in LANGUAGES}
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{key}: expected a string or a table of language = text")
    bad = set(value) - set(LANGUAGES)
    if bad:
        raise ConfigError(f"{key}.{sorted(bad)[0]}: unknown language (use {', '.join(LANGUAGES)})")
    return dict(value)


def _build_shop(table: Mapping[str, Any]) -> ShopSettings:
    unknown = set(table) - {"name", "welcome", "incentive"}
    if unknown:
        raise ConfigError(f"shop.{sorted(unknown)[0]}: unknown key")
    name = table.get("name", ShopSettings.name)
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("shop.name: must be a non-empty string")
    return ShopSettings(
        name=name,
        welcome=types.MappingProxyType(_language_map("shop.welcome", table.get("welcome", {}))),
        incentive=types.MappingProxyType(_language_map("shop.incentive", table.get("incentive", {}))),
    )


def _build_faq(index: int, entry: Any) -> FaqEntry:
    key = f"faq[{index}]"
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{key}: must be a table with keywords and answer")
    keywords = entry.get("keywords")
    if not isinstance(keywords, list) or not keywords or not all(isinstance(k, str) and k.strip() for k in keywords):
        raise ConfigError(f"{key}.keywords: expected a non-empty list of words")
    if "answer" not in entry:
        raise ConfigError(f"{key}.answer: missing")
    answer = _language_map(f"{key}.answer", entry["answer"])
    return FaqEntry(tuple(k.strip().lower() for k in keywords), types.MappingProxyType(answer))


def validate(settings: Settings) -> None:
    """Cross-field checks; each failure names its key."""
    if settings.app.env not in ("development", "production", "test"):
        raise ConfigError(f"app.env: must be development, production or test, got {settings.app.env!r}")
    if settings.app.default_language not in LANGUAGES:
        raise ConfigError(f"app.default_language: must be one of {', '.join(LANGUAGES)}")
    if not 0 < settings.web.port < 65536:
        raise ConfigError(f"web.port: must be between 1 and 65535, got {settings.web.port}")
    if settings.web.max_body_bytes < 1024:
        raise ConfigError("web.max_body_bytes: must be at least 1024")
    if not 0 <= settings.web.trusted_proxies <= MAX_TRUSTED_PROXIES:
        raise ConfigError(f"web.trusted_proxies: must be between 0 and {MAX_TRUSTED_PROXIES} "
                          f"(how many proxies in front of the app), got {settings.web.trusted_proxies}")
    url = urlparse(settings.line.api_base)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ConfigError(f"line.api_base: must be an http(s) URL, got {settings.line.api_base!r}")
    if settings.production and url.scheme != "https":
        raise ConfigError("line.api_base: must use https in production")
    if not settings.database.url.startswith(("sqlite", "postgresql")):
        raise ConfigError("database.url: must be a sqlite:// or postgresql:// URL")
    for name in ("connect_timeout", "read_timeout"):
        if getattr(settings.line, name) <= 0:
            raise ConfigError(f"line.{name}: must be greater than 0")
    if not 0 < settings.line.reply_token_ttl_seconds <= 60:
        raise ConfigError("line.reply_token_ttl_seconds: must be between 1 and 60 (LINE's tokens last about a minute)")
    _validate_telegram(settings)
    _validate_email(settings)
    _validate_metrics(settings)
    for name in ("inbox_threads", "delivery_threads", "lease_seconds", "max_attempts", "batch_size"):
        if getattr(settings.worker, name) < 1:
            raise ConfigError(f"worker.{name}: must be at least 1")
    if not 0 <= settings.worker.nice <= 19:
        raise ConfigError(f"worker.nice: must be between 0 (no change) and 19 (yield the most), got {settings.worker.nice}")
    if settings.scheduler.tick_seconds < 1:
        raise ConfigError("scheduler.tick_seconds: must be at least 1")
    validate_care(settings, ConfigError)
    for name in ("session_idle_minutes", "session_max_hours", "login_max_failures", "login_max_failures_per_ip", "login_lock_minutes"):
        if getattr(settings.console, name) < 1:
            raise ConfigError(f"console.{name}: must be at least 1")
    if "@" not in settings.console.first_admin_email:
        raise ConfigError("console.first_admin_email: must be an email address")
    if settings.console.telegram_bot_username.startswith("@"):
        raise ConfigError("console.telegram_bot_username: give the name without the leading @")
    if settings.production:
        if len(settings.web.secret_key) < 32:
            raise ConfigError("web.secret_key: set BOT_WEB_SECRET_KEY to at least 32 random characters in production")
        if not settings.line_configured:
            raise ConfigError("line.channel_secret: set BOT_LINE_CHANNEL_SECRET and BOT_LINE_CHANNEL_ACCESS_TOKEN in production")
    validate_crm(settings)


def _validate_metrics(settings: Settings) -> None:
    for index, entry in enumerate(settings.metrics.allow_from):
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigError(f"metrics.allow_from[{index}]: not an IP address or network: {entry!r}") from None
    if settings.metrics.token and len(settings.metrics.token) < 16:
        raise ConfigError("metrics.token: use at least 16 random characters")
    if not 0 <= settings.metrics.worker_port < 65536:
        raise ConfigError(f"metrics.worker_port: must be 0 (off) or a port up to 65535, got {settings.metrics.worker_port}")
    if settings.metrics.worker_port == settings.web.port:
        # Both bind on [web] host: a worker next to the web tier would fail to start.
        raise ConfigError(f"metrics.worker_port: must differ from web.port ({settings.web.port})")


TELEGRAM_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^localhost$")


def _validate_telegram(settings: Settings) -> None:
    telegram = settings.telegram
    url = urlparse(telegram.api_base)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ConfigError(f"telegram.api_base: must be an http(s) URL, got {telegram.api_base!r}")
    if settings.production and url.scheme != "https":
        raise ConfigError("telegram.api_base: must use https in production")
    if telegram.webhook_secret and not TELEGRAM_SECRET_RE.match(telegram.webhook_secret):
        raise ConfigError("telegram.webhook_secret: 1 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
    if bool(telegram.token) != bool(telegram.webhook_secret):
        raise ConfigError("telegram.webhook_secret: set both BOT_TELEGRAM_TOKEN and BOT_TELEGRAM_WEBHOOK_SECRET, or neither")
    for name in ("connect_timeout", "read_timeout", "messages_per_second", "chat_interval_seconds",
                 "group_messages_per_minute"):
        if getattr(telegram, name) <= 0:
            raise ConfigError(f"telegram.{name}: must be greater than 0")


def _validate_email(settings: Settings) -> None:
    email = settings.email
    if "@" not in email.from_address or email.from_address.startswith("@") or email.from_address.endswith("@"):
        raise ConfigError(f"email.from_address: not an email address: {email.from_address!r}")
    if not email.inbound_domains:
        raise ConfigError("email.inbound_domains: list at least one domain we receive mail for")
    for domain in email.inbound_domains:
        if not DOMAIN_RE.match(domain.lower()):
            raise ConfigError(f"email.inbound_domains: not a domain name: {domain!r}")
    for name in ("smtp_port", "receiver_port", "imap_port"):
        if not 0 < getattr(email, name) < 65536:
            raise ConfigError(f"email.{name}: must be between 1 and 65535")
    for name in ("connect_timeout", "timeout", "imap_poll_seconds"):
        if getattr(email, name) <= 0:
            raise ConfigError(f"email.{name}: must be greater than 0")
    if email.max_message_bytes < 1024:
        raise ConfigError("email.max_message_bytes: must be at least 1024")
    if bool(email.receiver_tls_cert) != bool(email.receiver_tls_key):
        raise ConfigError("email.receiver_tls_key: set both receiver_tls_cert and receiver_tls_key, or neither")
