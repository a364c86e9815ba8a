"""Show the customer that the bot is working on their reply (LINE's loading animation), before the
worker handles a conversation's events.

Best effort by design: the animation is a courtesy, so a refusal or a slow platform is logged and
never delays or fails the reply itself. Only one-on-one LINE chats (user ids start with "U") can
show it; other channels have no such call and are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)


def show_working(channels: Mapping[str, Any], lane_key: str) -> None:
    channel, _, chat = lane_key.partition(":")
    show = getattr(channels.get(channel), "show_loading", None)
    if show is None or not chat.startswith("U"):
        return
    try:
        show(chat)
    except Exception as exc:  # any failure: the reply goes out anyway
        log.info("loading animation not shown: %s", type(exc).__name__)
