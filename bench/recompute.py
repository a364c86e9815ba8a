"""Tier and RFM recompute benchmark: 1,000,000 customers and 10,000,000 orders on PostgreSQL.

Run by hand (never in CI), from the project root:

    .venv/bin/python bench/recompute.py               # the full run: about 9 minutes (2.5 of data generation)
    .venv/bin/python bench/recompute.py --scale 0.1   # 100,000 customers and 1,000,000 orders, about 1.5 minutes

It starts a throwaway PostgreSQL server (like the tests do), migrates it, generates the data in
the database with generate_series (nothing passes through Python), and then times:

- baseline: one GROUP BY over all orders into a temporary table (count, sum, last purchase per
  customer): the least any recompute must do, as it has to read every order once;
- first: `bot.crm.analytics.recompute_scores` on customers never scored (tier, R, F, M and stage
  written for every buyer: the worst case, e.g. after an import);
- nightly: the same after a day's new orders (20,000 of them), when few customers change.

The targets (issue 5): the recompute in 60 s or less, the Python process under 300 MB (peak RSS
from resource.getrusage).

Then (`--no-value` to skip) the whole nightly recompute as the job runs it: tiers and
RFM, then the customer-value models (lifetime value with its holdout fit, churn risk on a time
split, clusters, recommendations) on the same data plus a catalogue of 2,000 products and one
order line per purchase. Target: under 5 minutes in total and under 1 GB of Python memory.

Figures are medians of `--repeat` runs, beside the baseline measured in
the same run, as ratios. The machine has 2 cores and is noisy: read medians and ratios.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, sys.path[0] is bench/
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.crm.analytics import recompute_scores  # noqa: E402
from bot.crm.value.nightly import run_value_models  # noqa: E402
from models.db import make_engine, make_session_factory  # noqa: E402
from models.migrate import upgrade  # noqa: E402
from tests.pg import PostgresServer  # noqa: E402

TARGET_SECONDS = 60.0
TARGET_MEMORY_MB = 300.0
# A server sized for the job on this machine (24 GB, 2 cores); what an operator would set.
# work_mem stays at its default: the recompute sets what it needs itself (SET LOCAL).
SERVER_SETTINGS = {"shared_buffers": "2GB", "maintenance_work_mem": "1GB",
                   "max_parallel_workers_per_gather": "2", "synchronous_commit": "off", "max_wal_size": "8GB",
                   "checkpoint_timeout": "30min", "temp_buffers": "256MB"}

CUSTOMERS_SQL = """
INSERT INTO customers (id, language, stage, interests, tags, tier, created_at, updated_at, referred_by_id)
SELECT g, 'zh-TW', CASE WHEN g % 10 = 0 THEN 'stranger' ELSE 'lead' END, '[]', '[]', 5,
       now() - interval '800 days', now(),
       CASE WHEN g % 7 = 0 AND g > 100 THEN 1 + floor(random() * (g - 1))::int END
FROM generate_series(1, :customers) AS g
"""

# Purchases are skewed towards low customer ids (a few buy often, many rarely, some never) and
# spread over two years, so RFM ranks and all five tiers are populated.
ORDERS_SQL = """
INSERT INTO orders (customer_id, amount, currency, items, placed_at, source, created_at)
SELECT 1 + floor(power(random(), 2.5) * :buyers)::int,
       CASE WHEN random() < 0.02 THEN -round((50 + random() * 500)::numeric, 2)
            ELSE round((80 + random() * 1500)::numeric, 2) END,
       'TWD', '[]', now() - random() * interval '730 days', 'bench', now()
FROM generate_series(1, :orders)
"""

PRODUCTS_SQL = """
INSERT INTO products (sku, name, category, price, active, created_at, updated_at)
SELECT 'SKU' || g, '{}', 'C' || (g % 40), 300, true, now(), now() FROM generate_series(1, :products) AS g
"""

# One line per purchase, popular products more often (a skewed catalogue like a real shop's).
LINES_SQL = """
INSERT INTO order_lines (order_id, customer_id, sku, quantity, unit_price, known, placed_at)
SELECT id, customer_id, 'SKU' || (1 + floor(power(random(), 2) * :products)::int), 1, amount, true, placed_at
FROM orders WHERE amount > 0 AND id % 2 = :part
"""
LINE_INDEXES = ("CREATE INDEX ix_order_lines_customer_sku ON order_lines (customer_id, sku)",
                "CREATE INDEX ix_order_lines_order_id ON order_lines (order_id)",
                "CREATE INDEX ix_order_lines_sku ON order_lines (sku)")
# generated rows are consistent by construction: the foreign keys' per-row checks (triggers) are
# skipped while generating, as a restore would
NO_TRIGGERS = "SET LOCAL session_replication_role = replica"

VALUE_TARGET_SECONDS = 300.0
VALUE_TARGET_MEMORY_MB = 1024.0

BASELINE_SQL = """
CREATE TEMPORARY TABLE bench_baseline AS
SELECT customer_id, COUNT(*) AS n, SUM(amount) AS total, MAX(placed_at) AS last_order FROM orders GROUP BY customer_id
"""


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def say(message: str) -> None:
    print(message, flush=True)


def configure(server: PostgresServer) -> None:
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as connection:
        for name, value in SERVER_SETTINGS.items():
            connection.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    server._run("pg_ctl", "-D", str(server.data), "-w", "restart", "-l", str(server.root / "log"))


def generate(engine, sessions, customers: int, orders: int) -> None:  # noqa: ANN001
    started = time.perf_counter()
    with sessions.begin() as session:
        session.execute(text(CUSTOMERS_SQL), {"customers": customers})
        session.execute(text("SELECT setval('customers_id_seq', :n)"), {"n": customers})
    say(f"  {customers:,} customers in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with sessions.begin() as session:  # the index is built once afterwards, not row by row
        session.execute(text("DROP INDEX ix_orders_customer_placed"))

    def insert_part(part: int) -> None:  # one backend per core generates its half
        with sessions.begin() as session:
            session.execute(text(NO_TRIGGERS))
            session.execute(text(ORDERS_SQL), {"orders": orders // 2 + (orders % 2 if part == 0 else 0),
                                               "buyers": int(customers * 0.9)})

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(insert_part, range(2)))
    with sessions.begin() as session:
        session.execute(text("CREATE INDEX ix_orders_customer_placed ON orders (customer_id, placed_at)"))
    say(f"  {orders:,} orders in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    say(f"  vacuum analyze in {time.perf_counter() - started:.1f} s")


def timed(work) -> float:  # noqa: ANN001
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 customers and 10,000,000 orders")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the baseline and the nightly recompute")
    parser.add_argument("--no-value", action="store_true", help="skip the customer-value models")
    options = parser.parse_args()
    customers, orders = int(1_000_000 * options.scale), int(10_000_000 * options.scale)

    server = PostgresServer().start()
    try:
        configure(server)
        url = server.create_database("bench_recompute")
        engine = make_engine(url)
        upgrade(engine)
        sessions = make_session_factory(engine)
        settings = load_settings(environ={"DATABASE_URL": url, "BOT_APP_ENV": "test"})
        say(f"Generating on PostgreSQL {engine.dialect.server_version_info}:")
        generate(engine, sessions, customers, orders)

        def baseline() -> None:
            with sessions.begin() as session:
                session.execute(text(BASELINE_SQL))
                session.execute(text("DROP TABLE bench_baseline"))

        def recompute() -> None:
            with sessions.begin() as session:
                recompute_scores(session, settings)

        baselines = [timed(baseline) for _ in range(options.repeat)]
        first = timed(recompute)
        with sessions() as session:
            tiers = dict(session.execute(text("SELECT tier, COUNT(*) FROM customers GROUP BY tier ORDER BY tier")).all())
            stages = dict(session.execute(text("SELECT stage, COUNT(*) FROM customers GROUP BY stage")).all())
        nightly = []
        for _ in range(options.repeat):
            with sessions.begin() as session:  # a day's trade: new orders, so the nightly run has work
                session.execute(text(ORDERS_SQL.replace("now() - random() * interval '730 days'", "now()")),
                                {"orders": 20_000, "buyers": int(customers * 0.9)})
            nightly.append(timed(recompute))
        memory = peak_memory_mb()
        value = None if options.no_value else value_models(engine, sessions, settings, recompute)
        engine.dispose()
    finally:
        server.stop()

    base = statistics.median(baselines)
    say(f"\nRecompute of tier, RFM and stage: {customers:,} customers, {orders:,} orders, PostgreSQL, 2 cores")
    say(f"  tiers: {tiers}")
    say(f"  stages: {stages}")
    say(f"  {'':34}{'seconds':>10}{'x baseline':>12}")
    say(f"  {'baseline (one GROUP BY of orders)':34}{base:>10.1f}{1:>12.2f}   runs: {', '.join(f'{b:.1f}' for b in baselines)}")
    say(f"  {'first recompute (all written)':34}{first:>10.1f}{first / base:>12.2f}")
    med = statistics.median(nightly)
    say(f"  {'nightly recompute (median)':34}{med:>10.1f}{med / base:>12.2f}   runs: {', '.join(f'{n:.1f}' for n in nightly)}")
    worst = max(first, *nightly)
    say(f"  target <= {TARGET_SECONDS:.0f} s: {'met' if worst <= TARGET_SECONDS else 'MISSED'} (slowest run {worst:.1f} s)")
    say(f"  Python peak memory: {memory:.0f} MB (target < {TARGET_MEMORY_MB:.0f} MB: "
        f"{'met' if memory < TARGET_MEMORY_MB else 'MISSED'})")
    if value is not None:
        tiers_seconds, seconds, value_memory = value
        total = tiers_seconds + seconds["total"]
        say(f"\nThe whole nightly recompute: tiers and RFM {tiers_seconds:.1f} s, then the value models:")
        for step, spent in seconds.items():
            say(f"  {step:34}{spent:>10.1f} s")
        say(f"  total {total:.1f} s (target <= {VALUE_TARGET_SECONDS:.0f} s: {'met' if total <= VALUE_TARGET_SECONDS else 'MISSED'}); "
            f"Python peak memory {value_memory:.0f} MB (target < {VALUE_TARGET_MEMORY_MB:.0f} MB: "
            f"{'met' if value_memory < VALUE_TARGET_MEMORY_MB else 'MISSED'})")


def value_models(engine, sessions, settings, recompute) -> tuple[float, dict[str, float], float]:  # noqa: ANN001
    """The catalogue and order lines, then one nightly run: tiers and RFM, then the value models."""
    started = time.perf_counter()
    with sessions.begin() as session:
        session.execute(text(PRODUCTS_SQL), {"products": 2000})
        for name in ("ix_order_lines_customer_sku", "ix_order_lines_order_id", "ix_order_lines_sku"):
            session.execute(text(f"DROP INDEX {name}"))  # built once afterwards, not row by row

    def insert_part(part: int) -> None:  # one backend per core generates its half
        with sessions.begin() as session:
            session.execute(text(NO_TRIGGERS))
            session.execute(text(LINES_SQL), {"products": 2000, "part": part})

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(insert_part, range(2)))
    with sessions.begin() as session:
        for statement in LINE_INDEXES:
            session.execute(text(statement))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE order_lines"))
        connection.execute(text("VACUUM ANALYZE products"))
    say(f"  2,000 products and one order line per purchase in {time.perf_counter() - started:.1f} s")
    tiers_seconds = timed(recompute)
    with sessions.begin() as session:
        result = run_value_models(session, settings, datetime.now(UTC))
    say(f"  quality: {result.quality}")
    return tiers_seconds, result.seconds, peak_memory_mb()


if __name__ == "__main__":
    main()
