"""What the registry knows about LINE: its settings, adapter, stand-in, limits and console status.

The adapter and the stand-in are imported when first built, so listing the channels (the console,
the marketing forms) does not load the LINE SDK.
"""

from __future__ import annotations

import secrets
from typing import Any

from channels.base import Channel, ChannelRecord, ConsoleStatus, Standin
from channels.line.limits import LIMITS

SANDBOX_TOKEN = "sandbox-access-token"


def configured(settings: Any) -> bool:
    return bool(settings.line_configured)


def build(settings: Any) -> Channel:
    from channels.line.adapter import LineChannel

    line = settings.line
    return LineChannel(line.channel_secret, line.channel_access_token, line.api_base, line.connect_timeout,
                       line.read_timeout)


def start_standin(settings: Any, host: str, webhook_base: str) -> Standin:
    """The local LINE stand-in, with a generated channel secret."""
    from channels.line.standin import LineStandin

    server = LineStandin(access_token=SANDBOX_TOKEN)
    api_base = server.start(host, 0)
    secret = secrets.token_hex(16)
    return Standin(
        server, {"channel_secret": secret, "channel_access_token": SANDBOX_TOKEN, "api_base": api_base},
        {"webhook_url": f"{webhook_base}/webhooks/line", "channel_secret": secret, "line_api_base": api_base},
        ("Sandbox mode: no LINE credentials set, so a local LINE stand-in answers at " + server.url,
         "Chat with the bot from another terminal:",
         "  .venv/bin/python -m bot chat --follow",
         '  .venv/bin/python -m bot chat "營業時間"'))


def in_sandbox(settings: Any) -> bool:
    return bool(settings.line.api_base.startswith("http://127.0.0.1"))


RECORD = ChannelRecord(
    name="line", section="line", label="LINE", configured=configured, build=build, start_standin=start_standin,
    chat="bot.cli.talk:chat_line", limits=LIMITS, console=ConsoleStatus(webhook=True, in_sandbox=in_sandbox),
    staff_alerts=True, profile_lookup=True)
