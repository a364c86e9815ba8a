"""Reading what the bot sent from a local stand-in (`/__sandbox/...`), shared by every chat transport.

Why one module: the LINE and Telegram stand-ins share the same inspection endpoints
(`channels/standin_server.py`), so how the chat tool waits for an answer is one rule; only the
filter and how long a second message may trail the first differ per platform.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import requests


def last_seq(api_base: str) -> int:
    """How many deliveries the stand-in has seen: the bot's answers to the next event come after it."""
    return int(requests.get(f"{api_base}/__sandbox/stats", timeout=5).json()["deliveries"])


def wait_for_messages(api_base: str, params: Mapping[str, str | int], timeout: float, settle: float) -> list[dict[str, Any]]:
    """Poll until the first matching message arrives, then wait `settle` seconds for any that follow
    (a long answer comes as a second request; Telegram spaces a chat's messages a second apart)."""
    deadline = time.monotonic() + timeout
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not found:
        found = _messages(api_base, params)
        time.sleep(0.1)
    if found:
        time.sleep(settle)
        found = _messages(api_base, params)
    return found


def _messages(api_base: str, params: Mapping[str, str | int]) -> list[dict[str, Any]]:
    return list(requests.get(f"{api_base}/__sandbox/messages", params=dict(params), timeout=5).json()["messages"])
