"""One writer at a time on an SQLite file, queued in the process in arrival order.

Why not only SQLite's busy timeout: a writer that finds the file locked sleeps in SQLite's busy
handler in growing steps (up to 100 ms a nap) and does not learn when the lock is free, so in the
embedded mode, where the web tier's acknowledgements and the worker's transactions share one file
and one process, an acknowledgement waited up to a second behind a worker that held the lock for
a few milliseconds at a time (ack p99 233-999 ms at half rate). Here each write transaction first
takes a first-in-first-out lock in the process: it is handed to the next waiter the moment the
previous transaction commits or rolls back, so an acknowledgement waits only for the transactions
that were there before it; the acknowledgement even goes to the head of the queue
(`FIRST_IN_LINE`), since a platform is waiting for it and the worker is not. Other processes on the same file still meet SQLite's own lock and busy
timeout, as before; a waiter that gives up on the in-process lock also falls back to those.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

WAIT_SECONDS = 30.0  # as the busy timeout: after that, SQLite's own locking decides


class FifoLock:
    """A lock handed over to waiters in the order they came (threading.Lock has no order, and a
    thread that releases and at once takes it again would starve the others)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiters: deque[threading.Event] = deque()
        self._held = False

    def acquire(self, timeout: float, *, first: bool = False) -> bool:
        """Wait for the lock; `first` goes to the head of the queue (behind the current holder only)."""
        with self._guard:
            if not self._held:
                self._held = True
                return True
            turn = threading.Event()
            if first:
                self._waiters.appendleft(turn)
            else:
                self._waiters.append(turn)
        if turn.wait(timeout):
            return True
        with self._guard:
            if turn.is_set():  # handed over just as we gave up
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        with self._guard:
            if self._waiters:
                self._waiters.popleft().set()  # still held: now by the next in line
            else:
                self._held = False


def connection_class(lock: FifoLock) -> type[sqlite3.Connection]:
    """A sqlite3 connection class for one database file: `begin_write` takes `lock` and starts
    `BEGIN IMMEDIATE`; the transaction's end (commit, rollback, close) gives the lock back."""

    class WriterQueuedConnection(sqlite3.Connection):
        _holds = False

        def begin_write(self, first: bool = False) -> None:
            self._holds = lock.acquire(WAIT_SECONDS, first=first)
            try:
                self.execute("BEGIN IMMEDIATE")
            except BaseException:
                self._give_back()
                raise

        def _give_back(self) -> None:
            if self._holds:
                self._holds = False
                lock.release()

        def _end(self, finish: Callable[[], None]) -> None:
            try:
                finish()
            finally:
                self._give_back()

        def commit(self) -> None:
            self._end(super().commit)

        def rollback(self) -> None:
            self._end(super().rollback)

        def close(self) -> None:
            self._end(super().close)

    return WriterQueuedConnection


# The execution option that puts a transaction at the head of the queue: the webhook's
# acknowledgement, which a platform waits for, goes before the worker's queued transactions.
FIRST_IN_LINE = "sqlite_write_first"


def begin_write(driver_connection: Any, *, first: bool = False) -> None:
    """Start a write transaction on a connection made by `connection_class`."""
    driver_connection.begin_write(first)
