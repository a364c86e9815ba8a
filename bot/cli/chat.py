"""`python -m bot chat`: talk to the running sandbox as a LINE, Telegram or email customer.

The command only reads the options; bot.cli.talk holds how each platform is spoken.
"""

from __future__ import annotations

import click

from bot.cli.base import with_settings
from bot.config import Settings
from channels import registry


@click.command("chat", short_help="talk to the sandbox bot as a LINE, Telegram or email customer would",
               help="Sign a LINE webhook body (or post a Telegram update, or send an email) to the running "
                    "sandbox, print the reply. TEXT is what the customer types.")
@click.argument("text", required=False)
@click.option("--channel", type=click.Choice(registry.names()), default="line", help="which platform (default line)")
@click.option("--start", metavar="PAYLOAD", help="Telegram: /start with a deep-link payload such as ref_friend")
@click.option("--user", help="the user to send as: LINE user id, Telegram numeric id, or email address")
@click.option("--follow", is_flag=True, help="send a follow event (adding the bot as a friend)")
@click.option("--postback", metavar="DATA", help="press a button: send a postback with this data")
@click.option("--timeout", type=float, default=10.0, help="seconds to wait for the reply (default 10)")
@with_settings
def chat_command(settings: Settings, text: str | None, channel: str, start: str | None, user: str | None,
                 follow: bool, postback: str | None, timeout: float) -> int:
    from bot.cli.talk import ChatRequest

    speak = registry.chat_function(channel)  # how each platform is spoken: its record in channels.registry
    if speak is None:
        raise click.UsageError(f"the sandbox cannot chat on {channel}")
    return speak(settings, ChatRequest(text=text, user=user, follow=follow, start=start, postback=postback,
                                       timeout=timeout))
