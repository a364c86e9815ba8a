"""SQLite writers in one process queue in arrival order on our lock, and are handed the file the
moment the transaction before them ends (not after a nap in SQLite's busy handler)."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from models.db import make_engine
from models.sqlite_writer import FifoLock


def wait_for_waiters(lock: FifoLock, count: int) -> None:
    while len(lock._waiters) < count:  # a spin, not a sleep: the threads are about to queue
        pass


def order_of_taking(arrivals: list[tuple[str, bool]]) -> list[str]:
    """Queue threads on a held lock one after another (name, first-in-line), release it, and
    return the order in which they got it."""
    lock = FifoLock()
    assert lock.acquire(1)
    order: list[str] = []

    def take(name: str, first: bool) -> None:
        assert lock.acquire(30, first=first)
        order.append(name)
        lock.release()

    threads = []
    for name, first in arrivals:
        thread = threading.Thread(target=take, args=(name, first))
        thread.start()
        threads.append(thread)
        wait_for_waiters(lock, len(threads))
    lock.release()
    for thread in threads:
        thread.join(10)
    return order


def test_the_lock_is_handed_over_in_arrival_order() -> None:
    assert order_of_taking([("first", False), ("second", False), ("third", False)]) == ["first", "second", "third"]


def test_a_waiter_that_gives_up_leaves_the_queue() -> None:
    lock = FifoLock()
    assert lock.acquire(1)
    assert not lock.acquire(0.01)
    assert not lock._waiters
    lock.release()
    assert lock.acquire(0.01)


def test_write_transactions_on_one_file_run_one_after_another_and_release_on_rollback(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (n INTEGER)"))
        seen: list[int] = []

        def write(n: int) -> None:
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
                seen.append(n)

        with engine.connect() as holder:
            holder.execute(text("INSERT INTO t VALUES (0)"))  # holds the write transaction
            lock = holder.connection.driver_connection._holds  # type: ignore[union-attr]
            assert lock is True
            threads = [threading.Thread(target=write, args=(n,)) for n in (1, 2)]
            for thread in threads:
                thread.start()
            holder.rollback()  # gives the file back
        for thread in threads:
            thread.join(30)
        with engine.connect() as connection:
            assert sorted(connection.execute(text("SELECT n FROM t")).scalars()) == [1, 2]
        assert sorted(seen) == [1, 2]
    finally:
        engine.dispose()


def test_a_transaction_first_in_line_goes_before_the_queue() -> None:
    assert order_of_taking([("worker-1", False), ("worker-2", False), ("ack", True)]) == ["ack", "worker-1", "worker-2"]
