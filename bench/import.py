"""Importing 100,000 customers and 1,000,000 orders into PostgreSQL: our import beside a bare COPY of the same rows.

Run by hand: `.venv/bin/python bench/import.py [--customers 100000] [--orders 1000000] [--runs 3]`
(`--orders 0` skips the orders, `--skip-customers` times only the orders). It starts a
throwaway PostgreSQL server from the machine's binaries (as the tests do), and for each run makes a
fresh database, writes a CSV of N customers (email, phone, LINE id, member code, region, tags,
points, consent with date and source), times `python -m bot import customers` (the same function,
in this process: reading, checking every cell, matching, bulk writes, consents, opening points) and
then a bare `COPY customers (...) FROM STDIN` of the same people into another fresh database.
The target is under 60 s; the ratio says what the checking and matching cost over
writing alone.

Orders: the customers are put in place by a bare COPY (not timed), then a CSV of N orders (external
id, the customer's email, time, amount, two items of a small catalogue) is timed through
`python -m bot import orders` (the bulk path: checking, matching, orders, lines, points, stamps,
stamp-card rewards, then the recompute of stage and tier), beside a bare COPY of the same orders.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, sys.path[0] is bench/
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.crm.imports.run import run_import  # noqa: E402
from models import utcnow  # noqa: E402
from models.db import make_engine, make_session_factory  # noqa: E402
from models.migrate import upgrade  # noqa: E402
from tests.pg import PostgresServer  # noqa: E402

HEADER = ["name", "email", "phone", "line_user_id", "member_code", "region", "tags", "points", "marketing_consent",
          "consent_date", "consent_source"]


def people(count: int) -> list[list[str]]:
    regions = ["台北市", "新北市", "台中市", "高雄市"]
    return [[f"顧客{n}", f"c{n}@bench.example", f"09{n:08d}", f"U{n:032x}", f"M{n:07d}", regions[n % 4],
             "VIP" if n % 10 == 0 else "", str(n % 500), "是" if n % 3 else "", "2024/1/5" if n % 3 else "",
             "門市" if n % 3 else ""] for n in range(count)]


def as_csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def fresh(server: PostgresServer, name: str) -> str:
    url = server.create_database(name)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def timed_import(url: str, kind: str, data: bytes, count: int) -> float:
    """Seconds `python -m bot import KIND` takes on `data` (in this process), checked to have created `count`."""
    settings = load_settings(environ={"DATABASE_URL": url, "BOT_APP_ENV": "test"})
    engine = make_engine(url)
    started = time.perf_counter()
    with make_session_factory(engine).begin() as session:
        report = run_import(session, settings, kind, data, dry_run=False, now=utcnow())
    took = time.perf_counter() - started
    engine.dispose()
    assert report.created == count and not report.problems, report.summary()
    return took


def bare_copy(url: str, rows: list[list[str]]) -> float:
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    started = time.perf_counter()
    with psycopg.connect(plain) as connection, connection.cursor() as cursor:
        with cursor.copy("COPY customers (display_name, email, phone, member_code, region, language, stage, tier, "
                         "interests, tags, created_at, updated_at) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[0], row[1], row[2], row[4], row[5], "zh-TW", "lead", 5, "[]",
                                '["VIP"]' if row[6] else "[]", "2024-01-05", "2024-01-05"])
    return time.perf_counter() - started


ORDER_HEADER = ["external_id", "email", "placed_at", "amount", "items"]


def orders(count: int, customers: int) -> list[list[str]]:
    """Orders over 2025, spread over the customers unevenly (a few buy often), most with two items."""
    return [[f"T{n:08d}", f"c{(n * n) % customers if n % 3 else n % customers}@bench.example",
             f"2025-{1 + n % 12:02d}-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}", str(80 + (n * 37) % 2400),
             f"BK-{n % 300}*1@{40 + n % 200}; EV-{n % 40}" if n % 4 else ""] for n in range(count)]


def bare_copy_orders(url: str, rows: list[list[str]]) -> float:
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as connection:
        ids = dict(connection.execute("SELECT email, id FROM customers").fetchall())
    started = time.perf_counter()
    with psycopg.connect(plain) as connection, connection.cursor() as cursor:
        with cursor.copy("COPY orders (customer_id, amount, currency, items, placed_at, source, idempotency_key, created_at) "
                         "FROM STDIN") as copy:
            for row in rows:
                copy.write_row([ids[row[1]], row[3], "TWD", "[]", row[2], "import", f"import:{row[0]}", "2026-01-01"])
    return time.perf_counter() - started


def bench_orders(server: PostgresServer, count: int, customers: int, runs: int) -> None:
    rows, people_rows = orders(count, customers), people(customers)
    data = as_csv(rows, ORDER_HEADER)
    mine, copies = [], []
    for run in range(runs):
        url = fresh(server, f"orders_ours_{run}")
        bare_copy(url, people_rows)
        mine.append(timed_import(url, "orders", data, count))
        url = fresh(server, f"orders_copy_{run}")
        bare_copy(url, people_rows)
        copies.append(bare_copy_orders(url, rows))
        print(f"orders run {run + 1}: import {mine[-1]:.1f} s, bare COPY {copies[-1]:.2f} s", flush=True)
    ours_median, copy_median = statistics.median(mine), statistics.median(copies)
    print(f"{count} orders of {customers} customers, median of {runs}: import {ours_median:.1f} s, "
          f"bare COPY {copy_median:.2f} s, ratio {ours_median / copy_median:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-customers", action="store_true", help="time only the orders")
    args = parser.parse_args()
    rows = people(args.customers)
    data = as_csv(rows)
    server = PostgresServer().start()
    try:
        if args.orders:
            bench_orders(server, args.orders, args.customers, args.runs)
        if args.skip_customers:
            return
        mine, copies = [], []
        for run in range(args.runs):
            mine.append(timed_import(fresh(server, f"ours_{run}"), "customers", data, args.customers))
            copies.append(bare_copy(fresh(server, f"copy_{run}"), rows))
            print(f"run {run + 1}: import {mine[-1]:.1f} s, bare COPY {copies[-1]:.2f} s", flush=True)
        ours_median, copy_median = statistics.median(mine), statistics.median(copies)
        print(f"{args.customers} customers, median of {args.runs}: import {ours_median:.1f} s, bare COPY {copy_median:.2f} s, "
              f"ratio {ours_median / copy_median:.1f}x; target under 60 s: {'met' if ours_median < 60 else 'NOT met'}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
