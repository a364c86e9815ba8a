"""The worker's LINE audience upload against the LINE stand-in: chunks of 10,000 with progress
committed after each, retried later on 429/5xx with the same chunk (never a second audience),
failed with LINE's reason on a 400, a lost creation found again by its description, and the
stand-in refusing a retry key on these endpoints as LINE does."""

from __future__ import annotations

from datetime import timedelta

import requests
from sqlalchemy import select

from bot.marketing import audiences
from channels.line.audiences import LineAudiences
from jobs.line_audiences import MAX_ATTEMPTS
from models import ChannelIdentity, Consent, LineAudience, Segment
from tests.conftest import ACCESS_TOKEN
from tests.console.factories import add_customer

UPLOAD = "/v2/bot/audienceGroup/upload"


def _audience(runtime, count: int, clock) -> int:
    """A segment of `count` consenting LINE customers, asked to be uploaded now."""
    with runtime.sessions.begin() as s:
        for n in range(count):
            add_customer(s, f"Fan {n}", line=f"U{n:032x}", consent=("line",), region="台北市")
        segment = Segment(name="台北 " + "很長" * 48, criteria={"regions": ["台北市"]})
        s.add(segment)
        s.flush()
        return audiences.upload_segment(s, segment, "marketer@shop.test", now=clock.now()).id


def _bulk_audience(runtime, count: int, clock) -> int:
    """Like `_audience` but with the ids written straight on the row (25,000 customers take too long)."""
    with runtime.sessions.begin() as s:
        row = LineAudience(description=f"bulk {count}", user_count=count, created_by="t", status="pending",
                           user_ids=[f"U{n:032x}" for n in range(count)], due_at=clock.now())
        s.add(row)
        s.flush()
        return row.id


def _uploads(standin) -> list[dict]:
    return [r for r in standin.requests if r["path"] == UPLOAD]


def test_the_console_only_queues_and_the_worker_sends_in_chunks(runtime, worker, standin, clock, db):
    audience_id = _bulk_audience(runtime, 25000, clock)
    assert db.get(LineAudience, audience_id).status == "pending" and standin.audiences == {}
    worker.line_tasks_once()
    row = db.get(LineAudience, audience_id)
    assert (row.status, row.uploaded, row.user_ids) == ("IN_PROGRESS", 25000, None)
    assert len(_uploads(standin)) == 3 and all(r["retry_key"] is None for r in _uploads(standin))
    assert len(standin.audiences[row.audience_group_id]["user_ids"]) == 25000
    worker.line_tasks_once()  # nothing is sent twice
    assert len(_uploads(standin)) == 3 and len(standin.audiences) == 1


def test_a_5xx_or_429_is_retried_later_from_where_it_stopped(runtime, worker, standin, clock, db, monkeypatch):
    monkeypatch.setattr("jobs.line_audiences.CHUNKS_PER_RUN", 1)  # one request a tick, to fail the second
    audience_id = _bulk_audience(runtime, 15000, clock)
    standin.add_fault(UPLOAD, status=503, times=1)
    worker.line_tasks_once()
    row = db.get(LineAudience, audience_id)
    assert (row.status, row.uploaded, row.attempts) == ("pending", 0, 1) and "503" in row.error and standin.audiences == {}
    worker.line_tasks_once()  # not due yet
    assert db.get(LineAudience, audience_id).attempts == 1
    clock.set(clock.now() + timedelta(minutes=1))
    worker.line_tasks_once()  # the first chunk creates the group
    standin.add_fault(UPLOAD, status=429, times=1)
    worker.line_tasks_once()  # the second (the add) meets the 429
    row = db.get(LineAudience, audience_id)
    assert (row.status, row.uploaded, row.attempts) == ("uploading", 10000, 2) and "429" in row.error
    clock.set(clock.now() + timedelta(minutes=5))
    worker.line_tasks_once()
    row = db.get(LineAudience, audience_id)
    assert (row.status, row.uploaded, row.error) == ("IN_PROGRESS", 15000, None)
    assert len(_uploads(standin)) == 4  # 503, create, 429, add: every id went once
    assert len(standin.audiences) == 1 and len(standin.audiences[row.audience_group_id]["user_ids"]) == 15000


def test_a_refusal_fails_with_lines_reason(runtime, worker, standin, clock, db):
    with runtime.sessions.begin() as s:
        row = LineAudience(description="bad ids", user_count=1, created_by="t", status="pending", user_ids=["not-a-user"],
                           due_at=clock.now())
        s.add(row)
        s.flush()
        audience_id = row.id
    worker.line_tasks_once()
    row = db.get(LineAudience, audience_id)
    assert row.status == "failed" and row.due_at is None and "audiences[0].id" in row.error and row.attempts == 1


def test_retryable_failures_give_up_after_the_last_attempt(runtime, worker, standin, clock, db):
    audience_id = _bulk_audience(runtime, 3, clock)
    standin.add_fault(UPLOAD, status=500, times=MAX_ATTEMPTS)
    for _ in range(MAX_ATTEMPTS):
        worker.line_tasks_once()
        clock.set(clock.now() + timedelta(hours=1))
    row = db.get(LineAudience, audience_id)
    assert (row.status, row.attempts, row.due_at) == ("failed", MAX_ATTEMPTS, None) and "500" in row.error


def test_a_creation_whose_answer_was_lost_is_found_not_made_twice(runtime, worker, standin, clock, db):
    audience_id = _audience(runtime, 3, clock)
    description = db.get(LineAudience, audience_id).description
    assert len(description) <= 120 and description.endswith(f"#{audience_id}")
    client = LineAudiences(ACCESS_TOKEN, runtime.settings.line.api_base)
    group_id = client.create(description, [f"U{0:032x}"])  # LINE took it, then the worker died before its commit
    client.close()
    worker.line_tasks_once()
    row = db.get(LineAudience, audience_id)
    assert (row.audience_group_id, row.status) == (group_id, "IN_PROGRESS") and len(standin.audiences) == 1
    assert standin.audiences[group_id]["user_ids"] == {f"U{n:032x}" for n in range(3)}


def test_a_segment_without_reachable_customers_fails_at_once(runtime, clock, db):
    with runtime.sessions.begin() as s:
        segment = Segment(name="empty", criteria={"regions": ["花蓮縣"]})
        s.add(segment)
        s.flush()
        row = audiences.upload_segment(s, segment, "m@shop.test", now=clock.now())
        assert (row.status, row.due_at) == ("failed", None) and "no customer" in row.error
    assert db.scalar(select(ChannelIdentity.id)) is None and db.scalar(select(Consent.id)) is None


def test_the_standin_refuses_a_retry_key_and_lists_by_description(runtime, standin):
    base = str(runtime.settings.line.api_base).rstrip("/")
    auth = {"Authorization": f"Bearer {ACCESS_TOKEN}"}
    body = {"description": "Spring #7", "audiences": [{"id": "U" + "0" * 32}]}
    refused = requests.post(f"{base}{UPLOAD}", json=body, headers={**auth, "X-Line-Retry-Key": "123e4567-e89b-12d3-a456-426614174000"}, timeout=10)
    assert refused.status_code == 400 and "retry key" in refused.json()["message"] and standin.audiences == {}
    assert requests.post(f"{base}{UPLOAD}", json=body, headers=auth, timeout=10).status_code == 202
    found = requests.get(f"{base}/v2/bot/audienceGroup/list", params={"page": 1, "description": "spring"}, headers=auth, timeout=10).json()
    assert [g["description"] for g in found["audienceGroups"]] == ["Spring #7"]
    assert requests.get(f"{base}/v2/bot/audienceGroup/list", params={"page": 0}, headers=auth, timeout=10).status_code == 400
