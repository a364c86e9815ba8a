"""The worker: threads that run the engine over the inbox and delivery over the outbox.

The same class runs inside `serve` (embedded) and as `python -m bot worker` (scaled); any number
of workers may run against one database, because all coordination is through leases.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator, Mapping

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.engine import AlreadyProcessed, Router, fail_event, give_up_event, process_event
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

        Why the events of all leased lanes are read in the claim's transaction and the lanes given
        back in one statement: with one event per conversation (the common case) the per-lane read
        and release were two of the three transactions each event cost.
        Why the release is in a `finally`: whatever goes wrong with one conversation, the others
        claimed with it are given back now, not when their lease runs out."""
        settings = self.settings.worker
        lanes = claim_lanes(self.sessions, self.owner, limit=settings.batch_size, lease_seconds=settings.lease_seconds,
                            events_per_lane=EVENTS_PER_LANE_CLAIM)
        handled, given_back = 0, set()
        try:
            with self._batch() as run:
                for lane in lanes:
                    count, ok = self._process_lane(lane, run)
                    handled += count
                    if not ok:
                        given_back.add(lane.key)
        finally:
            release_lanes(self.sessions, [lane.key for lane in lanes if lane.key not in given_back], self.owner)
        return handled

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

    @contextlib.contextmanager
    def _batch(self) -> Iterator[_Round]:
        """How the events of a round are run: on PostgreSQL all of them in one transaction, each in
        a savepoint; on SQLite each in its own transaction.

        Why one transaction on PostgreSQL: a commit is a round trip and a WAL flush, and a session
        per event rebuilt the ORM's state each time. In a savepoint an event that fails is undone
        alone, and the round commits what it has done before that failure is recorded, so the
        per-event rules hold exactly (its failure recorded in a transaction of its own, its lane
        held back, the events behind it waiting or going on, an apology queued after the replies
        before it), and the handler runs once per attempt. A worker killed mid-round commits
        nothing since the last commit, so those events come back whole with their replies unsent.
        Why not on SQLite: a write transaction there holds the only write lock, and the web tier's
        acknowledgements queue behind it; they must wait for one event, not a round."""
        if self.sessions.kw["bind"].dialect.name != "postgresql":
            yield _Round(self, None)
            return
        with self.sessions() as session:
            try:
                yield _Round(self, session)
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def _process_lane(self, lane: ClaimedLane, run: _Round) -> tuple[int, bool]:
        """Handle a lane's events in order; returns (handled, True) or, when one failed, the count so
        far and False: the lane has then been given back with a hold, its later events wait behind it.

        The first event's attempt was counted by the claim; one claimed more often than
        MAX_EVENT_ATTEMPTS (its failures could not be recorded) ends `failed` without running again."""
        handled = 0
        show_working(self.channels, lane.key)
        for index, row_id in enumerate(lane.event_ids):
            counted = index == 0
            if counted and lane.head_attempts > MAX_EVENT_ATTEMPTS:
                handled += self._give_up(row_id, f"gave up after {lane.head_attempts - 1} attempts")
                continue
            try:
                run.event(row_id, counted)
                handled += 1
            except AlreadyProcessed:
                continue
            except Exception as exc:  # a handler bug: count it, keep the order, back off
                log.exception("inbox event %s failed", row_id)
                run.commit()  # what the round did before it is kept, and goes out before any apology
                attempts, ended = self._record_failure(row_id, exc, lane.head_attempts if counted else None)
                if ended:  # it failed for good: the events behind it need not wait
                    continue
                release_lane(self.sessions, lane.key, self.owner, hold_seconds=2 ** min(attempts, MAX_EVENT_ATTEMPTS))
                return handled, False
        return handled, True

    def _record_failure(self, row_id: int, exc: Exception, claimed_attempts: int | None) -> tuple[int, bool]:
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


class _Round:
    """Runs one round's events for `Worker._batch`: in `session`'s transaction, one savepoint each,
    or (no session) each in a transaction of its own."""

    def __init__(self, worker: Worker, session: Session | None) -> None:
        self.worker = worker
        self.session = session

    def event(self, row_id: int, counted: bool) -> None:
        worker = self.worker
        if self.session is None:
            with worker.sessions.begin() as session:
                process_event(session, row_id, worker.router, worker.settings, now=worker.clock.now(), counted=counted)
            return
        with self.session.begin_nested():
            process_event(self.session, row_id, worker.router, worker.settings, now=worker.clock.now(), counted=counted)

    def commit(self) -> None:
        if self.session is not None:
            self.session.commit()
