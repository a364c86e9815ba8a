"""Email throughput: outbound through the outbox against smtplib in a plain loop, and inbound
messages accepted and stored by the receiver against a receiver that stores nothing.

Run by hand (never in CI), from the project root:

    .venv/bin/python bench/email_throughput.py            # about 2 minutes
    .venv/bin/python bench/email_throughput.py --quick    # about 40 seconds

a. Outbound. The same messages (built by our EmailChannel) are handed to a local SMTP server that
   discards them (aiosmtpd's Sink, in its own process so it does not share our interpreter):
   - baseline: one smtplib connection, `sendmail` in a plain loop;
   - ours: rows queued in the outbox (SQLite, embedded mode), sent by a `Worker` with its two
     delivery threads (each keeps one SMTP connection), until every row is recorded as sent.
   Printed: messages per second each, and ours / baseline (target >= 0.8).
b. Inbound. Four client connections send messages as fast as the server answers:
   - baseline: aiosmtpd's Sink (accepts and forgets);
   - ours: `python -m bot email-receiver` on SQLite: parse, thread-match, store, commit, then 250.
   Printed: messages per second accepted and stored (target >= 100/s), and the ratio to the Sink.
The machine has 2 cores and is noisy: run it three times and read the medians.
"""

from __future__ import annotations

import argparse
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import pipeline  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.events import Outbound  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.worker import Worker  # noqa: E402
from channels.base import Delivery  # noqa: E402
from models import InboxEvent, OutboxMessage  # noqa: E402
from models.db import make_engine  # noqa: E402
from models.migrate import upgrade  # noqa: E402

TEXT = "您好，您預約的讀書會是週六下午 3 點。Your reading club seat is booked for Saturday 3 pm."


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


def start_sink(port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
                                "-l", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(port)
    return process


DELIVERY = {"threads": "2", "batch": "20"}  # the defaults; --threads / --batch change them


def environ(work: Path, smtp_port: int, receiver_port: int) -> dict[str, str]:
    return {"BOT_APP_ENV": "test", "BOT_APP_DATA_DIR": str(work), "DATABASE_URL": f"sqlite:///{work}/bench.db",
            "BOT_EMAIL_SMTP_HOST": "127.0.0.1", "BOT_EMAIL_SMTP_PORT": str(smtp_port), "BOT_EMAIL_SMTP_STARTTLS": "false",
            "BOT_EMAIL_RECEIVER_PORT": str(receiver_port), "BOT_WORKER_INBOX_THREADS": "1",
            "BOT_WORKER_DELIVERY_THREADS": DELIVERY["threads"], "BOT_WORKER_BATCH_SIZE": DELIVERY["batch"]}


def outbound(work: Path, count: int) -> tuple[float, float]:
    port = free_port()
    sink = start_sink(port)
    try:
        settings = load_settings(environ=environ(work, port, free_port()))
        engine = make_engine(settings.database.url)
        upgrade(engine)
        engine.dispose()
        runtime = build_runtime(settings)
        channel = runtime.channels["email"]
        messages = [channel.build(Delivery(f"customer{i}@example.org", [Outbound(TEXT)], str(uuid.uuid4())),
                                  f"customer{i}@example.org") for i in range(count)]
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            for index, data in enumerate(messages):
                client.sendmail(channel.bounce_address, [f"customer{index}@example.org"], data)
        baseline = count / (time.perf_counter() - started)

        with runtime.sessions.begin() as session:
            for index in range(count):
                pipeline.enqueue(session, "email", f"customer{index}@example.org", [Outbound(TEXT)])
        worker = Worker(settings, runtime.sessions, runtime.router, runtime.channels, owner="bench")
        started = time.perf_counter()
        worker.start()
        while True:
            with runtime.sessions() as session:
                left = session.query(OutboxMessage).filter(OutboxMessage.status == "pending").count()
            if not left:
                break
            time.sleep(0.05)
        ours = count / (time.perf_counter() - started)
        worker.stop()
        with runtime.sessions() as session:
            sent = session.query(OutboxMessage).filter(OutboxMessage.status == "sent").count()
        runtime.close()
        if sent != count:
            raise SystemExit(f"only {sent} of {count} rows were sent")
        return ours, baseline
    finally:
        sink.terminate()
        sink.wait(10)


def blast(port: int, count: int, connections: int = 4) -> float:
    """Send `count` distinct messages over `connections` parallel SMTP sessions; messages per second."""
    def send(part: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            for index in range(part, count, connections):
                message = EmailMessage()
                message["From"] = f"customer{index}@example.org"
                message["To"] = "shop@shop.example"
                message["Subject"] = "營業時間"
                message["Message-ID"] = f"<{uuid.uuid4()}@example.org>"
                message.set_content(f"請問營業時間？ ({index})")
                client.send_message(message)

    threads = [threading.Thread(target=send, args=(part,)) for part in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count / (time.perf_counter() - started)


def inbound(work: Path, count: int) -> tuple[float, float]:
    sink_port = free_port()
    sink = start_sink(sink_port)
    try:
        baseline = blast(sink_port, count)
    finally:
        sink.terminate()
        sink.wait(10)
    port = free_port()
    env = {**os.environ, **environ(work, free_port(), port), "DATABASE_URL": f"sqlite:///{work}/inbound.db"}
    subprocess.run([sys.executable, "-m", "bot", "init"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    receiver = subprocess.Popen([sys.executable, "-m", "bot", "email-receiver"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port)
        ours = blast(port, count)
    finally:
        receiver.terminate()
        receiver.wait(10)
    engine = make_engine(env["DATABASE_URL"])
    with engine.connect() as connection:
        stored = connection.execute(InboxEvent.__table__.select().where(InboxEvent.kind == "text")).fetchall()
    engine.dispose()
    if len(stored) != count:
        raise SystemExit(f"only {len(stored)} of {count} inbound messages were stored")
    return ours, baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages")
    parser.add_argument("--threads", default="2", help="[worker] delivery_threads (default 2, as shipped)")
    parser.add_argument("--batch", default="20", help="[worker] batch_size (default 20, as shipped)")
    options = parser.parse_args()
    DELIVERY.update(threads=options.threads, batch=options.batch)
    out_count, in_count = (500, 500) if options.quick else (3000, 2000)
    work = Path(tempfile.mkdtemp(prefix="bench-email-"))
    try:
        ours, baseline = outbound(work, out_count)
        print(f"outbound {out_count} ({options.threads} delivery threads, batch {options.batch}): "
              f"outbox + worker {ours:7.1f} msg/s   smtplib plain loop {baseline:7.1f} msg/s   "
              f"ratio {ours / baseline:.2f} (target >= 0.8)", flush=True)
        ours, baseline = inbound(work, in_count)
        print(f"inbound  {in_count}: receiver + store {ours:7.1f} msg/s   aiosmtpd Sink {baseline:7.1f} msg/s   "
              f"ratio {ours / baseline:.2f}   (target >= 100 msg/s)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
