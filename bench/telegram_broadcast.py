"""Telegram broadcast benchmark: 3,000 messages to 3,000 chats through the Bot API stand-in, which
enforces Telegram's 30 messages per second per bot and answers 429 beyond it.

Run by hand (never in CI), from the project root:

    .venv/bin/python bench/telegram_broadcast.py            # 3,000 messages per scenario, about 4 minutes
    .venv/bin/python bench/telegram_broadcast.py --quick    # 600 messages, about 1 minute

Scenarios, each measured at the stand-in (the rate at which it accepted messages, first to last):
a. baseline: the real python-telegram-bot client sending in a plain loop paced by `time.sleep` to
   exactly 30 per second: the best a single sender can do against the cap, measured in this run.
b. embedded: one `Worker` (2 delivery threads, limits in memory) on SQLite, rows from
   `pipeline.enqueue_multicast`, exactly as a broadcast job queues them.
c. scaled: two `python -m bot worker` processes on a throwaway PostgreSQL server, sharing the
   limits through the `rate_slots` table.
Printed: sustained rate / 30 (target >= 0.95), the ratio to the baseline, and the number of 429s
(target 0). The machine has 2 cores and is noisy: run it three times and read the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import pipeline  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.events import Outbound  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.worker import Worker  # noqa: E402
from channels.telegram.standin import TelegramStandin  # noqa: E402
from models import OutboxMessage  # noqa: E402
from models.db import make_engine  # noqa: E402
from models.migrate import upgrade  # noqa: E402
from tests.pg import PostgresServer  # noqa: E402

TOKEN = "424242:bench-token"
CAP = 30.0


def measured(standin: TelegramStandin, count: int) -> tuple[float, int]:
    times = sorted(d["at"] for d in standin.deliveries)
    if len(times) < count:
        raise SystemExit(f"only {len(times)} of {count} messages arrived")
    return (len(times) - 1) / (times[-1] - times[0]), standin.throttled


def baseline(standin: TelegramStandin, count: int) -> tuple[float, int]:
    from telegram import Bot
    from telegram.error import RetryAfter

    async def run() -> None:
        async with Bot(TOKEN, base_url=f"{standin.url}/bot") as bot:
            start = time.monotonic()
            for index in range(count):
                delay = start + index / CAP - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                while True:  # a late wake-up makes a burst; the stand-in's 429 is counted, then we wait
                    try:
                        await bot.send_message(10_000_000 + index, f"baseline {index}")
                        break
                    except RetryAfter:
                        await asyncio.sleep(1)

    standin.reset()
    asyncio.run(run())
    return measured(standin, count)


def settings_for(url: str, data_dir: Path, standin: TelegramStandin) -> dict[str, str]:
    return {"BOT_APP_ENV": "test", "BOT_APP_DATA_DIR": str(data_dir), "DATABASE_URL": url,
            "BOT_TELEGRAM_TOKEN": TOKEN, "BOT_TELEGRAM_WEBHOOK_SECRET": "bench-secret", "BOT_TELEGRAM_API_BASE": standin.url,
            "BOT_WORKER_BATCH_SIZE": "20", "BOT_WORKER_DELIVERY_THREADS": "2", "BOT_WORKER_INBOX_THREADS": "1"}


def queue_broadcast(url: str, data_dir: Path, standin: TelegramStandin, count: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    runtime = build_runtime(load_settings(environ=settings_for(url, data_dir, standin)))
    with runtime.sessions.begin() as session:
        pipeline.enqueue_multicast(session, "telegram", [str(20_000_000 + i) for i in range(count)],
                                   [Outbound("春季書展：全館 8 折，只到週日。")])
    runtime.close()


def wait_sent(standin: TelegramStandin, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(standin.deliveries) < count and time.monotonic() < deadline:
        time.sleep(0.2)


def embedded(work: Path, standin: TelegramStandin, count: int) -> tuple[float, int]:
    standin.reset()
    url = f"sqlite:///{work}/embedded.db"
    queue_broadcast(url, work, standin, count)
    settings = load_settings(environ=settings_for(url, work, standin))
    runtime = build_runtime(settings)
    worker = Worker(settings, runtime.sessions, runtime.router, runtime.channels, owner="bench")
    worker.start()
    wait_sent(standin, count, count / CAP * 2 + 30)
    worker.stop()
    with runtime.sessions() as session:
        failed = session.query(OutboxMessage).filter(OutboxMessage.status != "sent").count()
    runtime.close()
    if failed:
        raise SystemExit(f"{failed} rows were not sent")
    return measured(standin, count)


def scaled(work: Path, standin: TelegramStandin, count: int) -> tuple[float, int]:
    standin.reset()
    server = PostgresServer().start()
    processes: list[subprocess.Popen] = []
    try:
        url = server.create_database("bench")
        queue_broadcast(url, work, standin, count)
        env = {**os.environ, **settings_for(url, work, standin)}
        processes = [subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=ROOT, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
        wait_sent(standin, count, count / CAP * 2 + 60)
        return measured(standin, count)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(15)
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="600 messages per scenario instead of 3,000")
    parser.add_argument("--count", type=int, default=None)
    options = parser.parse_args()
    count = options.count or (600 if options.quick else 3000)
    logging.getLogger("werkzeug").setLevel("ERROR")
    standin = TelegramStandin(TOKEN)
    standin.start()
    work = Path(tempfile.mkdtemp(prefix="bench-telegram-"))
    os.chmod(work, 0o755)
    try:
        base_rate, base_429 = baseline(standin, min(count, 600))
        print(f"baseline  plain loop paced to 30/s: {base_rate:6.2f} msg/s  rate/30 = {base_rate / CAP:.3f}  429s = {base_429}")
        for name, run in (("embedded", embedded), ("scaled  ", scaled)):
            rate, throttled = run(work, standin, count)
            print(f"{name}  {count} messages: {rate:6.2f} msg/s  rate/30 = {rate / CAP:.3f}  "
                  f"vs baseline = {rate / base_rate:.3f}  429s = {throttled}", flush=True)
    finally:
        standin.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
