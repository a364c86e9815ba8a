"""Settings: defaults, environment overrides, and one clear line naming a bad key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_config_loads_with_the_demo_shop():
    settings = load_settings(environ={})
    assert settings.web.port == 8000 and settings.web.host == "127.0.0.1"
    assert settings.line.api_base == "https://api.line.me"
    assert settings.database.url.startswith("sqlite")
    assert settings.shop.incentive["zh-TW"] == "留下 Email 即送 9 折券！"
    assert len(settings.faq) >= 3 and "hours" in settings.faq[0].keywords
    assert not settings.line_configured


def test_every_key_is_overridable_from_the_environment():
    settings = load_settings(environ={"BOT_LINE_API_BASE": "http://127.0.0.1:9", "BOT_WEB_PORT": "9000",
                                      "BOT_WORKER_BACKOFF_BASE_SECONDS": "0.5", "DATABASE_URL": "postgresql://x@h/db"})
    assert settings.line.api_base == "http://127.0.0.1:9"
    assert settings.web.port == 9000 and settings.worker.backoff_base_seconds == 0.5
    assert settings.database.url == "postgresql://x@h/db"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BOT_WEB_PORT": "eighty"}, "web.port: expected an integer, got 'eighty'"),
        ({"BOT_WEB_PORT": "70000"}, "web.port: must be between 1 and 65535"),
        ({"BOT_LINE_API_BASE": "ftp://x"}, "line.api_base: must be an http(s) URL"),
        ({"BOT_APP_DEFAULT_LANGUAGE": "fr"}, "app.default_language: must be one of"),
        ({"BOT_WORKER_LEASE_SECONDS": "0"}, "worker.lease_seconds: must be at least 1"),
        ({"BOT_WORKER_NICE": "25"}, "worker.nice: must be between 0 (no change) and 19 (yield the most), got 25"),
        ({"BOT_LINE_REPLY_TOKEN_TTL_SECONDS": "90"}, "line.reply_token_ttl_seconds"),
        ({"DATABASE_URL": "mysql://x"}, "database.url: must be a sqlite:// or postgresql:// URL"),
        ({"BOT_APP_ENV": "production"}, "web.secret_key: set BOT_WEB_SECRET_KEY"),
        ({"BOT_APP_ENV": "production", "BOT_WEB_SECRET_KEY": "k" * 40}, "line.channel_secret: set BOT_LINE_CHANNEL_SECRET"),
    ],
)
def test_a_bad_value_names_the_key_and_the_problem(environ, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(environ=environ)


def test_secrets_must_not_come_from_the_file_in_production(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[app]\nenv = "production"\n[line]\nchannel_secret = "in-the-file"\n')
    with pytest.raises(ConfigError, match=r"line.channel_secret: secrets must come from the environment \(BOT_LINE_CHANNEL_SECRET\)"):
        load_settings(config, environ={})


def test_file_errors_name_the_key(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[web]\nport = "8000"\n')
    with pytest.raises(ConfigError, match="web.port: expected an integer, got '8000'"):
        load_settings(config, environ={})
    config.write_text("[web]\nprot = 1\n")
    with pytest.raises(ConfigError, match="web.prot: unknown key"):
        load_settings(config, environ={})
    config.write_text('[[faq]]\nkeywords = []\nanswer = "x"\n')
    with pytest.raises(ConfigError, match=r"faq\[0\].keywords: expected a non-empty list"):
        load_settings(config, environ={})
    config.write_text("[web\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config, environ={})


def test_settings_are_frozen():
    settings = load_settings(environ={})
    with pytest.raises(AttributeError):
        settings.web.port = 1  # type: ignore[misc]


def test_the_cli_stops_with_one_line_naming_the_key():
    env = {**os.environ, "BOT_WEB_PORT": "eighty"}
    result = subprocess.run([sys.executable, "-m", "bot", "init"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == "configuration error: web.port: expected an integer, got 'eighty'"
