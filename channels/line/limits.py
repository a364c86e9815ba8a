"""LINE's request limits, read by its adapter (which enforces them) and its registry record."""

from __future__ import annotations

from channels.base import Limits

# The Messaging API's own limits: five messages per request, 500 users per multicast.
LIMITS = Limits(messages_per_request=5, multicast_recipients=500)
