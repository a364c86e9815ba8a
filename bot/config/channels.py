"""The messaging platforms' sections: [line], [telegram], [email]."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlparse

from pydantic import AfterValidator, model_validator

from bot.config.fields import POSITIVE, Bool, Float, Int, at_least, both_or_neither, problem, rule, section

TELEGRAM_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^localhost$")


def _is_http_url(value: str) -> bool:
    url = urlparse(value)
    return url.scheme in ("http", "https") and bool(url.netloc)


HttpUrl = Annotated[str, rule(_is_http_url, "must be an http(s) URL, got {value!r}")]
Port = Annotated[Int, rule(lambda port: 0 < port < 65536, "must be between 1 and 65535")]
Seconds = Annotated[Float, POSITIVE]


@section
class LineSettings:
    channel_secret: str = ""
    channel_access_token: str = ""
    api_base: HttpUrl = "https://api.line.me"
    connect_timeout: Seconds = 3.0
    read_timeout: Seconds = 10.0
    reply_token_ttl_seconds: Annotated[Int, rule(lambda ttl: 0 < ttl <= 60, "must be between 1 and 60 "
                                                 "(LINE's tokens last about a minute)")] = 50
    # A customer's LINE profile (name, picture, language) is read again when older than this.
    profile_refresh_days: Annotated[Int, rule(lambda days: days >= 1, "must be at least 1 day")] = 30


@section
class TelegramSettings:
    token: str = ""
    webhook_secret: Annotated[str, rule(lambda secret: not secret or TELEGRAM_SECRET_RE.match(secret) is not None,
                                        "1 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")] = ""
    api_base: HttpUrl = "https://api.telegram.org"
    connect_timeout: Seconds = 3.0
    read_timeout: Seconds = 10.0
    # Telegram's caps: per bot overall, per chat, per group; shared by all workers in the scaled mode
    messages_per_second: Seconds = 30.0
    chat_interval_seconds: Seconds = 1.0
    group_messages_per_minute: Seconds = 20.0

    @model_validator(mode="after")
    def _token_and_secret_together(self) -> TelegramSettings:
        both_or_neither(self.token, self.webhook_secret, "telegram.webhook_secret",
                        ("BOT_TELEGRAM_TOKEN", "BOT_TELEGRAM_WEBHOOK_SECRET"))
        return self


def _is_address(address: str) -> bool:
    return "@" in address and not address.startswith("@") and not address.endswith("@")


def _domain_names(domains: tuple[str, ...]) -> tuple[str, ...]:
    for domain in domains:
        if not DOMAIN_RE.match(domain.lower()):
            raise problem(f"not a domain name: {domain!r}")
    return domains


@section
class EmailSettings:
    from_address: Annotated[str, rule(_is_address, "not an email address: {value!r}")] = "shop@shop.example"
    from_name: str = ""
    inbound_domains: Annotated[tuple[str, ...], rule(bool, "list at least one domain we receive mail for"),
                               AfterValidator(_domain_names)] = ("shop.example",)
    reply_local_part: str = "reply"
    smtp_host: str = ""
    smtp_port: Port = 587
    smtp_starttls: Bool = True
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_ca_file: str = ""
    connect_timeout: Seconds = 10.0
    timeout: Seconds = 30.0
    receiver_host: str = "127.0.0.1"
    receiver_port: Port = 2525
    receiver_tls_cert: str = ""
    receiver_tls_key: str = ""
    max_message_bytes: Annotated[Int, at_least(1024)] = 10 * 1024 * 1024
    imap_host: str = ""
    imap_port: Port = 993
    imap_ssl: Bool = True
    imap_username: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    imap_poll_seconds: Seconds = 60.0

    @model_validator(mode="after")
    def _certificate_and_key_together(self) -> EmailSettings:
        both_or_neither(self.receiver_tls_cert, self.receiver_tls_key, "email.receiver_tls_key",
                        ("receiver_tls_cert", "receiver_tls_key"))
        return self
