"""Delivery through the real line-bot-sdk client to the LINE stand-in: reply vs push, retries with
the same retry key, 409, failures with reasons, timeouts, multicast chunks, per-address order."""

from __future__ import annotations

import random
import time
from datetime import timedelta

import requests
from sqlalchemy import select

from bot import pipeline
from bot.events import Button, Outbound
from channels.line.adapter import LineChannel
from jobs.delivery import backoff_seconds, deliver_due
from models import OutboxMessage, utcnow
from tests.conftest import ACCESS_TOKEN

USER = "U00000000000000000000000000000001"


def enqueue(runtime, texts, *, reply_token=None, token_age=0.0, address=USER):
    expires = utcnow() + timedelta(seconds=50 - token_age) if reply_token else None
    with runtime.sessions.begin() as session:
        rows = pipeline.enqueue(session, "line", address, [Outbound(t) for t in texts],
                                reply_token=reply_token, reply_token_expires_at=expires)
        return [r.id for r in rows]


def row(db, row_id) -> OutboxMessage:
    return db.get(OutboxMessage, row_id)


def deliver_after_backoff(worker, rounds=1):
    for _ in range(rounds):
        time.sleep(0.08)  # the test settings back off 10-50 ms
        worker.deliver_once()


def test_fresh_reply_token_is_used(runtime, worker, standin, db):
    [row_id] = enqueue(runtime, ["hi"], reply_token="tok-1")
    assert worker.deliver_once() == 1
    assert [d["kind"] for d in standin.deliveries] == ["reply"]
    assert row(db, row_id).status == "sent" and row(db, row_id).transport == "reply"
    assert row(db, row_id).platform_ids  # LINE's sent message ids are kept


def test_expired_reply_token_falls_back_to_push_with_the_retry_key(runtime, worker, standin, db):
    [row_id] = enqueue(runtime, ["late"], reply_token="tok-2", token_age=55)
    worker.deliver_once()
    [delivery] = standin.deliveries
    assert delivery["kind"] == "push" and delivery["to"] == [USER]
    assert delivery["retry_key"] == row(db, row_id).idempotency_key


def test_500_then_success_with_the_same_retry_key(runtime, worker, standin, db):
    [row_id] = enqueue(runtime, ["once"])
    standin.add_fault("/v2/bot/message/push", status=500, times=1)
    worker.deliver_once()
    assert row(db, row_id).status == "pending" and "500" in row(db, row_id).last_error
    deliver_after_backoff(worker)
    assert row(db, row_id).status == "sent" and row(db, row_id).attempts == 2
    keys = [r["retry_key"] for r in standin.requests if r["path"] == "/v2/bot/message/push"]
    assert keys == [row(db, row_id).idempotency_key] * 2
    assert len(standin.deliveries) == 1


def test_409_for_an_already_accepted_retry_key_counts_as_sent(runtime, worker, standin, db):
    [row_id] = enqueue(runtime, ["already there"])
    key = row(db, row_id).idempotency_key
    # As if an earlier attempt got through and the worker died before recording it.
    first = requests.post(f"{standin.url}/v2/bot/message/push", timeout=5,
                          json={"to": USER, "messages": [{"type": "text", "text": "already there"}]},
                          headers={"Authorization": f"Bearer {ACCESS_TOKEN}", "X-Line-Retry-Key": key})
    assert first.status_code == 200
    worker.deliver_once()
    assert row(db, row_id).status == "sent"
    assert "earlier identical request" in row(db, row_id).last_error
    assert len(standin.deliveries) == 1


def test_a_4xx_fails_with_the_reason_kept_and_429_retries(runtime, worker, standin, db):
    [bad, throttled] = [enqueue(runtime, ["x"], address=a)[0] for a in ("Ubad", "Uthrottled")]
    standin.add_fault("/v2/bot/message/push", status=400, times=1)
    worker.deliver_once()
    assert row(db, bad).status == "failed" and "LINE answered 400" in row(db, bad).last_error
    assert row(db, throttled).status == "sent"
    [again] = enqueue(runtime, ["y"], address="Uthrottled")
    standin.add_fault("/v2/bot/message/push", status=429, times=1)
    worker.deliver_once()
    assert row(db, again).status == "pending" and "429" in row(db, again).last_error
    deliver_after_backoff(worker)
    assert row(db, again).status == "sent"


def test_attempts_exhausted_fails_with_the_reason(runtime, worker, standin, db):
    settings = runtime.settings.replace(worker={"max_attempts": 3})
    [row_id] = enqueue(runtime, ["doomed"])
    standin.add_fault("/v2/bot/message/push", status=503, times=10)
    for _ in range(3):
        deliver_due(runtime.sessions, runtime.channels, "w", settings.worker)
        time.sleep(0.08)
    final = row(db, row_id)
    assert (final.status, final.attempts) == ("failed", 3) and "503" in final.last_error


def test_read_timeout_retries_and_is_delivered_once(runtime, standin, settings, db):
    slow = {"line": LineChannel("s", ACCESS_TOKEN, standin.url, connect_timeout=1, read_timeout=0.3)}
    [row_id] = enqueue(runtime, ["slow"])
    standin.add_fault("/v2/bot/message/push", status=200, times=1, delay=0.8)
    deliver_due(runtime.sessions, slow, "w", settings.worker)
    assert row(db, row_id).status == "pending" and "Timeout" in row(db, row_id).last_error
    time.sleep(0.8)  # the stand-in finishes the slow request: LINE did deliver it
    deliver_due(runtime.sessions, slow, "w", settings.worker)
    assert row(db, row_id).status == "sent"
    assert len(standin.deliveries) == 1


def test_reply_500_then_the_token_is_used_again_while_fresh(runtime, worker, standin, db):
    [row_id] = enqueue(runtime, ["r"], reply_token="tok-3")
    standin.add_fault("/v2/bot/message/reply", status=500, times=1)
    worker.deliver_once()
    assert row(db, row_id).reply_attempted is False  # a 500 means LINE did not use the token
    deliver_after_backoff(worker)
    assert [d["kind"] for d in standin.deliveries] == ["reply"]


def test_a_possibly_used_reply_token_is_never_traded_for_a_push(runtime, worker, standin, db):
    [row_id] = enqueue(runtime, ["maybe sent"], reply_token="tok-4")
    requests.post(f"{standin.url}/v2/bot/message/reply", timeout=5,
                  json={"replyToken": "tok-4", "messages": [{"type": "text", "text": "maybe sent"}]},
                  headers={"Authorization": f"Bearer {ACCESS_TOKEN}"})
    with runtime.sessions.begin() as session:  # as if a worker died right after using the token
        session.get(OutboxMessage, row_id).reply_attempted = True
    worker.deliver_once()
    assert row(db, row_id).status == "sent"
    assert len(standin.deliveries) == 1


def test_an_unusable_reply_token_on_first_use_falls_back_to_push(runtime, worker, standin, db):
    [row_id] = enqueue(runtime, ["fallback"], reply_token="tok-5")
    requests.post(f"{standin.url}/v2/bot/message/reply", timeout=5,
                  json={"replyToken": "tok-5", "messages": [{"type": "text", "text": "someone else"}]},
                  headers={"Authorization": f"Bearer {ACCESS_TOKEN}"})
    worker.deliver_once()
    assert row(db, row_id).transport == "push"
    assert [d["kind"] for d in standin.deliveries] == ["reply", "push"]


def test_multicast_in_chunks_of_500_recipients_and_5_messages(runtime, worker, standin, db):
    recipients = [f"U{i:032x}" for i in range(1201)]
    with runtime.sessions.begin() as session:
        # transactional: these addresses have no customer records, and marketing is only sent to consenting customers
        rows = pipeline.enqueue_multicast(session, "line", recipients, [Outbound(f"m{i}") for i in range(7)], purpose="transactional")
    assert len(rows) == 6
    worker.drain()
    multicasts = [d for d in standin.deliveries if d["kind"] == "multicast"]
    assert len(multicasts) == 6
    assert max(len(d["to"]) for d in multicasts) == 500 and max(len(d["messages"]) for d in multicasts) == 5
    received = {}
    for d in multicasts:
        for user in d["to"]:
            received.setdefault(user, []).extend(m["text"] for m in d["messages"])
    assert len(received) == 1201 and all(sorted(v) == sorted(f"m{i}" for i in range(7)) for v in received.values())
    assert len({d["retry_key"] for d in multicasts}) == 6


def test_messages_to_one_address_go_out_in_order(runtime, worker, standin, db):
    first, second = enqueue(runtime, ["1st"])[0], enqueue(runtime, ["2nd"])[0]
    other = enqueue(runtime, ["other"], address="Uother")[0]
    standin.add_fault("/v2/bot/message/push", status=500, times=1)
    worker.deliver_once()
    assert row(db, first).status == "pending" and row(db, second).status == "pending"
    assert row(db, other).status == "sent"  # another address is not held up
    deliver_after_backoff(worker, rounds=2)
    texts = [d["messages"][0]["text"] for d in standin.deliveries if d["to"] == [USER]]
    assert texts == ["1st", "2nd"]


def test_buttons_render_as_a_template_and_long_text_as_quick_replies(runtime, worker, standin):
    buttons = (Button("A", "a"), Button("B", "b"))
    with runtime.sessions.begin() as session:
        pipeline.enqueue(session, "line", USER, [Outbound("pick", buttons=buttons), Outbound("x" * 300, buttons=buttons)])
    worker.deliver_once()
    short, long = standin.deliveries[0]["messages"]
    assert short["type"] == "template" and [a["data"] for a in short["template"]["actions"]] == ["a", "b"]
    assert long["type"] == "text" and [i["action"]["data"] for i in long["quickReply"]["items"]] == ["a", "b"]


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    rng = random.Random(7)
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (10, 600)]:
        delays = [backoff_seconds(attempt, 2, 600, rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1


def test_rows_with_an_unconfigured_channel_fail_with_a_reason(runtime, worker, db):
    with runtime.sessions.begin() as session:
        [bad] = pipeline.enqueue(session, "carrier-pigeon", "X", [Outbound("coo")])
    worker.deliver_once()
    failed = db.scalar(select(OutboxMessage).where(OutboxMessage.id == bad.id))
    assert failed.status == "failed" and "not configured" in failed.last_error
