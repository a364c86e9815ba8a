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
from collections.abc import Mapping

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.engine import AlreadyProcessed, Router, fail_event, give_up_event
from bot.event_batch import BatchItem, EventFailed, process_batch, process_event
from bot.leasing import ClaimedLane, claim_lanes, release_lane, release_lanes
from bot.working_signal import show_working
from channels.base import Channel
from jobs.delivery import deliver_due
from jobs.line_tasks import run_line_tasks
from jobs.profiles import fetch_profiles
from jobs.ratelimit import Limiter, build_limiter

log = logging.getLogger(__name__)
MAX_EVENT_ATTEMPTS = 3
EVENTS_PER_LANE_CLAIM = 50


def _item(lane: ClaimedLane, index: int) -> BatchItem:
    """The lane's event at `index`; the first one's attempt was counted by the claim."""
    return BatchItem(lane.event_ids[index], counted=index == 0)


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

        Why batches: the events of all leased lanes are handled in chunks of up to
        `[worker] batch_events` (fewer on SQLite, whose one write lock the acknowledgements wait
        for), each chunk in one transaction with a fixed number of set-based statements
        (`bot/event_batch.py`); when one event fails, only it is counted and its conversation held
        back, and the others succeed (`_run_chunk`).
        Why the release is in a `finally`: whatever goes wrong with one conversation, the others
        claimed with it are given back now, not when their lease runs out."""
        settings = self.settings.worker
        lanes = claim_lanes(self.sessions, self.owner, limit=settings.batch_size, lease_seconds=settings.lease_seconds,
                            events_per_lane=EVENTS_PER_LANE_CLAIM)
        handled, held = 0, set[str]()
        try:
            queue: list[tuple[ClaimedLane, int]] = []
            for lane in lanes:
                show_working(self.channels, lane.key)
                if lane.head_attempts > MAX_EVENT_ATTEMPTS:  # its failures could not be recorded: end it
                    handled += self._give_up(lane.event_ids[0], f"gave up after {lane.head_attempts - 1} attempts")
                    queue += [(lane, index) for index in range(1, len(lane.event_ids))]
                else:
                    queue += [(lane, index) for index in range(len(lane.event_ids))]
            size = self._events_per_batch()
            for start in range(0, len(queue), size):
                handled += self._run_chunk(queue[start:start + size], held)
        finally:
            release_lanes(self.sessions, [lane.key for lane in lanes if lane.key not in held], self.owner)
        return handled

    def _events_per_batch(self) -> int:
        settings = self.settings.worker
        on_postgres = self.sessions.kw["bind"].dialect.name == "postgresql"
        return settings.batch_events if on_postgres else min(settings.batch_events, settings.batch_events_sqlite)

    def _run_chunk(self, chunk: list[tuple[ClaimedLane, int]], held: set[str]) -> int:
        """One transaction for the chunk. When one event's handling fails, the events before it run
        again as a batch and commit (their replies go out before any apology), the failure is
        recorded for that event alone (its handler ran once for this attempt), and the rest goes on
        without the events behind it in its conversation while it is held back. Any other failure
        (the database) runs the chunk again event by event."""
        handled = 0
        pending = [(lane, index) for lane, index in chunk if lane.key not in held]
        while pending:
            items = [_item(lane, index) for lane, index in pending]
            try:
                with self.sessions.begin() as session:
                    return handled + len(process_batch(session, items, self.router, self.settings, now=self.clock.now()))
            except EventFailed as failure:
                position = next(i for i, item in enumerate(items) if item.row_id == failure.row_id)
                before, (lane, index), after = pending[:position], pending[position], pending[position + 1:]
                handled += self._run_chunk(before, held)
                log.error("inbox event %s failed", failure.row_id, exc_info=failure.__cause__)
                if self._failed(lane, items[position], failure.__cause__ or failure) == "held":
                    held.add(lane.key)
                pending = [(other, i) for other, i in after if other.key not in held]
            except Exception:
                log.info("a batch of %s inbox events failed; handling them one by one", len(items), exc_info=True)
                break
        for lane, index in pending:
            if lane.key in held:
                continue
            outcome = self._one_event(lane, _item(lane, index))
            if outcome == "held":
                held.add(lane.key)
            handled += outcome == "handled"
        return handled

    def _one_event(self, lane: ClaimedLane, item: BatchItem) -> str:
        """Handle one event in its own transaction: "handled", "skipped" (another worker had it, or it
        failed for good and the events behind it go on) or "held" (see `_failed`)."""
        try:
            with self.sessions.begin() as session:
                process_event(session, item.row_id, self.router, self.settings, now=self.clock.now(), counted=item.counted)
            return "handled"
        except AlreadyProcessed:
            return "skipped"
        except Exception as exc:  # a handler bug: count it, keep the order, back off
            log.exception("inbox event %s failed", item.row_id)
            return self._failed(lane, item, exc)

    def _failed(self, lane: ClaimedLane, item: BatchItem, exc: BaseException) -> str:
        """Record a failed attempt: "skipped" when the event ended `failed` (the events behind it need
        not wait), else "held": its lane is given back with a backoff and its later events wait."""
        attempts, ended = self._record_failure(item.row_id, exc, lane.head_attempts if item.counted else None)
        if ended:
            return "skipped"
        release_lane(self.sessions, lane.key, self.owner, hold_seconds=2 ** min(attempts, MAX_EVENT_ATTEMPTS))
        return "held"

    def deliver_once(self) -> int:
        return deliver_due(self.sessions, self.channels, self.owner, self.settings.worker, limiter=self.limiter)

    def fetch_profiles_once(self) -> int:
        """Read the LINE profiles that are due (after the replies: never on the reply's path)."""
        return fetch_profiles(self.sessions, self.channels, self.clock.now())

    def line_tasks_once(self) -> int:
        """Make the rich menu calls that are due (publish a menu, link users to it)."""
        return run_line_tasks(self.sessions, self.channels, self.clock.now())

    def drain(self, max_rounds: int = 100) -> None:
        """Process and deliver until nothing is left that is due now (tests, the chat CLI)."""
        for _ in range(max_rounds):
            if not self.process_inbox_once() and not self.deliver_once():
                return

    def _record_failure(self, row_id: int, exc: BaseException, claimed_attempts: int | None) -> tuple[int, bool]:
        """Record a failed attempt; returns the attempts so far (for the backoff) and whether the
        event has ended (`failed`).

        When recording fails too, the attempt counted at the claim still stands: on the last one the
        event is given up now, in a fresh transaction; otherwise the next claim counts again."""
        error = f"{type(exc).__name__}: {exc}"
        try:
            with self.sessions.begin() as session:
                attempts = fail_event(session, row_id, error, self.settings, max_attempts=MAX_EVENT_ATTEMPTS,
                                      counted=claimed_attempts is not None)
            return attempts or 1, attempts is None or attempts >= MAX_EVENT_ATTEMPTS
        except Exception:
            log.exception("recording the failure of inbox event %s failed", row_id)
        ended = claimed_attempts is not None and claimed_attempts >= MAX_EVENT_ATTEMPTS and self._give_up(row_id, error)
        return claimed_attempts or 1, ended

    def _give_up(self, row_id: int, error: str) -> bool:
        """End a poison event: `failed`, with the apology where one is due, in its own transaction."""
        try:
            with self.sessions.begin() as session:
                ended = give_up_event(session, row_id, self.settings, error=error)
        except Exception:  # the database is away: the next claim counts again and tries again
            log.exception("giving up inbox event %s failed", row_id)
            return False
        if ended:
            log.error("inbox event %s given up", row_id)
        return ended

    # --- the loops -----------------------------------------------------------------------------

    def start(self) -> None:
        settings = self.settings.worker
        for index in range(settings.inbox_threads):
            self._spawn(f"inbox-{index}", self._process_then_deliver)
        for index in range(settings.delivery_threads):
            self._spawn(f"delivery-{index}", self.deliver_once)
        self._spawn("profiles", self.fetch_profiles_once)
        self._spawn("line-tasks", self.line_tasks_once)

    def _process_then_deliver(self) -> int:
        """An inbox thread's step: a round of events, then at once a delivery batch, which holds
        the replies that round just committed, on the same keep-alive connections. The delivery
        threads' poll would find them too, up to a poll interval later; the claim is the same, so
        every delivery rule holds."""
        handled = self.process_inbox_once()
        if handled:
            self.deliver_once()
        return handled

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
