"""The worker: threads that run the engine over the inbox and delivery over the outbox.

The same class runs inside `serve` (embedded) and as `python -m bot worker` (scaled); any number
of workers may run against one database, because all coordination is through leases.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.engine import AlreadyProcessed, Router, fail_event, process_event
from bot.leasing import claim_lanes, release_lane, release_lanes
from channels.base import Channel
from jobs.delivery import deliver_due
from jobs.ratelimit import Limiter, build_limiter
from models import InboxEvent

log = logging.getLogger(__name__)
MAX_EVENT_ATTEMPTS = 3
EVENTS_PER_LANE_CLAIM = 50


def worker_id(role: str = "worker") -> str:
    return f"{role}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(self, settings: Settings, sessions: sessionmaker[Session], router: Router,
                 channels: Mapping[str, Channel], owner: str | None = None, clock: Clock | None = None,
                 limiter: Limiter | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.sessions = sessions
        self.router = router
        self.channels = channels
        self.owner = owner or worker_id()
        # One limiter per process: its delivery threads share the slots (and, on PostgreSQL, every process does).
        self.limiter = limiter or build_limiter(sessions)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- one round of each, for tests and for the loops ------------------------------------------

    def process_inbox_once(self) -> int:
        """Lease some conversations and handle their pending events in order. Returns events handled.

        Why the events of all leased lanes are read in one query and the lanes given back in one
        statement: with one event per conversation (the common case) the per-lane read and release
        were two of the three transactions each event cost."""
        settings = self.settings.worker
        lanes = claim_lanes(self.sessions, self.owner, limit=settings.batch_size, lease_seconds=settings.lease_seconds)
        if not lanes:
            return 0
        pending = self._pending_events(lanes)
        handled, finished = 0, []
        for lane in lanes:
            count, ok = self._process_lane(lane, pending.get(lane, []))
            handled += count
            if ok:
                finished.append(lane)
        release_lanes(self.sessions, finished, self.owner)
        return handled

    def _pending_events(self, lanes: Sequence[str]) -> dict[str, list[int]]:
        """Up to EVENTS_PER_LANE_CLAIM pending event ids per lane, each lane's in arrival order."""
        position = func.row_number().over(partition_by=InboxEvent.lane_key, order_by=(InboxEvent.occurred_at, InboxEvent.id))
        ranked = (select(InboxEvent.lane_key, InboxEvent.id, position.label("position"))
                  .where(InboxEvent.lane_key.in_(list(lanes)), InboxEvent.status == "pending").subquery())
        by_lane: dict[str, list[int]] = {}
        with self.sessions() as session:
            rows = session.execute(select(ranked.c.lane_key, ranked.c.id).where(ranked.c.position <= EVENTS_PER_LANE_CLAIM)
                                   .order_by(ranked.c.lane_key, ranked.c.position))
            for lane, row_id in rows:
                by_lane.setdefault(lane, []).append(row_id)
        return by_lane

    def deliver_once(self) -> int:
        return deliver_due(self.sessions, self.channels, self.owner, self.settings.worker, limiter=self.limiter)

    def drain(self, max_rounds: int = 100) -> None:
        """Process and deliver until nothing is left that is due now (tests, the chat CLI)."""
        for _ in range(max_rounds):
            if not self.process_inbox_once() and not self.deliver_once():
                return

    def _process_lane(self, lane: str, ids: Sequence[int]) -> tuple[int, bool]:
        """Handle a lane's events in order; returns (handled, True) or, when one failed, the count so
        far and False: the lane is then held back for a while and its later events wait behind it."""
        handled = 0
        for row_id in ids:
            try:
                with self.sessions.begin() as session:
                    process_event(session, row_id, self.router, self.settings, now=self.clock.now())
                handled += 1
            except AlreadyProcessed:
                continue
            except Exception as exc:  # a handler bug: count it, keep the order, back off
                log.exception("inbox event %s failed", row_id)
                with self.sessions.begin() as session:
                    attempts = session.get(InboxEvent, row_id).attempts + 1
                    fail_event(session, row_id, f"{type(exc).__name__}: {exc}", self.settings,
                               final=attempts >= MAX_EVENT_ATTEMPTS)
                release_lane(self.sessions, lane, self.owner, hold_seconds=2 ** attempts)
                return handled, False
        return handled, True

    # --- the loops -----------------------------------------------------------------------------

    def start(self) -> None:
        settings = self.settings.worker
        for index in range(settings.inbox_threads):
            self._spawn(f"inbox-{index}", self.process_inbox_once)
        for index in range(settings.delivery_threads):
            self._spawn(f"delivery-{index}", self.deliver_once)

    def _spawn(self, name: str, step) -> None:  # noqa: ANN001 - a zero-argument callable returning a count
        thread = threading.Thread(target=self._loop, args=(step,), name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _loop(self, step) -> None:  # noqa: ANN001
        idle = self.settings.worker.poll_interval_seconds
        while not self._stop.is_set():
            try:
                busy = step()
            except Exception:  # the database went away for a moment: wait and try again
                log.exception("worker step failed")
                busy = 0
            if not busy:
                self._stop.wait(idle)

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def wait(self) -> None:
        self._stop.wait()
