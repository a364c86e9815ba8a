"""Dialogue throughput: messages handled and answered per second end to end with every CRM handler
registered, against the same service with only the FAQ and fallback handlers, in the same run.

Run by hand (never in CI), from the project root:

    .venv/bin/python bench/dialogue_commerce.py                  # 3 rounds of 1,500 messages per setup, about 4 minutes
    .venv/bin/python bench/dialogue_commerce.py --events 300 --rounds 1   # a smoke run

Everything is started here and stopped at the end: a throwaway PostgreSQL server, the LINE
stand-in (in this process, with the load generator), and the service (web + worker threads) in a
child process, as `python -m bot serve` would run it but on PostgreSQL. Each round starts from an
empty database, lets 100 customers follow the account, gives them a purchase history and coupons,
then posts the same mix of messages as fast as 8 senders can and stops the clock when every
message is handled and every reply delivered: nothing pending in the inbox or the outbox.

The clock does not wait for one reply per message (it did, and hung): a complaint hands the
conversation to staff, and the full service then rightly stays silent on that customer's later
messages, while the FAQ-only service answers every one. Both setups are timed the same way, as
`dialogue_care.py` does (bench/dialogue_common.py); the replies are counted and printed, and the
FAQ-only setup must still answer every message.

The mix follows the issue (points, coupons, booking, complaints, FAQ, chatter). The target
(issue 5): full / FAQ-only >= 0.7.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, sys.path[0] is bench/
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from bench.dialogue_common import faq_only_router, unhandled_events, wait_until_handled  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.crm.coupons import issue_coupon  # noqa: E402
from bot.crm.orders import record_order  # noqa: E402
from bot.devtools.chat import line_event  # noqa: E402
from channels.line.adapter import sign  # noqa: E402
from channels.line.standin import LineStandin  # noqa: E402
from models import Base, ChannelIdentity, InboxEvent, utcnow  # noqa: E402
from models.db import make_engine, make_session_factory  # noqa: E402
from models.migrate import upgrade  # noqa: E402
from tests.pg import PostgresServer, free_port  # noqa: E402

SECRET = "bench-dialogue-secret-0123456789ab"
TOKEN = "bench-dialogue-token"
USERS = 100
SENDERS = 8
TARGET_RATIO = 0.7
# (text, weight): points 25%, coupons 25%, FAQ 20%, booking 15%, complaints 10%, chatter 5%.
MIX = [("點數", 10), ("my points", 8), ("我的点数", 7), ("優惠券", 10), ("my coupons", 8), ("优惠券", 7),
       ("營業時間?", 7), ("where is the shop?", 7), ("读书会几点", 6), ("預約", 8), ("book an appointment", 7),
       ("客訴 服務很爛", 5), ("I want a refund", 5), ("hello", 5)]


def environ(database_url: str, line_api: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "BOT_APP_ENV": "test", "BOT_LINE_CHANNEL_SECRET": SECRET,
            "BOT_LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "BOT_LINE_API_BASE": line_api, "BOT_WORKER_POLL_INTERVAL_SECONDS": "0.05"}


def serve(setup: str, port: int) -> None:
    """The child: web and worker threads of one service, with the full or the FAQ-only router."""
    import waitress

    from bot.app import create_app
    from bot.runtime import build_runtime
    from bot.worker import Worker

    runtime = build_runtime(load_settings())
    if setup == "faq":
        runtime.router = faq_only_router()
    worker = Worker(runtime.settings, runtime.sessions, runtime.router, runtime.channels, owner=f"bench-{setup}")
    worker.start()
    server = waitress.create_server(create_app(runtime=runtime), host="127.0.0.1", port=port, threads=8)
    signal.signal(signal.SIGTERM, lambda *_: server.close())
    try:
        server.run()
    except OSError:
        pass
    worker.stop()
    runtime.close()


class Service:
    def __init__(self, setup: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()  # a pipe would fill up and block the child
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", setup, "--port", str(self.port)], cwd=ROOT,
                                        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        self.stop()
        self.log.seek(0)
        raise RuntimeError(f"the service did not start: {self.log.read().decode()[-2000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def post(session: requests.Session, url: str, event: dict) -> None:
    body = json.dumps({"destination": "Ubench", "events": [event]}, ensure_ascii=False).encode()
    response = session.post(f"{url}/webhooks/line", data=body, timeout=30,
                            headers={"Content-Type": "application/json", "X-Line-Signature": sign(SECRET, body)})
    if response.status_code != 200:
        raise RuntimeError(f"webhook answered {response.status_code}: {response.text}")


def wait_quiet(standin: LineStandin, seconds: float = 1.0) -> None:
    """Until nothing new has arrived for `seconds` (the seeding's pushes have gone out)."""
    seen, still = -1, 0.0
    while still < seconds:
        time.sleep(0.1)
        count = len(standin.deliveries)
        still = still + 0.1 if count == seen else 0.0
        seen = count


def reset_database(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(t.name for t in Base.metadata.sorted_tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


def seed(service: Service, standin: LineStandin, database_url: str, users: list[str]) -> None:
    """Customers who followed, with a purchase history, stamps and coupons (as a shop would have)."""
    with requests.Session() as session:
        for user in users:
            post(session, service.url, line_event("follow", user))
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    deadline = time.monotonic() + 60  # the FAQ-only setup does not answer a follow: wait for the worker instead
    while True:
        with sessions() as session:
            pending = session.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.status == "pending"))
            known = session.scalar(select(func.count()).select_from(ChannelIdentity))
        if not pending and known == len(users):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"seeding: {known} of {len(users)} customers after 60 s")
        time.sleep(0.1)
    settings = load_settings(environ=environ(database_url, standin.url))
    with sessions.begin() as session:
        ids = session.scalars(select(ChannelIdentity.customer_id).order_by(ChannelIdentity.id)).all()
        for n, customer_id in enumerate(ids):
            for k in range(n % 7 + 1):
                record_order(session, settings, customer_id, amount=Decimal(300 + 150 * k), items=[], placed_at=utcnow(),
                             source="bench", idempotency_key=f"seed-{customer_id}-{k}")
            issue_coupon(session, customer_id, "WELCOME10", source="lead")
    engine.dispose()


def one_round(setup: str, env: dict[str, str], standin: LineStandin, database_url: str, events: int) -> tuple[float, int]:
    """One setup from an empty database; returns (messages per second, replies delivered)."""
    reset_database(database_url)
    standin.reset()
    service = Service(setup, env)
    try:
        users = [f"U{uuid.uuid4().hex}" for _ in range(USERS)]
        seed(service, standin, database_url, users)
        wait_quiet(standin)  # the seeding's pushes (tier congratulations) go out before the clock starts
        standin.reset()
        texts = [t for t, weight in MIX for _ in range(weight)]
        batch = [line_event("message", users[i % USERS], text=texts[(i * 7) % len(texts)]) for i in range(events)]
        lock = threading.Lock()
        cursor = iter(batch)

        def sender(_: int) -> None:
            with requests.Session() as session:
                while True:
                    with lock:
                        event = next(cursor, None)
                    if event is None:
                        return
                    post(session, service.url, event)

        engine = make_engine(database_url)
        sessions = make_session_factory(engine)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=SENDERS) as pool:
            list(pool.map(sender, range(SENDERS)))
        wait_until_handled(sessions, 600)  # every message is in the inbox once its webhook answered 200
        elapsed = time.perf_counter() - started
        failed = unhandled_events(sessions)
        engine.dispose()
        if failed:
            raise RuntimeError(f"{setup}: {failed} events were not handled: the round is invalid")
        answered = len(standin.deliveries)
        if setup == "faq" and answered != events:
            raise RuntimeError(f"faq: {answered} replies for {events} messages (it answers every message)")
        return events / elapsed, answered
    except Exception:
        service.log.seek(0)
        print(service.log.read().decode(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        service.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1500, help="messages per round and setup")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", choices=("full", "faq"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.serve, options.port)
        return

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the stand-in's access log, a line per reply, is noise here
    pg = PostgresServer().start()
    standin = LineStandin(access_token=TOKEN)
    standin.start()
    rates: dict[str, list[float]] = {"full": [], "faq": []}
    answered: dict[str, int] = {}
    try:
        database_url = pg.create_database("bench_dialogue")
        engine = make_engine(database_url)
        upgrade(engine)
        engine.dispose()
        env = environ(database_url, standin.url)
        for number in range(options.rounds):
            order = ("full", "faq") if number % 2 == 0 else ("faq", "full")
            for setup in order:
                rate, answered[setup] = one_round(setup, env, standin, database_url, options.events)
                rates[setup].append(rate)
                print(f"  round {number + 1} {setup:4}: {rate:6.1f} messages/s, {answered[setup]} replies", flush=True)
    finally:
        standin.stop()
        pg.stop()
    full, faq = statistics.median(rates["full"]), statistics.median(rates["faq"])
    print(f"\nDialogue throughput, {options.events} messages x {options.rounds} rounds, PostgreSQL, 2 cores (medians)")
    print(f"  FAQ and fallback only:  {faq:6.1f} messages/s ({answered['faq']} replies per round)")
    print(f"  with every CRM handler: {full:6.1f} messages/s ({answered['full']} replies per round: "
          "after a complaint the bot is silent until staff resolve it)")
    verdict = "met" if full / faq >= TARGET_RATIO else "MISSED"
    print(f"  ratio {full / faq:.2f} (target >= {TARGET_RATIO}: {verdict})")


if __name__ == "__main__":
    main()
