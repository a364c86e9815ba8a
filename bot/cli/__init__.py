"""`python -m bot <command>`: init, serve, web, worker, scheduler, email-receiver, telegram, chat,
user, apikey, demo, import, backup, restore, journeys; one click group, the commands in small modules by area.

Every command loads the settings first, so a bad setting stops it with one line naming the key;
a bad command line stops with one line and exit code 2.
"""

from __future__ import annotations

import click

from bot.cli.accounts import apikey_group, user_group
from bot.cli.backup import backup_command, restore_command
from bot.cli.base import BotGroup, CliState
from bot.cli.channels import telegram_group
from bot.cli.chat import chat_command
from bot.cli.database import init_command
from bot.cli.demo import demo_command
from bot.cli.imports import import_group
from bot.cli.journeys import journeys_group
from bot.cli.run import email_receiver_command, scheduler_command, web_command, worker_command
from bot.cli.serve import serve_command


@click.group(cls=BotGroup, context_settings={"help_option_names": ["-h", "--help"]},
             help="Omnichannel CRM chatbot service.")
@click.option("--config", help="path to config.toml (default: BOT_CONFIG or ./config.toml)")
@click.pass_context
def cli(ctx: click.Context, config: str | None) -> None:
    ctx.ensure_object(CliState).config = config


for command in (init_command, serve_command, web_command, worker_command, scheduler_command, email_receiver_command,
                telegram_group, chat_command, user_group, apikey_group, demo_command, import_group,
                backup_command, restore_command, journeys_group):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Run the command line (exits with the command's exit code)."""
    cli.main(argv)
