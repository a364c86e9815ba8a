"""LINE's request limits, read by its adapter (which enforces them) and its registry record."""

from __future__ import annotations

from channels.base import Limits

# The Messaging API's own limits: five messages per request, 500 users per multicast.
LIMITS = Limits(messages_per_request=5, multicast_recipients=500)

# What LINE accepts in a Flex Message (Messaging API reference, "Flex Message"): the notification
# text, bubbles in a carousel, and the picture addresses (HTTPS only).
FLEX_ALT_TEXT_LIMIT = 1500
FLEX_CAROUSEL_BUBBLES = 12
IMAGE_URL_LIMIT = 2000
