"""Email's request limits, read by its sender and its registry record."""

from __future__ import annotations

from channels.base import Limits

# One email carries all the replies to one message, and its Message-ID can be answered for days.
LIMITS = Limits(messages_per_request=20, reply_handle_ttl_seconds=30 * 24 * 3600)
