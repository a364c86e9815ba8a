"""Telegram delivery through the real python-telegram-bot client to the Bot API stand-in: flood
limits held without a single 429, RetryAfter pausing the whole bot, Forbidden and migrated chats
turned into events the handlers act on, timeouts retried, and one Bot on one loop per process."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from bot import pipeline
from bot.events import Outbound
from bot.worker import Worker
from channels.base import Delivery, DeliveryError
from channels.telegram.adapter import TelegramChannel
from channels.telegram.standin import TelegramStandin
from jobs.ratelimit import DatabaseLimiter, MemoryLimiter
from models import ChannelIdentity, Consent, Conversation, OutboxMessage
from tests.channels.conftest import TELEGRAM_SECRET, TELEGRAM_TOKEN
from tests.channels.telegram_chat import texts


def enqueue(runtime, chat, *messages, purpose="reply"):
    with runtime.sessions.begin() as session:
        return [r.id for r in pipeline.enqueue(session, "telegram", str(chat), [Outbound(m) for m in messages],
                                               purpose=purpose)]


def row(db, row_id) -> OutboxMessage:
    return db.get(OutboxMessage, row_id)


def run_worker_until(worker: Worker, done, timeout: float = 30) -> None:
    worker.start()
    try:
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert done(), "the worker did not finish in time"


@pytest.fixture
def real_limits():
    """A stand-in and a channel with Telegram's real numbers: 30/s, 1/s per chat, 20/min per group."""
    standin = TelegramStandin(TELEGRAM_TOKEN)
    standin.start()
    channel = TelegramChannel(TELEGRAM_TOKEN, TELEGRAM_SECRET, standin.url)
    yield standin, channel
    channel.close()
    standin.stop()


def test_the_stand_in_throttles_a_sender_that_ignores_the_limits(real_limits):
    """Without it the next test could not fail: 40 messages as fast as possible get 429s."""
    standin, channel = real_limits
    outcomes = []
    for index in range(40):
        try:
            channel.send(Delivery(str(5000 + index), [Outbound("hi")], f"naive-{index}"))
            outcomes.append("sent")
        except DeliveryError as exc:
            outcomes.append(exc.status)
    assert 429 in outcomes and standin.throttled > 0


def test_the_worker_holds_every_limit_with_no_429(runtime, real_limits, db):
    standin, channel = real_limits
    group = -100777
    ids = [i for n in range(45) for i in enqueue(runtime, 6000 + n, f"broadcast {n}")]
    ids += enqueue(runtime, 7000, "one", "two", "three")
    ids += enqueue(runtime, group, "g1", "g2")
    worker = Worker(runtime.settings, runtime.sessions, runtime.router, {"telegram": channel}, owner="limits",
                    limiter=MemoryLimiter())
    run_worker_until(worker, lambda: all(row(db, i).status == "sent" for i in ids), timeout=40)
    assert standin.throttled == 0
    times = sorted(d["at"] for d in standin.deliveries)
    assert len(times) == 50
    # 30 per second overall, with a catch-up allowance of 3: any 34 consecutive sends span a second
    assert min(b - a for a, b in zip(times, times[33:], strict=False)) > 0.95
    chat_times = [d["at"] for d in standin.messages_for("7000")]
    assert [d["text"] for d in standin.messages_for("7000")] == ["one", "two", "three"]
    assert min(b - a for a, b in zip(chat_times, chat_times[1:], strict=False)) > 0.95
    group_times = [d["at"] for d in standin.messages_for(str(group))]
    assert group_times[1] - group_times[0] > 2.9  # 20 per minute
    assert max(row(db, i).attempts for i in ids) == 1  # waits for a slot never used up an attempt


def test_retry_after_pauses_the_whole_bot_for_the_time_telegram_asks(runtime, worker, telegram, db):
    telegram.add_fault("sendMessage", status=429)
    [first] = enqueue(runtime, 8001, "first")
    [other] = enqueue(runtime, 8002, "other chat")
    started = time.time()
    worker.deliver_once()
    throttled = row(db, first)
    assert throttled.status == "pending" and "wait 1 s" in throttled.last_error
    # The other chat never hit a limit, but the whole bot was paused: it went out a second later.
    assert telegram.messages_for("8002")[0]["at"] - started >= 0.95
    time.sleep(0.3)
    worker.drain()
    assert {row(db, first).status, row(db, other).status} == {"sent"}


def test_forbidden_fails_the_row_and_marks_the_customer_unreachable_and_opted_out(tg, runtime, telegram, db):
    tg.say("/start")
    telegram.blocked.add(str(tg.user))
    [row_id] = enqueue(runtime, tg.user, "spring sale", purpose="marketing")
    tg.replies()
    failed = row(db, row_id)
    assert failed.status == "failed" and "403" in failed.last_error and failed.attempts == 1
    identity = db.scalar(select(ChannelIdentity).where(ChannelIdentity.channel == "telegram"))
    assert identity.reachable is False
    consent = db.scalar(select(Consent).where(Consent.channel == "telegram", Consent.purpose == "marketing"))
    assert consent.granted is False


def test_a_migrated_group_gets_the_message_and_the_conversation_moves(tg, runtime, telegram, db):
    from bot.devtools.chat_telegram import membership_update

    tg.send(membership_update(tg.user, "member", chat_id=-555, chat_type="group", old_status="left"))
    telegram.migrated["-555"] = "-100555"
    [row_id] = enqueue(runtime, -555, "reading club at 3 pm")
    tg.replies()
    assert row(db, row_id).status == "sent"
    assert texts(telegram.messages_for("-100555")) == ["reading club at 3 pm"]
    assert db.all(select(Conversation.address).where(Conversation.kind == "group")) == ["-100555"]


def test_a_timeout_is_retried(runtime, telegram, settings, db):
    slow = {"telegram": TelegramChannel(TELEGRAM_TOKEN, TELEGRAM_SECRET, telegram.url, connect_timeout=1, read_timeout=0.3)}
    worker = Worker(runtime.settings, runtime.sessions, runtime.router, slow, owner="slow")
    [row_id] = enqueue(runtime, 9001, "slow")
    telegram.add_fault("sendMessage", status=200, delay=0.8)
    worker.deliver_once()
    assert row(db, row_id).status == "pending" and "TimedOut" in row(db, row_id).last_error
    time.sleep(0.8)
    worker.drain()
    assert row(db, row_id).status == "sent"
    slow["telegram"].close()


def test_one_bot_on_one_event_loop_thread_serves_every_delivery_thread(runtime, telegram, db):
    channel = runtime.channels["telegram"]
    errors = []

    def send(n: int) -> None:
        try:
            channel.send(Delivery(str(9100 + n), [Outbound(f"m{n}")], f"k{n}"))
        except Exception as exc:  # collected: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(telegram.deliveries) == 6
    loops = [t for t in threading.enumerate() if t.name == "telegram-bot"]
    assert loops == [channel._loop.thread]


def test_database_slots_are_shared_between_processes(runtime):
    """Two limiters (two processes) on one database never hand out slots closer than the interval."""
    from channels.base import RateLimit

    limiters = [DatabaseLimiter(runtime.sessions), DatabaseLimiter(runtime.sessions)]
    interval = 0.15  # wide enough that thread-scheduling jitter on a busy machine stays well below it
    limit = [RateLimit("telegram:test", interval)]
    slots: list[float] = []
    lock = threading.Lock()

    def take(limiter: DatabaseLimiter) -> None:
        for _ in range(4):
            wait = limiter.reserve(limit, max_wait=5)
            with lock:
                slots.append(time.time() + wait)

    threads = [threading.Thread(target=take, args=(limiter,)) for limiter in limiters for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slots.sort()
    assert len(slots) == 16
    # Slots are read a moment after each reservation commits, so allow some jitter; a shared slot
    # would show as a gap near zero, and the whole run must take its 15 intervals.
    assert min(b - a for a, b in zip(slots, slots[1:], strict=False)) > interval / 2
    assert slots[-1] - slots[0] > 15 * interval * 0.95


def test_a_wait_longer_than_a_thread_should_sleep_defers_without_reserving(runtime):
    from channels.base import Deferred, RateLimit

    limiter = DatabaseLimiter(runtime.sessions)
    limit = [RateLimit("telegram:group:-1", 3.0)]
    assert limiter.reserve(limit) == pytest.approx(0, abs=0.05)
    with pytest.raises(Deferred) as deferred:
        limiter.reserve(limit, max_wait=1.5)
    assert 2.5 < deferred.value.retry_after <= 3.0
    with pytest.raises(Deferred) as again:  # the deferral reserved nothing
        limiter.reserve(limit, max_wait=1.5)
    assert again.value.retry_after <= deferred.value.retry_after
