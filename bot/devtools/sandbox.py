"""Sandbox mode: `serve` stands in locally for every platform that has no credentials configured.

Each registered channel says how its stand-in starts (`ChannelRecord.start_standin`): LINE's and
Telegram's are local API servers with generated secrets; email's is an SMTP server that catches
what the bot sends into `var/mail/` (a Maildir), while the real inbound receiver listens as usual.
Where to find each is written to `var/sandbox.json` (readable by the operator only), one part per
channel, for `python -m bot chat`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import Settings
from channels import registry
from channels.base import Standin


@dataclass
class Sandbox:
    standins: dict[str, Standin] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(self.standins)

    @property
    def notices(self) -> list[str]:
        """What `serve` prints about the stand-ins, in the registry's order."""
        return [line for standin in self.standins.values() for line in standin.notice]

    def stop(self) -> None:
        for standin in self.standins.values():
            standin.server.stop()


def sandbox_file(settings: Settings) -> Path:
    return settings.data_path / "sandbox.json"


def start_sandbox(settings: Settings, webhook_base: str) -> tuple[Settings, Sandbox]:
    """Start a stand-in for each unconfigured platform; return settings whose channels talk to them."""
    host = settings.web.host if settings.web.host != "0.0.0.0" else "127.0.0.1"
    sandbox = Sandbox()
    for record in registry.records():
        if record.configured(settings):
            continue
        standin = record.start_standin(settings, host, webhook_base)
        sandbox.standins[record.name] = standin
        sandbox.info[record.name] = dict(standin.info)
        settings = settings.replace(**{record.section: dict(standin.settings)})
    path = sandbox_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The secrets are throwaways made for this run, readable only by the operator.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(sandbox.info, handle)
    return settings, sandbox


def read_sandbox(settings: Settings) -> dict[str, Any] | None:
    try:
        return json.loads(sandbox_file(settings).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
