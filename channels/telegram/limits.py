"""Telegram's request limits, read by its adapter and its registry record."""

from __future__ import annotations

from channels.base import Limits

# sendMessage carries one message; the flood limits come from [telegram] and are declared per
# delivery by the adapter.
LIMITS = Limits(messages_per_request=1,
                rate_settings=("messages_per_second", "chat_interval_seconds", "group_messages_per_minute"))
