"""Telegram's command menu per language (`telegram set-commands`, setMyCommands through the real
python-telegram-bot client to the stand-in, which refuses what Telegram refuses), and a command
from the menu answered like the words it stands for."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.cli.base import CliState
from bot.cli.channels import command_language
from bot.config import load_settings
from bot.devtools.chat_telegram import text_update
from channels.telegram.adapter import TelegramChannel
from tests.channels.conftest import TELEGRAM_SECRET, TELEGRAM_TOKEN, telegram_env


def test_set_commands_sets_the_menu_in_each_language(telegram, tmp_path):
    settings = load_settings(environ={"BOT_APP_ENV": "test", "BOT_APP_DATA_DIR": str(tmp_path), **telegram_env(telegram.url)})
    result = CliRunner().invoke(cli, ["telegram", "set-commands"], obj=CliState(settings=settings))
    assert result.exit_code == 0, result.stderr
    assert set(telegram.commands) == {"", "en", "zh"}
    assert dict(telegram.commands["en"])["membercard"] == "Member card (show it at the till)"
    assert dict(telegram.commands["zh"])["redeem"] == "用點數兌換獎品"
    assert telegram.commands[""] == telegram.commands["zh"]  # the shop's default language for everyone else


def test_chinese_users_get_the_shops_own_chinese():
    assert command_language("zh", "zh-TW") == "zh-TW" and command_language("zh", "zh-CN") == "zh-CN"
    assert command_language("zh", "en") == "zh-TW" and command_language("", "zh-CN") == "zh-CN"
    assert command_language("en", "zh-CN") == "en"


def test_the_standin_refuses_a_command_telegram_refuses(telegram):
    channel = TelegramChannel(TELEGRAM_TOKEN, TELEGRAM_SECRET, telegram.url)
    try:
        from telegram.error import BadRequest

        with pytest.raises(BadRequest):
            channel.set_commands([("Member-Card", "x")], "en")
    finally:
        channel.close()


def test_a_menu_command_is_answered_like_its_words(tg):
    tg.say("/start")
    [card] = tg.send(text_update(tg.user, "/membercard"))
    assert card["method"] == "sendPhoto" and "member card" in card["caption"]  # the card, its QR code as the photo
