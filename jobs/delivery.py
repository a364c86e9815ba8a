"""Delivery: claim due outbox rows with a lease, send them, record sent / retry / failed.

Nothing is lost: a row is only finished by an UPDATE that names this worker as the lease owner,
so a worker that dies leaves its rows to come back when the lease expires. Nothing is sent twice:
the retried request carries the same idempotency key (LINE answers 409 to a repeat, which counts
as sent), and a reply handle that may already have been used is never traded for a push.
Rows to one address go out in order: a row waits while an earlier one to the same address is
still pending. Rate limits that a channel declares are reserved before the send (`jobs/ratelimit.py`):
a short wait is slept, a longer one defers the row without using an attempt. A marketing row is
sent only to recipients who still give marketing consent at that moment (`jobs/marketing_gate.py`).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot import pipeline
from bot.config import WorkerSettings
from bot.events import Inbound, Outbound
from bot.web.metrics import DELIVERY
from channels.base import Channel, Deferred, Delivery, DeliveryError, SendResult, rate_limits_of
from jobs import marketing_gate
from jobs.claimed import Claimed
from jobs.ratelimit import Limiter, MemoryLimiter
from models import OutboxMessage, utcnow

log = logging.getLogger(__name__)
# Send a reply handle only while there is time left for the request itself.
REPLY_SAFETY_MARGIN = timedelta(seconds=2)


def claim_due(sessions: sessionmaker[Session], owner: str, *, limit: int, lease_seconds: float,
              now: datetime | None = None) -> list[Claimed]:
    """Lease up to `limit` due rows; each comes back with the reply handle it may use."""
    now = now or utcnow()
    lease_free = or_(OutboxMessage.lease_expires_at.is_(None), OutboxMessage.lease_expires_at < now)
    with sessions.begin() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now, lease_free,
                   OutboxMessage.id == _address_head())
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=OutboxMessage)
        ).all()
        if not rows:
            return []
        use_reply = [r.id for r in rows if r.reply_token and (r.reply_attempted or _fresh(r, now))]
        # Snapshot before the UPDATE: it would refresh these objects to the new values.
        by_id = {row.id: _claimed(row, row.id in use_reply) for row in rows}
        claimed_ids = set(session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(by_id), OutboxMessage.status == "pending", lease_free)
            .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=lease_seconds),
                    attempts=OutboxMessage.attempts + 1,
                    reply_attempted=or_(OutboxMessage.reply_attempted, OutboxMessage.id.in_(use_reply)))
            .returning(OutboxMessage.id)
        ).all())
        return [by_id[i] for i in sorted(claimed_ids)]


def _address_head() -> Any:
    """The oldest pending row to the same address as the outer row: only that one may go out
    (per-address order: a row waits while an earlier one to its address is still pending).

    Why a correlated `ORDER BY id LIMIT 1` and not `NOT EXISTS (an earlier pending row)`: the
    planner turns NOT EXISTS into an anti join, and on a fresh database (no ANALYZE yet) it
    estimated one row and scanned the whole pending index for every due row (657 ms per claim
    with 2,000 rows waiting, against 0.1 ms after ANALYZE). A LIMIT keeps the subquery a per-row
    probe of `ix_outbox_address_pending` (channel, address, id), whatever the statistics say
    (tests/jobs/test_outbox_claim_plan.py)."""
    earlier = aliased(OutboxMessage)
    return (select(earlier.id)
            .where(earlier.channel == OutboxMessage.channel, earlier.address == OutboxMessage.address,
                   earlier.status == "pending")
            .order_by(earlier.id).limit(1).scalar_subquery())


def _fresh(row: OutboxMessage, now: datetime) -> bool:
    return row.reply_token_expires_at is not None and row.reply_token_expires_at - REPLY_SAFETY_MARGIN > now


def _claimed(row: OutboxMessage, use_reply: bool) -> Claimed:
    delivery = Delivery(
        address=row.address,
        messages=[Outbound.from_json(m) for m in row.messages],
        idempotency_key=row.idempotency_key,
        recipients=tuple(row.recipients or ()),
        reply_token=row.reply_token if use_reply else None,
        reply_attempted_before=bool(row.reply_attempted),
        purpose=row.purpose,
        conversation_id=row.conversation_id,
    )
    return Claimed(row.id, row.channel, delivery, row.attempts + 1, row.created_at)


# Used when the caller passes none (tests of channels without limits); the worker passes its own.
_DEFAULT_LIMITER = MemoryLimiter()


def deliver_due(sessions: sessionmaker[Session], channels: Mapping[str, Channel], owner: str,
                settings: WorkerSettings, *, now: datetime | None = None, rng: random.Random | None = None,
                limiter: Limiter | None = None) -> int:
    """Claim one batch and send it. Returns how many rows were claimed.

    The batch's plain successes are recorded together at its end, in one statement and one
    transaction (they were one transaction each). That keeps every guarantee: a row stays pending
    and leased until its outcome is written, so nothing behind it to the same address goes first,
    and a worker that dies before writing leaves rows that come back with the same retry key and
    with `reply_attempted` already set (a used reply token is never traded for a push)."""
    batch = claim_due(sessions, owner, limit=settings.batch_size, lease_seconds=settings.lease_seconds, now=now)
    sent: list[dict[str, Any]] = []
    try:
        for claimed in batch:
            send_one(sessions, channels, owner, settings, claimed, rng=rng, limiter=limiter, sent=sent)
    finally:
        _finish_sent(sessions, owner, sent)
    return len(batch)


def send_one(sessions: sessionmaker[Session], channels: Mapping[str, Channel], owner: str,
             settings: WorkerSettings, claimed: Claimed, *, rng: random.Random | None = None,
             limiter: Limiter | None = None, sent: list[dict[str, Any]] | None = None) -> str:
    """Send one claimed row and record its outcome; with `sent`, a success that brought no events
    back is added to that list instead, for the caller to record with others (`_finish_sent`)."""
    if claimed.delivery.purpose == "marketing":
        admitted = marketing_gate.admit(sessions, claimed, owner)
        if admitted is None:
            return "withheld"
        claimed = admitted
    channel = channels.get(claimed.channel)
    limiter = limiter or _DEFAULT_LIMITER
    try:
        if channel is None:
            raise DeliveryError(f"channel {claimed.channel!r} is not configured", retryable=False)
        wait = limiter.reserve(rate_limits_of(channel, claimed.delivery))
        if wait > 0:
            time.sleep(wait)
        result = channel.send(claimed.delivery)
    except Deferred as exc:
        return _defer(sessions, owner, claimed, exc.retry_after)
    except DeliveryError as exc:
        if exc.pause and exc.retry_after:
            limiter.pause(exc.pause, exc.retry_after)
        return _observed(claimed, _record_failure(sessions, owner, settings, claimed, exc, rng or random.Random()))
    except Exception as exc:  # a bug in an adapter must not kill the worker or lose the row
        log.exception("delivery of outbox row %s crashed", claimed.id)
        error = DeliveryError(f"adapter error: {type(exc).__name__}: {exc}", retryable=True, maybe_sent=True)
        return _observed(claimed, _record_failure(sessions, owner, settings, claimed, error, rng or random.Random()))
    outcome = {"row_id": claimed.id, "b_sent_at": utcnow(), "b_transport": result.transport,
               "b_platform_ids": list(result.platform_ids), "b_last_error": _duplicate_note(result)}
    if sent is not None and not result.events:
        sent.append(outcome)
    else:
        _finish(sessions, claimed.id, owner, status="sent", sent_at=outcome["b_sent_at"], transport=result.transport,
                platform_ids=outcome["b_platform_ids"], last_error=outcome["b_last_error"], events=result.events)
    DELIVERY.sent(claimed.channel, claimed.delivery.purpose, claimed.queued_at)
    return _observed(claimed, "sent")


def _observed(claimed: Claimed, outcome: str) -> str:
    """Count one send attempt for `/metrics` (sent, retry or failed) and pass the outcome on."""
    DELIVERY.attempt(claimed.channel, outcome)
    return outcome


def _defer(sessions: sessionmaker[Session], owner: str, claimed: Claimed, seconds: float) -> str:
    """Put the row back for later and give back the attempt its claim counted: nothing was tried."""
    values: dict[str, Any] = {"attempts": OutboxMessage.attempts - 1}
    if claimed.delivery.reply_token:
        values["reply_attempted"] = claimed.delivery.reply_attempted_before
    _finish(sessions, claimed.id, owner, status="pending", next_attempt_at=utcnow() + timedelta(seconds=seconds), **values)
    return "deferred"


def _duplicate_note(result: SendResult) -> str | None:
    return "platform reported an earlier identical request as accepted" if result.duplicate else None


def _record_failure(sessions: sessionmaker[Session], owner: str, settings: WorkerSettings, claimed: Claimed,
                    exc: DeliveryError, rng: random.Random) -> str:
    values: dict[str, Any] = {"last_error": exc.reason[:2000]}
    if exc.reply_token_dead:
        values.update(reply_token=None, reply_attempted=False)
    elif claimed.delivery.reply_token and not exc.maybe_sent:
        values["reply_attempted"] = False  # the platform certainly did not use the handle
    if not exc.retryable or claimed.attempts >= settings.max_attempts:
        log.warning("outbox row %s failed after %s attempts: %s", claimed.id, claimed.attempts, exc.reason[:200])
        _finish(sessions, claimed.id, owner, status="failed", events=exc.events, **values)
        return "failed"
    delay = exc.retry_after or backoff_seconds(claimed.attempts, settings.backoff_base_seconds,
                                               settings.backoff_max_seconds, rng)
    _finish(sessions, claimed.id, owner, status="pending", next_attempt_at=utcnow() + timedelta(seconds=delay),
            events=exc.events, **values)
    return "retry"


def backoff_seconds(attempts: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with jitter: between half and all of min(cap, base * 2^(n-1))."""
    ceiling = min(cap, base * (2 ** max(attempts - 1, 0)))
    return ceiling * (0.5 + rng.random() / 2)


_OUTBOX = cast("Table", OutboxMessage.__table__)
# Bound names differ from the columns' (SQLAlchemy reserves a column's own name in SET).
_FINISH_SENT = (update(_OUTBOX)
                .where(_OUTBOX.c.id == bindparam("row_id"), _OUTBOX.c.lease_owner == bindparam("owner"))
                .values(status="sent", lease_owner=None, lease_expires_at=None,
                        sent_at=bindparam("b_sent_at", type_=_OUTBOX.c.sent_at.type),
                        transport=bindparam("b_transport", type_=_OUTBOX.c.transport.type),
                        platform_ids=bindparam("b_platform_ids", type_=_OUTBOX.c.platform_ids.type),
                        last_error=bindparam("b_last_error", type_=_OUTBOX.c.last_error.type)))


def _finish_sent(sessions: sessionmaker[Session], owner: str, sent: Sequence[dict[str, Any]]) -> None:
    """Record a batch's successes in one statement (an executemany: one pipelined round trip on
    PostgreSQL), each only where this worker still holds the row's lease."""
    if not sent:
        return
    with sessions.kw["bind"].begin() as connection:
        connection.execute(_FINISH_SENT, [{**row, "owner": owner} for row in sent])


def _finish(sessions: sessionmaker[Session], row_id: int, owner: str, *, events: Sequence[Inbound] = (),
            **values: Any) -> bool:
    """Record the outcome if we still hold the lease, with what the platform told us, in one transaction.

    Without events it is one Core UPDATE on a bare connection: an ORM session costs about three
    times as much, and this runs once per message sent."""
    statement = (update(OutboxMessage)
                 .where(and_(OutboxMessage.id == row_id, OutboxMessage.lease_owner == owner))
                 .values(lease_owner=None, lease_expires_at=None, **values))
    if not events:
        with sessions.kw["bind"].begin() as connection:
            return connection.execute(statement).rowcount == 1
    with sessions.begin() as session:
        finished = cast("CursorResult[Any]", session.execute(statement)).rowcount == 1
        if finished:
            pipeline.accept(session, events)
        return finished
