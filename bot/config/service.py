"""The service itself: [app], [web], [database], [worker], [scheduler], [console], [metrics]."""

from __future__ import annotations

import ipaddress
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config.fields import LANGUAGES, Float, Int, at_least, between, rule, section

MAX_TRUSTED_PROXIES = 5  # more hops than this in front of one shop's service is a mistake, not a setup


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _is_network(entry: str) -> bool:
    try:
        ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False
    return True


@section
class AppSettings:
    env: Annotated[str, rule(lambda env: env in ("development", "production", "test"),
                             "must be development, production or test, got {value!r}")] = "development"
    timezone: Annotated[str, rule(_known_zone, "unknown time zone {value!r}")] = "Asia/Taipei"
    default_language: Annotated[str, rule(lambda language: language in LANGUAGES,
                                          f"must be one of {', '.join(LANGUAGES)}")] = "zh-TW"
    data_dir: str = "var"


@section
class WebSettings:
    host: str = "127.0.0.1"
    port: Annotated[Int, between(1, 65535)] = 8000
    secret_key: str = ""
    max_body_bytes: Annotated[Int, at_least(1024)] = 1024 * 1024
    public_url: str = ""
    # proxies in front that set X-Forwarded-For/-Proto; 0: the headers are ignored
    trusted_proxies: Annotated[Int, rule(lambda n: 0 <= n <= MAX_TRUSTED_PROXIES,
                                         f"must be between 0 and {MAX_TRUSTED_PROXIES} "
                                         "(how many proxies in front of the app), got {value}")] = 0


@section
class DatabaseSettings:
    url: Annotated[str, rule(lambda url: url.startswith(("sqlite", "postgresql")),
                             "must be a sqlite:// or postgresql:// URL")] = "sqlite:///var/bot.db"
    pool_size: Int = 10


@section
class WorkerSettings:
    inbox_threads: Annotated[Int, at_least(1)] = 2
    delivery_threads: Annotated[Int, at_least(1)] = 2
    lease_seconds: Annotated[Int, at_least(1)] = 30
    max_attempts: Annotated[Int, at_least(1)] = 8
    backoff_base_seconds: Float = 2.0
    backoff_max_seconds: Float = 600.0
    poll_interval_seconds: Float = 0.2
    batch_size: Annotated[Int, at_least(1)] = 20
    # Inbox events handled in one transaction (bot/event_batch.py); on SQLite at most the second,
    # because the acknowledgements wait for its single write lock while a batch holds it.
    batch_events: Annotated[Int, at_least(1)] = 100
    batch_events_sqlite: Annotated[Int, at_least(1)] = 8
    # How much a separate `worker` process yields the CPU to the web tier on the same machine
    # (Unix nice, 0-19): webhook acknowledgements are latency-critical, dialogue work is not.
    nice: Annotated[Int, rule(lambda n: 0 <= n <= 19,
                              "must be between 0 (no change) and 19 (yield the most), got {value}")] = 5


@section
class SchedulerSettings:
    lock_ttl_seconds: Int = 30
    inbox_retention_days: Int = 30
    tick_seconds: Annotated[Int, at_least(1)] = 60


@section
class ConsoleSettings:
    """The staff and marketer web console: sessions, login throttling, the first admin, links."""

    session_idle_minutes: Annotated[Int, at_least(1)] = 480
    session_max_hours: Annotated[Int, at_least(1)] = 24
    login_max_failures: Annotated[Int, at_least(1)] = 5
    login_max_failures_per_ip: Annotated[Int, at_least(1)] = 20
    login_lock_minutes: Annotated[Int, at_least(1)] = 15
    first_admin_email: Annotated[str, rule(lambda address: "@" in address, "must be an email address")] = "admin@example.com"
    telegram_bot_username: Annotated[str, rule(lambda name: not name.startswith("@"),
                                               "give the name without the leading @")] = ""
    # The LINE Official Account's basic ID ("@123abcde"), for the campaigns' oaMessage links and QR codes.
    line_basic_id: Annotated[str, rule(lambda basic: not basic or (basic.startswith("@") and basic[1:].isalnum()),
                                       "give the basic ID with its leading @, e.g. @123abcde")] = ""


@section
class MetricsSettings:
    """Who may read `/metrics`: a bearer token (a secret, BOT_METRICS_TOKEN) or these client addresses."""

    token: Annotated[str, rule(lambda token: not token or len(token) >= 16, "use at least 16 random characters")] = ""
    # addresses or networks (10.0.0.0/8); empty: token only
    allow_from: tuple[Annotated[str, rule(_is_network, "not an IP address or network: {value!r}")], ...] = ("127.0.0.1", "::1")
    # `worker` serves its own /metrics here, on [web] host; 0: it serves none
    worker_port: Annotated[Int, rule(lambda port: 0 <= port < 65536,
                                     "must be 0 (off) or a port up to 65535, got {value}")] = 0
