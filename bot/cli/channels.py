"""`telegram set-webhook URL` / `telegram info`: what Telegram knows about our bot."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from bot.cli.base import BotGroup, with_settings
from bot.config import Settings

if TYPE_CHECKING:
    from channels.telegram.adapter import TelegramChannel


@click.group("telegram", cls=BotGroup, short_help="register the Telegram webhook or show its state",
             help="set-webhook URL: register URL with the secret token and our update types; "
                  "info: show the bot and the webhook Telegram has.")
def telegram_group() -> None:
    pass


@telegram_group.command("set-webhook", short_help="register our webhook URL with Telegram",
                        help="Register URL (https://<your host>/webhooks/telegram) with the secret token and "
                             "our update types.")
@click.argument("url", required=False)
@with_settings
def set_webhook_command(settings: Settings, url: str | None) -> int:
    if not _configured(settings):
        return 2
    if not (url or "").startswith("https://"):
        print("error: Telegram only calls https:// webhook URLs, e.g. https://bot.example.com/webhooks/telegram",
              file=sys.stderr)
        return 2
    assert url is not None

    def register(channel: TelegramChannel) -> None:
        channel.set_webhook(url)
        print(f"webhook set: {url} (secret token and update types registered)")

    return _ask_telegram(settings, register)


# Telegram's menu of commands, and the words each stands for (the handlers understand the command
# as typed text: "/points" is "points"). Telegram keys languages by two letters (ISO 639-1), so
# zh-TW and zh-CN cannot both have a list: every Chinese user gets the shop's own Chinese
# (Traditional unless the shop's default is Simplified), and everyone else the default language's.
COMMANDS = ("points", "coupons", "membercard", "redeem", "help")
COMMAND_LANGUAGES = {"": None, "en": "en", "zh": "zh-TW"}


def command_language(code: str, default_language: str) -> str:
    """The language of the list Telegram shows to users whose app is set to `code` ("" = others)."""
    if code == "zh" and default_language.startswith("zh"):
        return default_language
    return COMMAND_LANGUAGES[code] or default_language


@telegram_group.command("set-commands", short_help="set the bot's command menu in each language",
                        help="Set the command menu (setMyCommands) for English, Chinese and everyone else.")
@with_settings
def set_commands_command(settings: Settings) -> int:
    if not _configured(settings):
        return 2
    from bot.i18n.texts import text

    def register(channel: TelegramChannel) -> None:
        for code in COMMAND_LANGUAGES:
            language = command_language(code, settings.app.default_language)
            commands = [(name, text(f"commands.{name}", language, settings.app.default_language)) for name in COMMANDS]
            channel.set_commands(commands, code or None)
        print(f"command menu set: {', '.join('/' + name for name in COMMANDS)} in {len(COMMAND_LANGUAGES)} languages")

    return _ask_telegram(settings, register)


@telegram_group.command("info", short_help="show the bot and the webhook Telegram has",
                        help="Show the bot and the webhook Telegram has (pending updates, last error).")
@with_settings
def info_command(settings: Settings) -> int:
    if not _configured(settings):
        return 2
    return _ask_telegram(settings, lambda channel: print(
        json.dumps(channel.info(), ensure_ascii=False, indent=2, default=str)))


def _configured(settings: Settings) -> bool:
    if not settings.telegram_configured:
        print("error: set BOT_TELEGRAM_TOKEN and BOT_TELEGRAM_WEBHOOK_SECRET first", file=sys.stderr)
    return bool(settings.telegram_configured)


def _ask_telegram(settings: Settings, request: Callable[[TelegramChannel], None]) -> int:
    """Call Telegram through our adapter; a refusal is reported in one line with exit code 1."""
    from telegram.error import TelegramError

    from channels import registry
    from channels.telegram.adapter import TelegramChannel

    channel = registry.get("telegram").build(settings)
    assert isinstance(channel, TelegramChannel)  # set_webhook, info and close are Telegram's own
    try:
        request(channel)
    except TelegramError as exc:
        print(f"error: Telegram answered: {exc.message}", file=sys.stderr)
        return 1
    finally:
        channel.close()
    return 0
