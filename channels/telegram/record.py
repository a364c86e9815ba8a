"""What the registry knows about Telegram: its settings, adapter, stand-in, limits and console status.

The adapter and the stand-in are imported when first built, so listing the channels does not load
python-telegram-bot.
"""

from __future__ import annotations

import secrets
from typing import Any

from channels.base import ChannelRecord, ConsoleStatus, Standin
from channels.telegram.limits import LIMITS


def configured(settings: Any) -> bool:
    return bool(settings.telegram_configured)


def build(settings: Any) -> Any:
    """The adapter (typed as itself, not `Channel`: `python -m bot telegram` uses its extra methods)."""
    from channels.telegram.adapter import TelegramChannel

    telegram = settings.telegram
    return TelegramChannel(
        telegram.token, telegram.webhook_secret, telegram.api_base, connect_timeout=telegram.connect_timeout,
        read_timeout=telegram.read_timeout, messages_per_second=telegram.messages_per_second,
        chat_interval_seconds=telegram.chat_interval_seconds, group_messages_per_minute=telegram.group_messages_per_minute)


def start_standin(settings: Any, host: str, webhook_base: str) -> Standin:
    """The local Bot API stand-in, with a generated token and webhook secret."""
    from channels.telegram.standin import TelegramStandin

    token = f"{secrets.randbelow(9 * 10**8) + 10**8}:{secrets.token_urlsafe(24)}"
    webhook_secret = secrets.token_urlsafe(24)
    server = TelegramStandin(token)
    api_base = server.start(host, 0)
    return Standin(
        server, {"token": token, "webhook_secret": webhook_secret, "api_base": api_base},
        {"webhook_url": f"{webhook_base}/webhooks/telegram", "webhook_secret": webhook_secret, "api_base": api_base},
        ("Sandbox Telegram: a local Bot API stand-in answers at " + server.url,
         "  .venv/bin/python -m bot chat --channel telegram --start ref_friend"))


RECORD = ChannelRecord(
    name="telegram", section="telegram", label="Telegram",
    configured=configured, build=build, start_standin=start_standin,
    chat="bot.cli.talk:chat_telegram", limits=LIMITS, console=ConsoleStatus(webhook=True),
    staff_alerts=True)
