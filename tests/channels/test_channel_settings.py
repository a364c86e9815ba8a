"""The [telegram] and [email] settings: a bad value stops start-up with a message naming the key."""

from __future__ import annotations

import re

import pytest

from bot.config import ConfigError, load_settings


def load(**environ: str):
    return load_settings(environ={"BOT_APP_ENV": "test", **environ})


def test_defaults_leave_both_channels_to_the_sandbox():
    settings = load()
    assert not settings.telegram_configured and not settings.email_configured
    assert settings.email.inbound_domains == ("shop.example",)


def test_lists_come_from_the_environment_comma_separated():
    assert load(BOT_EMAIL_INBOUND_DOMAINS="a.example, b.example").email.inbound_domains == ("a.example", "b.example")


@pytest.mark.parametrize(("environ", "message"), [
    ({"BOT_TELEGRAM_TOKEN": "1:x", "BOT_TELEGRAM_WEBHOOK_SECRET": "has spaces!"}, "telegram.webhook_secret: 1 to 256"),
    ({"BOT_TELEGRAM_TOKEN": "1:x"}, "telegram.webhook_secret: set both"),
    ({"BOT_TELEGRAM_API_BASE": "ftp://x"}, "telegram.api_base: must be an http(s) URL"),
    ({"BOT_TELEGRAM_MESSAGES_PER_SECOND": "0"}, "telegram.messages_per_second: must be greater than 0"),
    ({"BOT_EMAIL_FROM_ADDRESS": "shop"}, "email.from_address: not an email address"),
    ({"BOT_EMAIL_INBOUND_DOMAINS": ""}, "email.inbound_domains: list at least one"),
    ({"BOT_EMAIL_INBOUND_DOMAINS": "shop.example,not a domain"}, "email.inbound_domains: not a domain name"),
    ({"BOT_EMAIL_SMTP_PORT": "70000"}, "email.smtp_port: must be between 1 and 65535"),
    ({"BOT_EMAIL_SMTP_STARTTLS": "maybe"}, "email.smtp_starttls: expected true or false"),
    ({"BOT_EMAIL_RECEIVER_TLS_CERT": "/x.pem"}, "email.receiver_tls_key: set both"),
])
def test_bad_values_name_the_key(environ, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load(**environ)


def test_secrets_must_come_from_the_environment_in_production(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[app]\nenv = "production"\n[telegram]\ntoken = "1:in-the-file"\n')
    with pytest.raises(ConfigError, match="telegram.token: secrets must come from the environment"):
        load_settings(config, environ={})
