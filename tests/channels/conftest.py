"""Fixtures for the Telegram and email channels: their stand-ins and settings that enable both.

The general stand-in spaces messages to one chat 50 ms apart (Telegram: 1 s) so dialogue tests
run quickly; the rate-limit tests start their own stand-in with Telegram's real numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.worker import Worker
from channels.sandbox import LineStandin
from channels.telegram_sandbox import TelegramStandin
from tests.channels.telegram_chat import TelegramChat
from tests.conftest import make_settings

TELEGRAM_TOKEN = "123456:test-telegram-token"
TELEGRAM_SECRET = "test-webhook-secret_0123456789"
FAST_CHAT_INTERVAL = 0.05


@pytest.fixture(scope="session")
def telegram_server() -> Iterator[TelegramStandin]:
    standin = TelegramStandin(TELEGRAM_TOKEN, chat_interval=FAST_CHAT_INTERVAL, group_per_minute=60 / FAST_CHAT_INTERVAL)
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture
def telegram(telegram_server: TelegramStandin) -> TelegramStandin:
    telegram_server.reset()
    return telegram_server


def telegram_env(api_base: str) -> dict[str, str]:
    return {"BOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN, "BOT_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
            "BOT_TELEGRAM_API_BASE": api_base, "BOT_TELEGRAM_READ_TIMEOUT": "2",
            "BOT_TELEGRAM_CHAT_INTERVAL_SECONDS": str(FAST_CHAT_INTERVAL),
            "BOT_TELEGRAM_GROUP_MESSAGES_PER_MINUTE": str(60 / FAST_CHAT_INTERVAL)}


@pytest.fixture
def settings(db_url: str, tmp_path: Path, standin: LineStandin, telegram: TelegramStandin) -> Settings:
    return make_settings(db_url, tmp_path, standin.url, **telegram_env(telegram.url))


@pytest.fixture
def tg(server: str, worker: Worker, telegram: TelegramStandin) -> TelegramChat:
    return TelegramChat(server, worker, telegram, TELEGRAM_SECRET)
