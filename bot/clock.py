"""Where "now" comes from, so reminders, SLA breaches and surveys are tested without sleeping.

Why an object and not `utcnow()` everywhere: the worker and the scheduler ask their clock once per
event or job run and hand that time down (`Context.now`, a job's `now`), so a test moves one
`ManualClock` and every decision in that run sees the same, chosen moment.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Protocol

from models import utcnow


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return utcnow()


class ManualClock:
    """A clock that stands still until told to move; safe to share between threads."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        with self._lock:
            self._now = moment

    def advance(self, **delta: float) -> datetime:
        """Move forward, e.g. `advance(minutes=11)`; returns the new time."""
        with self._lock:
            self._now += timedelta(**delta)
            return self._now
