"""Console benchmarks: planning a broadcast to 100,000 customers, and the queue and customer pages.

Run by hand (never in CI), from the project root:

    .venv/bin/python bench/console.py            # about 3 minutes
    .venv/bin/python bench/console.py --quick    # 20,000 customers, fewer requests: a smoke run

A throwaway PostgreSQL server is started from the machine's binaries (as the tests do) and removed
at the end. What is measured, each beside a baseline measured in the same run:

a. Planning (PostgreSQL): `jobs.broadcasts.plan_due` on a saved segment of 100,000 customers with
   LINE accounts and marketing consent (segment resolved, consent filtered, 10 % control group
   drawn, recipients and outbox rows written, committed). Two texts: a plain one (LINE multicast,
   500 per row: 180 rows) and a personal one ({name}: 90,000 push rows). Baseline: writing the
   same recipient and outbox rows the same way (COPY), with no segment, consent check or draw: the
   ratio is what resolving, filtering and drawing cost on top of the writes. Target <= 15 s.
b. Pages (PostgreSQL and SQLite): server time of GET /console/queue with 10,000 open tickets (the
   page shows the 200 most urgent, each with claim and assign forms), /console/queue.json, and the customer and conversation pages of
   a customer with 5,000 messages (newest 200 shown). Timed inside the process with Flask's test
   client, so it is server time. Baseline: GET /healthz (one SELECT 1) the same way. Target p95
   <= 300 ms.

The machine has 2 cores and is noisy: read medians, p95 and ratios, not single runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, insert, select, text  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.console.users import create_user  # noqa: E402
from bot.marketing.bulk import bulk_insert  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from jobs.broadcasts import plan_due  # noqa: E402
from models import (  # noqa: E402
    Broadcast,
    BroadcastRecipient,
    ChannelIdentity,
    Consent,
    Conversation,
    Coupon,
    CouponTemplate,
    Customer,
    Message,
    Order,
    OutboxMessage,
    Segment,
    Ticket,
    utcnow,
)
from models.db import make_engine  # noqa: E402
from models.migrate import upgrade  # noqa: E402
from tests.pg import PostgresServer  # noqa: E402

BATCH = 10_000


def say(message: str) -> None:
    print(message, flush=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def bulk(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[start:start + BATCH])


def runtime_for(url: str, data_dir: str) -> Any:
    settings = load_settings(environ={"BOT_APP_ENV": "test", "DATABASE_URL": url, "BOT_APP_DATA_DIR": data_dir,
                                      "BOT_LINE_CHANNEL_SECRET": "s" * 32, "BOT_LINE_CHANNEL_ACCESS_TOKEN": "t",
                                      "BOT_LINE_API_BASE": "http://127.0.0.1:9"})
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return build_runtime(settings)


# --- a. planning ---------------------------------------------------------------------------------

def seed_customers(runtime: Any, count: int) -> None:
    now = utcnow()
    with runtime.sessions.begin() as s:
        bulk(s, Customer, [{"id": i, "display_name": f"顧客{i}", "language": "zh-TW", "stage": "lead", "tier": 1 + i % 5,
                            "interests": [], "tags": [], "created_at": now, "updated_at": now} for i in range(1, count + 1)])
        bulk(s, ChannelIdentity, [{"customer_id": i, "channel": "line", "platform_user_id": f"U{i:032x}", "reachable": True,
                                   "created_at": now, "last_seen_at": now} for i in range(1, count + 1)])
        bulk(s, Consent, [{"customer_id": i, "channel": "line", "purpose": "marketing", "granted": True, "source": "bench",
                           "updated_at": now} for i in range(1, count + 1)])
        s.execute(text("SELECT setval('customers_id_seq', :n)"), {"n": count})


def new_broadcast(runtime: Any, segment_id: int, body: str, coupon_template_id: int | None = None) -> int:
    with runtime.sessions.begin() as s:
        broadcast = Broadcast(name="bench", segment_id=segment_id, text=body, status="scheduled", send_at=utcnow(), holdout_percent=10,
                              coupon_template_id=coupon_template_id)
        s.add(broadcast)
        s.flush()
        return broadcast.id


def clear_broadcasts(runtime: Any) -> None:
    with runtime.sessions.begin() as s:
        s.execute(delete(BroadcastRecipient))
        s.execute(delete(Coupon))
        s.execute(delete(OutboxMessage))
        s.execute(delete(Broadcast))
    with runtime.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def bare_insert(runtime: Any, count: int, personal: bool, template_id: int | None = None) -> None:
    """The baseline: the same rows, written with no segment, consent check, draw or text."""
    now = utcnow()
    treated = int(count * 0.9)
    with runtime.sessions.begin() as s:
        broadcast = Broadcast(name="baseline", text="x", status="sending")
        s.add(broadcast)
        s.flush()
        per_row = 1 if personal else 500
        rows = [{"channel": "line", "address": f"U{i:032x}" if personal else f"multicast:{uuid.uuid4()}", "messages": [{"text": "x"}],
                 "recipients": None if personal else [f"U{j:032x}" for j in range(i, min(i + per_row, treated))], "purpose": "marketing",
                 "broadcast_id": broadcast.id, "idempotency_key": str(uuid.uuid4()), "status": "pending", "attempts": 0,
                 "next_attempt_at": now, "reply_attempted": False, "created_at": now} for i in range(0, treated, per_row)]
        bulk_insert(s, OutboxMessage, rows)
        bulk_insert(s, BroadcastRecipient, [{"broadcast_id": broadcast.id, "customer_id": i, "group": "treated" if i <= treated else "control",
                                             "skip_reason": None, "channel": "line", "address": f"U{i:032x}", "outbox_id": None}
                                            for i in range(1, count + 1)])
        if template_id is not None:
            expires = now + timedelta(days=30)
            bulk_insert(s, Coupon, [{"code": f"B{i:09d}", "template_id": template_id, "customer_id": i, "kind": "percent", "value": 15,
                                     "source": "baseline", "idempotency_key": f"baseline:{i}", "issued_at": now, "expires_at": expires,
                                     "max_uses": 1, "uses": 0} for i in range(1, treated + 1)])


def bench_planning(runtime: Any, count: int, rounds: int) -> None:
    with runtime.sessions.begin() as s:
        segment = Segment(name="all on LINE with consent", criteria={"channel": "line", "consent": "marketing"})
        s.add(segment)
        s.flush()
        segment_id = segment.id
        template_id = s.scalar(select(CouponTemplate.id).where(CouponTemplate.code == "SORRY15"))
    for label, body, personal, coupon in (("plain text (LINE multicast)", "春季書展，全館 85 折！", False, None),
                                          ("personal text ({name}, one push row each)", "{name} 您好，春季書展開跑！", True, None),
                                          ("a coupon for each recipient (issued, one push row each)", "{name}，您的優惠碼 {coupon}", True,
                                           template_id)):
        ours, base = [], []
        for _ in range(rounds):
            clear_broadcasts(runtime)
            broadcast_id = new_broadcast(runtime, segment_id, body, coupon)
            started = time.perf_counter()
            summary = plan_due(runtime.sessions, broadcast_id, runtime.settings, utcnow())
            ours.append(time.perf_counter() - started)
            assert summary is not None and summary.treated + summary.control == count, summary
            clear_broadcasts(runtime)
            started = time.perf_counter()
            bare_insert(runtime, count, personal, coupon)
            base.append(time.perf_counter() - started)
        ours_m, base_m = statistics.median(ours), statistics.median(base)
        say(f"  {label}: planning {count:,} customers: median {ours_m:.2f} s (runs {', '.join(f'{t:.2f}' for t in ours)}); "
            f"bare COPY of the same rows {base_m:.2f} s; ratio {ours_m / base_m:.2f}x; "
            f"outbox rows {summary.outbox_rows:,}; target <= 15 s: {'met' if ours_m <= 15 else 'MISSED'}")
    clear_broadcasts(runtime)


# --- b. pages ------------------------------------------------------------------------------------

def seed_pages(runtime: Any, open_items: int, messages: int) -> int:
    """`open_items` conversations with an open ticket (3 messages each), and one customer with
    `messages` messages over two channels. Returns that customer's id."""
    now = utcnow()
    with runtime.sessions.begin() as s:
        first = (s.execute(text("SELECT coalesce(max(id), 0) FROM customers")).scalar() or 0) + 1
        ids = list(range(first, first + open_items + 1))
        bulk(s, Customer, [{"id": i, "display_name": f"排隊{i}", "language": "zh-TW", "stage": "lead", "tier": 3, "interests": [],
                            "tags": [], "created_at": now, "updated_at": now} for i in ids])
        if runtime.engine.dialect.name == "postgresql":
            s.execute(text("SELECT setval('customers_id_seq', :n)"), {"n": ids[-1]})
        bulk(s, Conversation, [{"id": n + 1, "customer_id": i, "channel": "line", "address": f"Q{i:032x}", "kind": "user",
                                "handled_by": "human", "active": True, "created_at": now,
                                "last_message_at": now - timedelta(seconds=random.randint(0, 86400))}
                               for n, i in enumerate(ids[:-1])])
        bulk(s, Message, [{"conversation_id": n + 1, "direction": "in" if k % 2 == 0 else "out", "kind": "text",
                           "text": f"<b>第 {k} 則</b> 我要退款", "payload": {}, "created_at": now}
                          for n in range(open_items) for k in range(3)])
        bulk(s, Ticket, [open_ticket(n + 1, i, now) for n, i in enumerate(ids[:-1])])
        regular = ids[-1]
        for channel, offset in (("line", open_items + 1), ("telegram", open_items + 2)):
            bulk(s, Conversation, [{"id": offset, "customer_id": regular, "channel": channel, "address": f"R{channel}", "kind": "user",
                                    "handled_by": "bot", "active": True, "created_at": now, "last_message_at": now}])
        bulk(s, Message, [{"conversation_id": open_items + 1 + (k % 2), "direction": "in" if k % 3 else "out", "kind": "text",
                           "text": f"訊息 {k} <script>x</script>", "payload": {}, "created_at": now - timedelta(minutes=messages - k)}
                          for k in range(messages)])
        bulk(s, Order, [{"customer_id": regular, "amount": 100 + k, "currency": "TWD", "items": [], "placed_at": now,
                         "source": "bench", "created_at": now} for k in range(30)])
        if runtime.engine.dialect.name == "postgresql":
            s.execute(text("SELECT setval('conversations_id_seq', :n)"), {"n": open_items + 2})
        create_user(s, "bench@shop.test", "admin", "bench-password-1")
    if runtime.engine.dialect.name == "postgresql":
        with runtime.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    return regular


def open_ticket(conversation_id: int, customer_id: int, now: Any) -> dict[str, Any]:
    """An open ticket opened in the last day; a third already answered (their resolution clock runs)."""
    opened = now - timedelta(seconds=random.randint(0, 86400))
    priority = random.choice((1, 2, 3))
    return {"customer_id": customer_id, "conversation_id": conversation_id, "priority": priority, "category": "complaint",
            "status": "open", "summary": "我要退款", "opened_at": opened, "first_response_due": opened + timedelta(hours=priority),
            "resolution_due": opened + timedelta(hours=4 * priority), "reopened": 0, "created_at": opened, "updated_at": opened,
            "first_response_at": opened + timedelta(minutes=10) if conversation_id % 3 == 0 else None,
            "assignee": "bench@shop.test" if conversation_id % 5 == 0 else None}


def signed_in_client(app: Any) -> Any:
    client = app.test_client()
    client.get("/console/login")
    with client.session_transaction() as session:
        token = session["csrf"]
    answer = client.post("/console/login", data={"email": "bench@shop.test", "password": "bench-password-1", "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    return client


def timed(client: Any, path: str, requests: int, check: Callable[[Any], bool]) -> list[float]:
    client.get(path)  # warm the template cache
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200 or not check(answer):
            raise RuntimeError(f"{path} answered {answer.status_code}")
    return times


def bench_pages(runtime: Any, label: str, open_items: int, messages: int, requests: int) -> None:
    regular = seed_pages(runtime, open_items, messages)
    app = create_app(runtime=runtime)
    client = signed_in_client(app)
    base = timed(client, "/healthz", requests, lambda a: True)
    base_p95 = percentile(base, 0.95)
    say(f"  [{label}] baseline GET /healthz: median {statistics.median(base):.1f} ms, p95 {base_p95:.1f} ms")
    pages = [(f"queue page ({open_items:,} open)", "/console/queue", lambda a: a.data.count(b"<tr class=\"priority-") == 200),
             (f"queue JSON ({open_items:,} open)", "/console/queue.json", lambda a: a.json["total"] == open_items),
             (f"customer page ({messages:,} messages)", f"/console/customers/{regular}", lambda a: b"&lt;script&gt;" in a.data),
             (f"conversation page ({messages:,} messages)", f"/console/conversations/{open_items + 1}", lambda a: b"reply-text" in a.data)]
    for name, path, check in pages:
        times = timed(client, path, requests, check)
        p95 = percentile(times, 0.95)
        say(f"  [{label}] {name}: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms; p95 ratio to baseline "
            f"{p95 / base_p95:.1f}x; target p95 <= 300 ms: {'met' if p95 <= 300 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: smaller numbers")
    args = parser.parse_args()
    customers, rounds, requests = (20_000, 1, 30) if args.quick else (100_000, 3, 100)
    server = PostgresServer().start()
    data_dir = tempfile.mkdtemp(prefix="bench-console-")
    try:
        say(f"a. planning a broadcast (PostgreSQL, {customers:,} customers, 10 % control group)")
        runtime = runtime_for(server.create_database("bench_plan"), data_dir)
        started = time.perf_counter()
        seed_customers(runtime, customers)
        say(f"  (seeded in {time.perf_counter() - started:.1f} s)")
        bench_planning(runtime, customers, rounds)
        runtime.close()
        say(f"b. pages ({requests} requests each, server time)")
        runtime = runtime_for(server.create_database("bench_pages"), data_dir)
        bench_pages(runtime, "PostgreSQL", 10_000, 5_000, requests)
        runtime.close()
        runtime = runtime_for(f"sqlite:///{data_dir}/bench.db", data_dir)
        bench_pages(runtime, "SQLite", 10_000, 5_000, requests)
        runtime.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
