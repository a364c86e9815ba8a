"""Dialogue benchmark: events handled per second with every customer-care handler registered,
against the same service with only the FAQ and fallback handlers, in the same run.

Run by hand (never in CI), from the project root:

    .venv/bin/python bench/dialogue_care.py                # PostgreSQL and SQLite, 3 runs each, ~3 minutes
    .venv/bin/python bench/dialogue_care.py --quick        # a smoke run, 1 run each

What is measured, and why this way: a realistic mix of customer scripts (FAQ questions, the
booking dialogue, lead capture, complaints, "my data" and opt-out, nonsense) is put in the inbox
of a fresh database, then a real Worker (2 inbox and 2 delivery threads, the real line-bot-sdk
client, the LINE stand-in over HTTP) handles and delivers it; the clock stops when nothing is
pending. The webhook is left out on purpose: it is the same for both routers (bench/webhook.py
measures it), and leaving it in would only dilute the ratio. The FAQ-only service gets exactly the
same events (it answers most of them with the fallback menu). Runs alternate between the two
routers and the medians are compared: target ratio >= 0.7.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dialogue_common import faq_only_router, unhandled_events, wait_until_handled  # noqa: E402
from bench.webhook import Postgres  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.engine import Router  # noqa: E402
from bot.events import Inbound  # noqa: E402
from bot.pipeline import accept  # noqa: E402
from bot.routing import build_router  # noqa: E402
from bot.runtime import sync_config_to_database  # noqa: E402
from bot.worker import Worker  # noqa: E402
from channels.line.adapter import LineChannel  # noqa: E402
from channels.line.standin import LineStandin  # noqa: E402
from models import utcnow  # noqa: E402
from models.db import make_engine, make_session_factory  # noqa: E402
from models.migrate import upgrade  # noqa: E402

TOKEN = "bench-token"


def next_consult_day(today: date) -> date:
    """A day the demo 'consult' service is open (Tuesday to Sunday)."""
    day = today + timedelta(days=2)
    while day.weekday() == 0:
        day += timedelta(days=1)
    return day


def scripts(user: int, rng: random.Random, day: date) -> list[tuple[str, str]]:
    """One customer's messages: ("text", words) or ("postback", data)."""
    stamp = f"{day:%Y%m%d}T{rng.choice(['1100', '1130', '1400', '1430', '1500', '1530', '1600', '1630', '1700', '1730'])}"
    kinds = {
        "faq": [("text", q) for q in rng.sample(["營業時間", "地址", "停車", "讀書會", "what are your hours"], 3)],
        "booking": [("text", "預約"), ("postback", "book:svc:consult"), ("postback", f"book:day:consult:{day}"),
                    ("postback", f"book:slot:consult:{stamp}"), ("postback", f"book:ok:consult:{stamp}")],
        "lead": [("text", "加入會員"), ("text", "王小明"), ("text", f"user{user}@example.com"), ("text", "3"), ("text", "台北"),
                 ("text", "文學"), ("postback", "lead:consent:yes")],
        "complaint": [("text", "我要退款，服務太爛了"), ("text", "營業時間")],
        "privacy": [("text", "我的資料"), ("text", "取消訂閱")],
        "nonsense": [("text", "嗯嗯"), ("text", "hello")],
    }
    weights = {"faq": 35, "booking": 20, "lead": 15, "complaint": 5, "privacy": 10, "nonsense": 15}
    kind = rng.choices(list(weights), weights=list(weights.values()))[0]
    return kinds[kind]


def make_events(users: int, seed: int) -> list[Inbound]:
    rng = random.Random(seed)
    day = next_consult_day(datetime.now(ZoneInfo("Asia/Taipei")).date())
    events, start = [], utcnow()
    for user in range(users):
        user_id = f"U{user:032x}"
        for step, (kind, value) in enumerate(scripts(user, rng, day)):
            payload = {"data": value, "params": {}} if kind == "postback" else {}
            events.append(Inbound(channel="line", kind="text" if kind == "text" else "postback", event_id=uuid.uuid4().hex,
                                  occurred_at=start + timedelta(milliseconds=step), chat_id=user_id, user_id=user_id,
                                  text=value if kind == "text" else None, payload=payload))
    return events


def one_run(url: str, router: Router, events: list[Inbound], api_base: str, standin: LineStandin) -> tuple[float, int]:
    """Handle and deliver every event; returns (events per second, replies delivered)."""
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        accept(session, events)
    settings = load_settings(environ={"BOT_APP_ENV": "test", "DATABASE_URL": url, "BOT_LINE_CHANNEL_SECRET": "s",
                                      "BOT_LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "BOT_LINE_API_BASE": api_base,
                                      "BOT_WORKER_POLL_INTERVAL_SECONDS": "0.01"})
    sync_config_to_database(sessions, settings)  # the coupon templates a started service would have
    channel = LineChannel("s", TOKEN, api_base)
    standin.reset()
    worker = Worker(settings, sessions, router, {"line": channel}, owner="bench")
    started = time.monotonic()
    worker.start()
    try:
        wait_until_handled(sessions)
        elapsed = time.monotonic() - started
    finally:
        worker.stop()
        channel.close()
        engine.dispose()
    failed = unhandled_events(make_session_factory(make_engine(url)))
    if failed:
        raise SystemExit(f"{failed} events were not handled: the benchmark is invalid")
    return len(events) / elapsed, len(standin.deliveries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=300, help="customers per run (default 300, about 1,200 events)")
    parser.add_argument("--reps", type=int, default=3, help="runs per router and database (default 3)")
    parser.add_argument("--quick", action="store_true", help="one run each with 100 customers")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args(argv)
    users, reps = (100, 1) if args.quick else (args.users, args.reps)
    logging.basicConfig(level=logging.ERROR)  # the stand-in's access log and delivery warnings are noise here
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    events = make_events(users, seed=5)
    work = Path(tempfile.mkdtemp(prefix="bench-dialogue-"))
    work.chmod(0o755)  # the PostgreSQL server runs as `postgres` when we are root
    standin = LineStandin(access_token=TOKEN)
    api_base = standin.start()
    postgres = Postgres(work / "pg", fsync=True)
    postgres.start()
    routers = {"care": build_router, "faq": faq_only_router}
    databases = ["postgresql"] + ([] if args.skip_sqlite else ["sqlite"])
    results: dict[tuple[str, str], list[float]] = {}
    replies: dict[str, int] = {}
    run = 0
    try:
        for database in databases:
            for rep in range(reps):
                for name in (("care", "faq") if rep % 2 == 0 else ("faq", "care")):
                    run += 1
                    url = postgres.create_database(f"run{run}") if database == "postgresql" else f"sqlite:///{work / f'run{run}.db'}"
                    rate, delivered = one_run(url, routers[name](), events, api_base, standin)
                    results.setdefault((database, name), []).append(rate)
                    replies[name] = delivered
                    print(f"  {database:<10} {name:<4} run {rep + 1}: {rate:7.1f} events/s, {delivered} replies", flush=True)
    finally:
        standin.stop()
        postgres.stop()
    print(f"\nDialogue benchmark: {len(events)} events from {users} customers per run, median of {reps} run(s)")
    print(f"  {'database':<10} {'all care handlers':>18} {'FAQ + fallback':>15} {'ratio':>6}  target >= 0.7")
    for database in databases:
        care, base = statistics.median(results[(database, "care")]), statistics.median(results[(database, "faq")])
        verdict = "PASS" if care / base >= 0.7 else "FAIL"
        print(f"  {database:<10} {care:>12.1f} ev/s {base:>10.1f} ev/s {care / base:>6.2f}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
