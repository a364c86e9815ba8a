"""The command line in process, through click's runner: the commands that do not start a
long-running process, and how a bad command line or a bad setting is reported."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import inspect

from bot.cli import cli
from bot.cli.base import CliState
from bot.config import Settings
from models.db import make_engine

COMMANDS = ["init", "serve", "web", "worker", "scheduler", "email-receiver", "telegram", "chat", "user", "apikey"]


def invoke(*args: str, settings: Settings | None = None, stdin: str | None = None,
           env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), obj=CliState(settings=settings), input=stdin, env=env)


def test_the_help_lists_every_command_in_order():
    result = invoke("--help")
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.startswith("  ")]
    assert [name for name in listed if name in COMMANDS] == COMMANDS


@pytest.mark.parametrize(("args", "words"), [
    (["web"], ["--workers", "--threads", "(default 4)", "--host", "--port"]),
    (["email-receiver"], ["--lmtp", "LMTP"]),
    (["telegram"], ["set-webhook", "info"]),
    (["user", "add"], ["--role", "admin", "marketer", "--generate"]),
    (["apikey"], ["add", "list", "revoke", "printed once"]),
    (["chat"], ["--channel", "line|telegram|email", "--start PAYLOAD", "--postback DATA", "--timeout", "TEXT"]),
])
def test_each_command_names_its_options(args, words):
    result = invoke(*args, "--help")
    assert result.exit_code == 0
    assert all(word in result.output for word in words), result.output


@pytest.mark.parametrize(("args", "message"), [
    (["serve", "--port", "eighty"], "'eighty' is not a valid integer"),
    (["chat", "--channel", "sms", "hi"], "'sms' is not one of 'line', 'telegram', 'email'"),
    (["user", "add", "mei@shop.test"], "Missing option '--role'. Choose from: admin, staff, marketer"),
    (["apikey", "add", "till", "--role", "owner"], "'owner' is not one of 'pos', 'eshop', 'readonly'"),
    (["launch"], "No such command 'launch'"),
])
def test_a_bad_command_line_is_one_line_and_exit_code_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr


def test_no_command_shows_the_help_and_fails():
    result = invoke()
    assert result.exit_code == 2 and "Commands:" in result.stderr


def test_a_bad_setting_stops_a_command_but_not_its_help():
    env = {"BOT_WEB_PORT": "eighty"}
    result = CliRunner().invoke(cli, ["init"], env=env)
    assert result.exit_code == 2
    assert result.stderr.strip() == "configuration error: web.port: expected an integer, got 'eighty'"
    assert CliRunner().invoke(cli, ["init", "--help"], env=env).exit_code == 0


def test_init_migrates_and_seeds_again_safely(settings: Settings):
    for _ in range(2):
        result = invoke("init", settings=settings)
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith("database ready: ")
    assert "alembic_version" in inspect(make_engine(settings.database.url)).get_table_names()


def test_user_add_and_list(settings: Settings):
    added = invoke("user", "add", "Mei@Shop.test", "--role", "staff", settings=settings)
    assert added.exit_code == 0, added.stderr
    assert "created staff mei@shop.test" in added.stdout and added.stdout.split("password: ")[1].strip()
    again = invoke("user", "add", "mei@shop.test", "--role", "staff", "--generate", settings=settings)
    assert again.exit_code == 2 and "already has an account" in again.stderr
    listing = invoke("user", "list", settings=settings)
    assert listing.exit_code == 0 and "mei@shop.test\tstaff\tactive" in listing.stdout


def test_apikey_add_list_revoke(settings: Settings):
    added = invoke("apikey", "add", "pos-store-1", "--role", "pos", settings=settings)
    assert added.exit_code == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert key.startswith("crm_") and "shown only this once" in added.stdout
    assert invoke("apikey", "add", "pos-store-1", "--role", "pos", settings=settings).exit_code == 2
    assert invoke("apikey", "revoke", "pos-store-1", settings=settings).stdout == "revoked pos-store-1\n"
    listing = invoke("apikey", "list", settings=settings)
    assert listing.exit_code == 0 and "pos-store-1\tpos\tcrm_" in listing.stdout and "revoked" in listing.stdout
    assert key not in listing.stdout
    unknown = invoke("apikey", "revoke", "nobody", settings=settings)
    assert unknown.exit_code == 2 and unknown.stderr.startswith("error: ")


@pytest.mark.parametrize("channel", ["line", "telegram", "email"])
def test_chat_without_a_sandbox_says_what_to_do(settings: Settings, channel: str):
    result = invoke("chat", "--channel", channel, "hi", settings=settings)
    assert result.exit_code == 2 and "sandbox is running; start the service first with `make run`" in result.stderr
