"""What the registry knows about email: its settings, adapter, stand-in, limits and console status.

Email has no webhook: mail arrives through the receiver or the IMAP poller (`bot.email_service`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from channels.base import ChannelRecord, ConsoleStatus, Standin
from channels.email.limits import LIMITS


def configured(settings: Any) -> bool:
    return bool(settings.email_configured)


def build(settings: Any) -> Any:
    """The sending adapter. It has no `parse` (mail comes in through the receiver, not a webhook),
    so it is not a full `Channel` by type."""
    from channels.email.send import EmailChannel

    return EmailChannel.from_settings(settings)


def mail_dir(settings: Any) -> Path:
    """Where the sandbox's mail catcher keeps what the bot sent (a Maildir)."""
    return Path(settings.data_path) / "mail"


def start_standin(settings: Any, host: str, webhook_base: str) -> Standin:
    """A local SMTP server that catches what the bot sends into `var/mail/`; the real inbound
    receiver listens as usual."""
    from channels.email.standin import MailCatcher

    maildir = mail_dir(settings)
    server = MailCatcher(maildir=maildir, host=host).start()
    email = settings.email
    return Standin(
        server, {"smtp_host": server.host, "smtp_port": server.port, "smtp_starttls": False, "smtp_username": "",
                 "smtp_password": ""},
        {"receiver": [email.receiver_host, email.receiver_port], "shop_address": f"shop@{email.inbound_domains[0]}",
         "maildir": str(maildir)},
        (f"Sandbox email: what the bot sends is caught in {maildir} (a Maildir)",
         '  .venv/bin/python -m bot chat --channel email "營業時間"'))


RECORD = ChannelRecord(
    name="email", section="email", label="Email", configured=configured, build=build, start_standin=start_standin,
    chat="bot.cli.talk:chat_email", limits=LIMITS, console=ConsoleStatus(webhook=False))
