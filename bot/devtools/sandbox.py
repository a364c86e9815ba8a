"""Sandbox mode: `serve` stands in locally for every platform that has no credentials configured.

LINE: the local LINE stand-in, with a generated channel secret. Telegram: the local Bot API
stand-in, with a generated token and webhook secret. Email: a local SMTP server that catches what
the bot sends into `var/mail/` (a Maildir), while the real inbound receiver listens as usual.
Where to find each is written to `var/sandbox.json` (readable by the operator only) for
`python -m bot chat`.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import Settings
from channels.email.standin import MailCatcher
from channels.line.standin import LineStandin
from channels.telegram.standin import TelegramStandin

SANDBOX_TOKEN = "sandbox-access-token"


@dataclass
class Sandbox:
    line: LineStandin | None = None
    telegram: TelegramStandin | None = None
    mail: MailCatcher | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return any((self.line, self.telegram, self.mail))

    def stop(self) -> None:
        for part in (self.line, self.telegram, self.mail):
            if part is not None:
                part.stop()


def sandbox_file(settings: Settings) -> Path:
    return settings.data_path / "sandbox.json"


def mail_dir(settings: Settings) -> Path:
    return settings.data_path / "mail"


def start_sandbox(settings: Settings, webhook_base: str) -> tuple[Settings, Sandbox]:
    """Start a stand-in for each unconfigured platform; return settings whose channels talk to them."""
    host = settings.web.host if settings.web.host != "0.0.0.0" else "127.0.0.1"
    sandbox = Sandbox()
    info: dict[str, Any] = {}
    if not settings.line_configured:
        sandbox.line = LineStandin(access_token=SANDBOX_TOKEN)
        api_base = sandbox.line.start(host, 0)
        secret = secrets.token_hex(16)
        settings = settings.replace(line={"channel_secret": secret, "channel_access_token": SANDBOX_TOKEN, "api_base": api_base})
        info.update(webhook_url=f"{webhook_base}/webhooks/line", channel_secret=secret, line_api_base=api_base)
    if not settings.telegram_configured:
        token = f"{secrets.randbelow(9 * 10**8) + 10**8}:{secrets.token_urlsafe(24)}"
        webhook_secret = secrets.token_urlsafe(24)
        sandbox.telegram = TelegramStandin(token)
        api_base = sandbox.telegram.start(host, 0)
        settings = settings.replace(telegram={"token": token, "webhook_secret": webhook_secret, "api_base": api_base})
        info["telegram"] = {"webhook_url": f"{webhook_base}/webhooks/telegram", "webhook_secret": webhook_secret,
                            "api_base": api_base}
    if not settings.email_configured:
        sandbox.mail = MailCatcher(maildir=mail_dir(settings), host=host).start()
        settings = settings.replace(email={"smtp_host": sandbox.mail.host, "smtp_port": sandbox.mail.port,
                                           "smtp_starttls": False, "smtp_username": "", "smtp_password": ""})
        info["email"] = {"receiver": [settings.email.receiver_host, settings.email.receiver_port],
                         "shop_address": f"shop@{settings.email.inbound_domains[0]}", "maildir": str(mail_dir(settings))}
    sandbox.info = info
    path = sandbox_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The secrets are throwaways made for this run, readable only by the operator.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(info, handle)
    return settings, sandbox


def read_sandbox(settings: Settings) -> dict[str, Any] | None:
    try:
        return json.loads(sandbox_file(settings).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
