"""The outbox claim costs the same on a fresh PostgreSQL database as after ANALYZE.

Why this is a test: before the first ANALYZE (a new install, or any database autovacuum has not
looked at yet) PostgreSQL has no statistics, and the claim's old `NOT EXISTS` was planned as a
nested loop over the whole pending index: 20x slower with 2,000 rows waiting, and quadratic in
the backlog. Timings are the fastest of several runs, so that other work on the machine (which
only ever slows a run down) does not decide the verdict.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Connection, insert, text
from sqlalchemy.orm import sessionmaker

from jobs.delivery import claim_due
from models import OutboxMessage, utcnow
from models.db import make_engine
from models.migrate import upgrade
from tests.pg import PostgresServer

BACKLOG = 2000
ADDRESSES = 200


def fastest(runs: int, step: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - started)
    return best


def claim_rolled_back(connection: Connection) -> Callable[[], list[object]]:
    """One claim inside a transaction that is then rolled back, so every run sees the same backlog."""
    def claim() -> list[object]:
        transaction = connection.begin()
        try:
            sessions = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
            return list(claim_due(sessions, "timing", limit=100, lease_seconds=30))
        finally:
            transaction.rollback()
    return claim


def test_claim_with_a_backlog_is_as_fast_before_analyze_as_after(pg_server: PostgresServer) -> None:
    engine = make_engine(pg_server.create_database(f"fresh_{uuid.uuid4().hex[:8]}"))
    try:
        upgrade(engine)
        now = utcnow()
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE outbox SET (autovacuum_enabled = false)"))  # no ANALYZE behind our back
            # Retries and scheduled rows: half due now, half later, 10 per address, as after an outage.
            connection.execute(insert(OutboxMessage), [
                {"channel": "line", "address": f"U{index % ADDRESSES:032d}", "messages": [{"text": "x"}], "purpose": "reply",
                 "idempotency_key": str(uuid.uuid4()), "status": "pending", "attempts": 1,
                 "next_attempt_at": now + timedelta(seconds=-5 if index % 2 else 600)}
                for index in range(BACKLOG)
            ])
        with engine.connect() as connection:
            claim = claim_rolled_back(connection)
            claimed = claim()
            # Per-address order holds in the new shape: only each address's oldest pending row, if due.
            assert len(claimed) == 100 and len({c.delivery.address for c in claimed}) == 100  # type: ignore[attr-defined]
            fresh = fastest(15, claim)
            connection.execute(text("ANALYZE outbox"))
            connection.commit()
            analyzed = fastest(15, claim)
        # 2 ms of slack for a loaded machine; the plan this guards against took 800 ms.
        assert fresh <= 1.5 * analyzed + 0.002, f"fresh {fresh * 1000:.1f} ms vs after ANALYZE {analyzed * 1000:.1f} ms"
    finally:
        engine.dispose()
