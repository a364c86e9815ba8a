"""Rate limits for delivery: reserve the next free slot on every key a send needs, then wait for it.

Why reservations and not "check, then send": with several threads (and, in the scaled mode,
several processes) a check can pass for all of them at once. A reservation moves the key's
`next_at` forward in the same step that hands out the slot, so no two senders get one slot, and a
sender sleeps outside any lock. Each key allows one request per `interval` on average, a request
at most `tolerance` seconds early (the generic cell rate algorithm): per chat and per group the
tolerance is zero, the strictest reading of Telegram's 1 per second and 20 per minute.

The embedded mode keeps the slots in memory; the scaled mode keeps them in the `rate_slots` table
and reads the time from the database, so processes on different machines share one clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from channels.base import Deferred, RateLimit
from models import RateSlot
from models.db import conflict_insert, is_postgresql

# A delivery thread sleeps for a slot at most this long; a longer wait defers the row instead, so
# one slow group does not hold up the other rows the thread has claimed.
MAX_SLEEP_SECONDS = 1.5


class Limiter(Protocol):
    def reserve(self, limits: Sequence[RateLimit], max_wait: float = MAX_SLEEP_SECONDS) -> float:
        """Take the earliest slot free on every key; return the seconds to wait for it.

        Raises `Deferred` (and reserves nothing) when that is more than `max_wait` away."""

    def pause(self, keys: Sequence[str], seconds: float) -> None:
        """Hold these keys back for `seconds` (the platform asked us to slow down)."""


def _plan(now: float, limits: Sequence[RateLimit], next_ats: Sequence[float], paused: Sequence[float],
          max_wait: float) -> float:
    start = max([now, *paused, *(next_at - limit.tolerance for limit, next_at in zip(limits, next_ats, strict=True))])
    if start - now > max_wait:
        raise Deferred(start - now)
    return start


def _advanced(next_at: float, start: float, limit: RateLimit) -> float:
    return max(next_at, start) + limit.interval


class MemoryLimiter:
    """Slots for one process (the embedded mode)."""

    def __init__(self) -> None:
        self._next_at: dict[str, float] = {}
        self._paused: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, limits: Sequence[RateLimit], max_wait: float = MAX_SLEEP_SECONDS) -> float:
        if not limits:
            return 0.0
        with self._lock:
            now = time.monotonic()
            current = [self._next_at.get(limit.key, 0.0) for limit in limits]
            start = _plan(now, limits, current, [self._paused.get(limit.key, 0.0) for limit in limits], max_wait)
            for limit, next_at in zip(limits, current, strict=True):
                self._next_at[limit.key] = _advanced(next_at, start, limit)
        return start - now

    def pause(self, keys: Sequence[str], seconds: float) -> None:
        with self._lock:
            until = time.monotonic() + seconds
            for key in keys:
                self._paused[key] = max(self._paused.get(key, 0.0), until)


class DatabaseLimiter:
    """Slots shared by every process through the database (the scaled mode).

    Rows are locked in key order, so two senders needing overlapping keys cannot deadlock."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def reserve(self, limits: Sequence[RateLimit], max_wait: float = MAX_SLEEP_SECONDS) -> float:
        if not limits:
            return 0.0
        with self._sessions.begin() as session:
            now, slots = self._lock_slots(session, sorted({limit.key for limit in limits}))
            current = [slots[limit.key][0] for limit in limits]
            start = _plan(now, limits, current, [slots[limit.key][1] for limit in limits], max_wait)
            for limit, next_at in zip(limits, current, strict=True):
                session.execute(update(RateSlot).where(RateSlot.key == limit.key).values(next_at=_advanced(next_at, start, limit)))
        return start - now

    def pause(self, keys: Sequence[str], seconds: float) -> None:
        if not keys:
            return
        with self._sessions.begin() as session:
            now, slots = self._lock_slots(session, sorted(keys))
            for key, (_, paused_until) in slots.items():
                session.execute(update(RateSlot).where(RateSlot.key == key).values(paused_until=max(paused_until, now + seconds)))

    def _lock_slots(self, session: Session, keys: list[str]) -> tuple[float, dict[str, tuple[float, float]]]:
        session.execute(conflict_insert(session)(RateSlot).values([{"key": k, "next_at": 0.0, "paused_until": 0.0} for k in keys])
                        .on_conflict_do_nothing())
        rows = session.execute(
            select(RateSlot.key, RateSlot.next_at, RateSlot.paused_until).where(RateSlot.key.in_(keys))
            .order_by(RateSlot.key).with_for_update()
        ).all()
        return _database_now(session), {key: (next_at, paused) for key, next_at, paused in rows}


def _database_now(session: Session) -> float:
    if is_postgresql(session):
        epoch = session.scalar(select(func.extract("epoch", func.clock_timestamp())))
        assert epoch is not None  # a SELECT of an expression has its row
        return float(epoch)
    return time.time()  # SQLite runs in this process: its clock is ours


def build_limiter(sessions: sessionmaker[Session]) -> Limiter:
    """In memory for the embedded SQLite mode; in the database when processes share PostgreSQL."""
    return DatabaseLimiter(sessions) if is_postgresql(sessions.kw["bind"]) else MemoryLimiter()
