"""Importing 100,000 customers into PostgreSQL: our import beside a bare COPY of the same rows.

Run by hand: `.venv/bin/python bench/import.py [--customers 100000] [--runs 3]`. It starts a
throwaway PostgreSQL server from the machine's binaries (as the tests do), and for each run makes a
fresh database, writes a CSV of N customers (email, phone, LINE id, member code, region, tags,
points, consent with date and source), times `python -m bot import customers` (the same function,
in this process: reading, checking every cell, matching, bulk writes, consents, opening points) and
then a bare `COPY customers (...) FROM STDIN` of the same people into another fresh database.
The target is under 60 s; the ratio says what the checking and matching cost over
writing alone.
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


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def fresh(server: PostgresServer, name: str) -> str:
    url = server.create_database(name)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def ours(url: str, data: bytes) -> float:
    settings = load_settings(environ={"DATABASE_URL": url, "BOT_APP_ENV": "test"})
    engine = make_engine(url)
    started = time.perf_counter()
    with make_session_factory(engine).begin() as session:
        report = run_import(session, settings, "customers", data, dry_run=False, now=utcnow())
    took = time.perf_counter() - started
    engine.dispose()
    assert report.created == report.rows and not report.problems, report.summary()
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = people(args.customers)
    data = as_csv(rows)
    server = PostgresServer().start()
    try:
        mine, copies = [], []
        for run in range(args.runs):
            mine.append(ours(fresh(server, f"ours_{run}"), data))
            copies.append(bare_copy(fresh(server, f"copy_{run}"), rows))
            print(f"run {run + 1}: import {mine[-1]:.1f} s, bare COPY {copies[-1]:.2f} s", flush=True)
        ours_median, copy_median = statistics.median(mine), statistics.median(copies)
        print(f"{args.customers} customers, median of {args.runs}: import {ours_median:.1f} s, bare COPY {copy_median:.2f} s, "
              f"ratio {ours_median / copy_median:.1f}x; target under 60 s: {'met' if ours_median < 60 else 'NOT met'}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
