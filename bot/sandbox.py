"""Sandbox mode: with no LINE credentials, `serve` starts the local LINE stand-in and points the
LINE channel at it with a generated secret, and writes where to find both for `python -m bot chat`."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from bot.config import Settings
from channels.sandbox import LineStandin

SANDBOX_TOKEN = "sandbox-access-token"


def sandbox_file(settings: Settings) -> Path:
    return settings.data_path / "sandbox.json"


def start_sandbox(settings: Settings, webhook_base: str) -> tuple[Settings, LineStandin]:
    """Start the stand-in and return settings whose LINE channel talks to it."""
    standin = LineStandin(access_token=SANDBOX_TOKEN)
    api_base = standin.start(settings.web.host if settings.web.host != "0.0.0.0" else "127.0.0.1", 0)
    secret = secrets.token_hex(16)
    settings = settings.replace(line={"channel_secret": secret, "channel_access_token": SANDBOX_TOKEN,
                                      "api_base": api_base})
    path = sandbox_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    info = {"webhook_url": f"{webhook_base}/webhooks/line", "channel_secret": secret, "line_api_base": api_base}
    # The secret is a throwaway made for this run, readable only by the operator.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(info, handle)
    return settings, standin


def read_sandbox(settings: Settings) -> dict[str, Any] | None:
    try:
        return json.loads(sandbox_file(settings).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
