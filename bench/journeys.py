"""Journeys benchmark: 100,000 customers enter a journey at once on PostgreSQL.

Run by hand (never in CI), from the project root:

    .venv/bin/python bench/journeys.py            # 100,000 customers, 3 rounds (a few minutes)
    .venv/bin/python bench/journeys.py --quick    # 10,000 customers, 1 round: a smoke run

A throwaway PostgreSQL server is started from the machine's binaries (as the tests do) and removed
at the end. The journey is: a message "{name}" (marketing), wait 1 day, a second message. What is
measured, each round on fresh journey tables, median of the rounds printed:

a. Entry: every customer enters (`enroll_query`, one INSERT ... SELECT with the holdout draw) and
   one tick writes every first step's outbox rows (and their conversation history, step runs and
   the cap's ledger), committed. Target < 10 s.
b. The next day: one tick advances the 100,000 due enrollments (the second message). Target < 10 s.
Baseline: a bare `INSERT ... SELECT` of the same 100,000 outbox rows (one statement, no consent,
cap or history); each figure is printed beside it as a ratio.

The machine has 2 cores and is shared: read medians and ratios, not single runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.crm.journeys.enrollment import enroll_query  # noqa: E402
from bot.crm.journeys.store import save_journey, set_status  # noqa: E402
from bot.crm.journeys.tick import advance_due  # noqa: E402
from bot.marketing.bulk import bulk_insert  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from models import ChannelIdentity, Consent, Conversation, Customer, Journey  # noqa: E402
from models.db import make_engine  # noqa: E402
from models.migrate import upgrade  # noqa: E402
from tests.pg import PostgresServer  # noqa: E402

NOW = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)  # 11:00 in the shop's time zone: outside the quiet hours
STEPS = [{"id": "hello", "kind": "message", "text": {"zh-TW": "{name} 你好，新書到了！", "en": "Hello {name}, new books!"}},
         {"id": "day", "kind": "wait", "days": 1},
         {"id": "again", "kind": "message", "text": {"zh-TW": "{name}，別錯過本週活動。", "en": "{name}, this week only."}}]
JOURNEY_TABLES = "journey_step_runs, journey_enrollments, journey_versions, journeys, marketing_sends, messages, outbox"


def say(line: str) -> None:
    print(line, flush=True)


def runtime_for(url: str, data_dir: str, customers: int) -> Any:
    settings = load_settings(environ={
        "BOT_APP_ENV": "test", "DATABASE_URL": url, "BOT_APP_DATA_DIR": data_dir, "BOT_LINE_CHANNEL_SECRET": "s" * 32,
        "BOT_LINE_CHANNEL_ACCESS_TOKEN": "t", "BOT_LINE_API_BASE": "http://127.0.0.1:9",
        "BOT_JOURNEYS_BATCH": str(customers * 2), "BOT_JOURNEYS_CAP_PER_DAY": "3", "BOT_JOURNEYS_CAP_PER_WEEK": "10",
        "BOT_JOURNEYS_ENABLED": "false"})  # no default journeys in the way
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return build_runtime(settings)


def seed(runtime: Any, count: int) -> None:
    """`count` customers, each with a LINE account, a chat and marketing consent."""
    with runtime.sessions.begin() as session:
        ids = range(1, count + 1)
        bulk_insert(session, Customer, [{"id": i, "display_name": f"顧客{i}", "language": "zh-TW" if i % 4 else "en",
                                         "stage": "lead", "tier": 5, "interests": [], "tags": [], "created_at": NOW,
                                         "updated_at": NOW} for i in ids])
        bulk_insert(session, ChannelIdentity, [{"customer_id": i, "channel": "line", "platform_user_id": f"U{i:032x}",
                                                "reachable": True, "soft_failures": 0, "created_at": NOW, "last_seen_at": NOW}
                                               for i in ids])
        bulk_insert(session, Conversation, [{"customer_id": i, "channel": "line", "address": f"U{i:032x}", "kind": "user",
                                             "handled_by": "bot", "active": True, "created_at": NOW,
                                             "last_message_at": NOW} for i in ids])
        bulk_insert(session, Consent, [{"customer_id": i, "channel": "line", "purpose": "marketing", "granted": True,
                                        "source": "bench", "updated_at": NOW} for i in ids])
        session.execute(text("SELECT setval('customers_id_seq', :n)"), {"n": count})
    with runtime.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def one_round(runtime: Any, count: int) -> tuple[float, float, float]:
    settings = runtime.settings.model_copy(update={"journeys": runtime.settings.journeys.__class__(
        **{**runtime.settings.journeys.__dict__, "enabled": True})})
    with runtime.sessions.begin() as session:
        session.execute(text(f"TRUNCATE {JOURNEY_TABLES} RESTART IDENTITY CASCADE"))
        journey = save_journey(session, {"name": "bench", "trigger": {"kind": "segment", "criteria": {}}, "steps": STEPS}, NOW)
        set_status(session, journey, "active", NOW)
    started = time.perf_counter()
    with runtime.sessions.begin() as session:
        entered = enroll_query(session, session.get(Journey, 1), select(Customer.id), NOW)
        advance_due(session, settings, NOW)
    entry = time.perf_counter() - started
    started = time.perf_counter()
    with runtime.sessions.begin() as session:
        advance_due(session, settings, NOW + timedelta(days=1))
    next_day = time.perf_counter() - started
    with runtime.sessions() as session:
        rows = session.scalar(text("SELECT count(*) FROM outbox"))
        done = session.scalar(text("SELECT count(*) FROM journey_enrollments WHERE status = 'completed'"))
    assert entered == count and rows == 2 * count and done == count, (entered, rows, done)
    started = time.perf_counter()
    with runtime.sessions.begin() as session:  # the baseline: the same outbox rows, bare
        session.execute(text("""
            INSERT INTO outbox (channel, address, messages, purpose, customer_id, conversation_id, idempotency_key,
                                status, attempts, reply_attempted, next_attempt_at, created_at)
            SELECT c.channel, c.address, jsonb_build_array(jsonb_build_object('text', cu.display_name || ' 你好，新書到了！')),
                   'marketing', c.customer_id, c.id, md5(random()::text || c.id), 'pending', 0, false, now(), now()
            FROM conversations c JOIN customers cu ON cu.id = c.customer_id"""))
    baseline = time.perf_counter() - started
    return entry, next_day, baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 10,000 customers, 1 round")
    args = parser.parse_args()
    count, rounds = (10_000, 1) if args.quick else (100_000, 3)
    server = PostgresServer().start()
    data_dir = tempfile.mkdtemp(prefix="bench-journeys-")
    try:
        runtime = runtime_for(server.create_database("bench_journeys"), data_dir, count)
        started = time.perf_counter()
        seed(runtime, count)
        say(f"seeded {count:,} customers in {time.perf_counter() - started:.1f} s")
        results = []
        for number in range(1, rounds + 1):
            entry, next_day, baseline = one_round(runtime, count)
            say(f"round {number}: entry + first step {entry:.2f} s, next-day tick {next_day:.2f} s, "
                f"bare INSERT ... SELECT {baseline:.2f} s")
            results.append((entry, next_day, baseline))
        entry, next_day, baseline = (statistics.median(r[i] for r in results) for i in range(3))
        say(f"median of {rounds}: a. {count:,} enter + first step's outbox rows: {entry:.2f} s "
            f"({entry / baseline:.1f}x the bare INSERT ... SELECT of {baseline:.2f} s); target < 10 s")
        say(f"               b. one tick advancing {count:,} due enrollments: {next_day:.2f} s "
            f"({next_day / baseline:.1f}x); target < 10 s")
        runtime.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
