"""The [journeys] section: how often marketing may reach one customer, and when it must not.

Why here and not per journey: the cap and the quiet hours hold across everything marketing sends
(every journey and every broadcast together), so they are one shop-wide setting.
"""

from __future__ import annotations

import re
from typing import Annotated

from bot.config.fields import Bool, Int, rule, section

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
ClockTime = Annotated[str, rule(lambda value: value == "" or bool(_HHMM.match(value)),
                                "expected a time of day HH:MM (or empty for none), got {value!r}")]
NotNegative = Annotated[Int, rule(lambda value: value >= 0, "must not be negative (0 turns it off)")]


@section
class JourneySettings:
    enabled: Bool = True  # the tick job runs journeys at all
    cap_per_day: NotNegative = 2  # marketing messages per customer per day, journeys and broadcasts together
    cap_per_week: NotNegative = 5  # and per 7 days
    quiet_start: ClockTime = "21:00"  # marketing steps due in quiet hours wait for their end (shop time)
    quiet_end: ClockTime = "09:00"
    batch: Annotated[Int, rule(lambda value: value >= 1, "must be at least 1")] = 1000  # enrollments per transaction
