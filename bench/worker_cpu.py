"""The worker's CPU per event, without the web tier or a load generator: a profiling aid.

Run by hand (never in CI), from the project root:

    .venv/bin/python bench/worker_cpu.py                    # PostgreSQL, 2,000 events, 200 users
    .venv/bin/python bench/worker_cpu.py --profile out.prof # also a cProfile of the processing

Why beside `bench/webhook.py`: that one measures what the issue's targets name (whole processes
under load, by their CPU clocks), and its worker figure mixes handling, delivery and idle polls.
This one stores the same kind of events straight into the inbox, then times the worker's two
steps separately in this process (`time.process_time`), so a change to either shows alone.
The LINE stand-in runs in this process too, on its own threads; its CPU is counted apart.
"""

from __future__ import annotations

import argparse
import cProfile
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TEXTS = ("營業時間?", "hello", "where is the shop?", "读书会几点", "有停車位嗎", "random question", "書店地址", "thanks!")


def _thread_cpu() -> float:
    return time.thread_time()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sqlite", action="store_true", help="embedded SQLite instead of PostgreSQL")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the inbox processing here")
    options = parser.parse_args(argv)

    import logging

    from bot.config import load_settings
    from bot.devtools.chat import line_event
    from bot.runtime import build_runtime
    from bot.worker import Worker
    from channels.line.events import read_event
    from channels.line.standin import LineStandin
    from models.migrate import upgrade
    from tests.pg import PostgresServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the stand-in's access log, one line a request
    standin = LineStandin(access_token="bench-token")
    standin.start()
    server = None if options.sqlite else PostgresServer().start()
    workdir = Path(tempfile.mkdtemp(prefix="bench-worker-"))
    try:
        results: list[tuple[float, float, float]] = []
        for round_number in range(options.rounds):
            if server is not None:
                url = server.create_database(f"bench{round_number}")
            else:
                url = f"sqlite:///{workdir}/bench{round_number}.db"
            settings = load_settings(environ={
                "BOT_APP_ENV": "test", "BOT_APP_DATA_DIR": str(workdir / "var"), "DATABASE_URL": url,
                "BOT_LINE_CHANNEL_SECRET": "bench-secret", "BOT_LINE_CHANNEL_ACCESS_TOKEN": "bench-token",
                "BOT_LINE_API_BASE": standin.url, "BOT_JOURNEYS_QUIET_START": "00:00", "BOT_JOURNEYS_QUIET_END": "00:00",
            })
            from models.db import make_engine

            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            runtime = build_runtime(settings)
            standin.reset()
            rng = random.Random(round_number)
            users = [f"U{round_number:08x}{index:024x}" for index in range(options.users)]
            from bot import pipeline

            events = [read_event(line_event("message", rng.choice(users), text=TEXTS[i % len(TEXTS)]))
                      for i in range(options.events)]
            with runtime.engine.begin() as connection:
                pipeline.accept(connection, events)
            worker = Worker(settings, runtime.sessions, runtime.router, runtime.channels, owner="bench")
            profiler = cProfile.Profile() if options.profile and round_number == options.rounds - 1 else None
            handled = 0
            wall = time.perf_counter()
            cpu = _thread_cpu()
            if profiler:
                profiler.enable()
            while (count := worker.process_inbox_once()):
                handled += count
            if profiler:
                profiler.disable()
                profiler.dump_stats(str(options.profile))
            handle_cpu = _thread_cpu() - cpu
            cpu = _thread_cpu()
            if profiler:
                profiler = cProfile.Profile()
                profiler.enable()
            while worker.deliver_once():
                pass
            if profiler:
                profiler.disable()
                profiler.dump_stats(str(options.profile) + ".delivery")
            deliver_cpu = _thread_cpu() - cpu
            wall = time.perf_counter() - wall
            delivered = len(standin.deliveries)
            runtime.close()
            if handled != options.events or delivered != options.events:
                print(f"round {round_number}: handled {handled}, delivered {delivered} of {options.events}", file=sys.stderr)
                return 1
            results.append((handle_cpu * 1000 / handled, deliver_cpu * 1000 / delivered, wall))
            print(f"round {round_number + 1}: handling {results[-1][0]:.2f} ms CPU/event, "
                  f"delivery {results[-1][1]:.2f} ms CPU/reply, wall {wall:.1f} s", flush=True)
        handling = statistics.median(r[0] for r in results)
        delivery = statistics.median(r[1] for r in results)
        print(f"median over {len(results)} rounds: handling {handling:.2f} + delivery {delivery:.2f} "
              f"= {handling + delivery:.2f} ms of worker CPU per event ({'SQLite' if options.sqlite else 'PostgreSQL'}; "
              f"{threading.active_count()} threads alive)")
        return 0
    finally:
        standin.stop()
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
