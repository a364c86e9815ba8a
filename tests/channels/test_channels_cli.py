"""The Telegram and email commands as an operator and a newcomer use them: real processes."""

from __future__ import annotations

import json
import smtplib
import time
from email.message import EmailMessage

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import cli
from bot.cli.base import CliState
from bot.config import load_settings
from models import InboxEvent
from models.db import make_engine, make_session_factory
from tests.channels.conftest import TELEGRAM_SECRET, TELEGRAM_TOKEN, telegram_env
from tests.cli.test_cli import run_bot, start_bot, stop, wait_healthy
from tests.pg import free_port


def test_a_newcomer_can_chat_on_telegram_and_by_email_in_the_sandbox(tmp_path):
    port = free_port()
    env = {"BOT_APP_DATA_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
           "BOT_EMAIL_RECEIVER_PORT": str(free_port())}
    process = start_bot("serve", "--port", str(port), env=env)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        start = run_bot("chat", "--channel", "telegram", "--start", "ref_friend", env=env)
        assert start.returncode == 0, start.stderr
        assert "歡迎加入青田書店" in start.stdout and "--postback 'faq:0'" in start.stdout
        pressed = run_bot("chat", "--channel", "telegram", "--postback", "faq:1", env=env)
        assert "地址：台北市大安區" in pressed.stdout
        mail = run_bot("chat", "--channel", "email", "請問營業時間？", env=env)
        assert mail.returncode == 0, mail.stderr
        assert "Subject: Re: 請問營業時間？" in mail.stdout and "營業時間：週一至週五" in mail.stdout
        assert len(list((tmp_path / "var" / "mail" / "new").iterdir())) == 2  # welcome + answer, readable there
    finally:
        stop(process)
    output, log = process.stdout.read(), process.stderr.read()
    assert "Sandbox Telegram" in output and "Sandbox email" in output
    assert "/bot" not in log and "RCPT" not in log  # no token-bearing URLs or addresses in the logs


def test_set_webhook_registers_the_secret_and_our_update_types_and_info_shows_it(telegram):
    env = {"BOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN, "BOT_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
           "BOT_TELEGRAM_API_BASE": telegram.url}
    result = run_bot("telegram", "set-webhook", "https://bot.shop.example/webhooks/telegram", env=env)
    assert result.returncode == 0, result.stderr
    assert telegram.webhook["url"] == "https://bot.shop.example/webhooks/telegram"
    assert telegram.webhook["secret_token"] == TELEGRAM_SECRET
    assert telegram.webhook["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
    info = run_bot("telegram", "info", env=env)
    assert info.returncode == 0 and "https://bot.shop.example/webhooks/telegram" in info.stdout
    assert TELEGRAM_SECRET not in info.stdout and "sandbox_bot" in info.stdout


@pytest.mark.parametrize(("args", "env_extra", "message"), [
    (["set-webhook", "http://insecure.example/webhooks/telegram"], True, "only calls https://"),
    (["info"], False, "set BOT_TELEGRAM_TOKEN and BOT_TELEGRAM_WEBHOOK_SECRET"),
])
def test_telegram_commands_explain_what_is_wrong(telegram, args, env_extra, message):
    env = {"BOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN if env_extra else "",
           "BOT_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET if env_extra else "", "BOT_TELEGRAM_API_BASE": telegram.url}
    result = run_bot("telegram", *args, env=env)
    assert result.returncode == 2 and message in result.stderr


def test_telegram_commands_in_process_register_the_webhook_and_show_it_without_the_secret(telegram, tmp_path):
    settings = load_settings(environ={"BOT_APP_ENV": "test", "BOT_APP_DATA_DIR": str(tmp_path),
                                      **telegram_env(telegram.url)})
    url = "https://bot.shop.example/webhooks/telegram"
    registered = CliRunner().invoke(cli, ["telegram", "set-webhook", url], obj=CliState(settings=settings))
    assert registered.exit_code == 0, registered.stderr
    assert registered.stdout == f"webhook set: {url} (secret token and update types registered)\n"
    info = CliRunner().invoke(cli, ["telegram", "info"], obj=CliState(settings=settings))
    assert info.exit_code == 0 and json.loads(info.stdout)["webhook"]["url"] == url
    assert TELEGRAM_SECRET not in info.stdout and TELEGRAM_TOKEN not in info.stdout


def test_the_email_receiver_command_stores_mail_for_our_domains_only(tmp_path):
    db_url = f"sqlite:///{tmp_path}/bot.db"
    port = free_port()
    env = {"DATABASE_URL": db_url, "BOT_EMAIL_RECEIVER_PORT": str(port)}
    assert run_bot("init", env=env).returncode == 0
    process = start_bot("email-receiver", env=env)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                client = smtplib.SMTP("127.0.0.1", port, timeout=5)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"the receiver never listened: {process.stderr.read()}")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "mei@example.org", "shop@shop.example", "hi"
        message["Message-ID"] = "<cli-test-1@example.org>"
        message.set_content("營業時間")
        with client:
            client.send_message(message)
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.send_message(message, to_addrs=["someone@elsewhere.example"])
    finally:
        stop(process)
    sessions = make_session_factory(make_engine(db_url))
    with sessions() as session:
        stored = session.scalars(select(InboxEvent.event_id).order_by(InboxEvent.id)).all()
    assert stored == ["cli-test-1@example.org:first-contact", "cli-test-1@example.org"]
    assert "SMTP receiver for shop.example" in process.stdout.read()
