"""Leases: who may work on a conversation's events, and who leads the scheduler.

Every claim is a compare-and-set UPDATE that only succeeds where no live lease exists, so it is
correct on SQLite (one writer at a time) and on PostgreSQL (the UPDATE re-checks the row after a
concurrent writer commits). On PostgreSQL, `FOR UPDATE SKIP LOCKED` first picks rows nobody else
is claiming, so workers do not queue behind each other, and sorted keys avoid deadlocks.
A dead worker's leases simply expire and the work comes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Result, and_, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from models import InboxEvent, InboxLane, Lease, utcnow
from models.db import conflict_insert


def _free(column_expires: InstrumentedAttribute[datetime | None], now: datetime) -> ColumnElement[bool]:
    return or_(column_expires.is_(None), column_expires < now)


@dataclass(frozen=True)
class ClaimedLane:
    """One leased conversation: its pending events in order, and the attempt its first one is on.

    Why the head's attempt is counted in the claim's own transaction, before any handler runs: a
    count kept by the failure path is lost when that path fails too, and the event would then be
    retried forever. Counted here, it survives whatever happens after the claim."""

    key: str
    event_ids: tuple[int, ...]
    head_attempts: int


def claim_lanes(sessions: sessionmaker[Session], owner: str, *, limit: int, lease_seconds: float,
                events_per_lane: int, now: datetime | None = None) -> list[ClaimedLane]:
    """Lease up to `limit` conversations that have pending events and no live lease, and read up
    to `events_per_lane` of each one's pending events, in one transaction.

    Only `pending` events are claimed: `done`, `failed` and `rejected` ones are never looked at."""
    now = now or utcnow()
    with sessions.begin() as session:
        candidates = session.scalars(
            select(InboxEvent.lane_key)
            .outerjoin(InboxLane, InboxLane.key == InboxEvent.lane_key)
            .where(InboxEvent.status == "pending", _free(InboxLane.lease_expires_at, now))
            .group_by(InboxEvent.lane_key)
            .order_by(func.min(InboxEvent.occurred_at))
            .limit(limit)
        ).all()
        if not candidates:
            return []
        keys = sorted(candidates)
        session.execute(conflict_insert(session)(InboxLane).values([{"key": k} for k in keys]).on_conflict_do_nothing())
        free = session.scalars(
            select(InboxLane.key)
            .where(InboxLane.key.in_(keys), _free(InboxLane.lease_expires_at, now))
            .order_by(InboxLane.key)
            .with_for_update(skip_locked=True)
        ).all()
        if not free:
            return []
        claimed = session.scalars(
            update(InboxLane)
            .where(InboxLane.key.in_(free), _free(InboxLane.lease_expires_at, now))
            .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=lease_seconds))
            .returning(InboxLane.key)
        ).all()
        if not claimed:
            return []
        events = _pending_events(session, claimed, events_per_lane)
        heads = [ids[0] for ids in events.values()]
        attempts = dict(session.execute(
            update(InboxEvent).where(InboxEvent.id.in_(heads), InboxEvent.status == "pending")
            .values(attempts=InboxEvent.attempts + 1).returning(InboxEvent.id, InboxEvent.attempts)
        ).all()) if heads else {}
    return [ClaimedLane(key, tuple(events.get(key, ())), attempts.get(events[key][0], 0) if key in events else 0)
            for key in sorted(claimed)]


def _pending_events(session: Session, lanes: Sequence[str], per_lane: int) -> dict[str, list[int]]:
    """Up to `per_lane` pending event ids per lane, each lane's in arrival order."""
    position = func.row_number().over(partition_by=InboxEvent.lane_key, order_by=(InboxEvent.occurred_at, InboxEvent.id))
    ranked = (select(InboxEvent.lane_key, InboxEvent.id, position.label("position"))
              .where(InboxEvent.lane_key.in_(list(lanes)), InboxEvent.status == "pending").subquery())
    by_lane: dict[str, list[int]] = {}
    rows: Result[str, int] = session.execute(select(ranked.c.lane_key, ranked.c.id).where(ranked.c.position <= per_lane)
                           .order_by(ranked.c.lane_key, ranked.c.position))
    for lane, row_id in rows:
        by_lane.setdefault(lane, []).append(row_id)
    return by_lane


def release_lane(sessions: sessionmaker[Session], key: str, owner: str, *, hold_seconds: float = 0) -> None:
    """Give a lane back; `hold_seconds` keeps it leased a little longer, as a backoff after a failure."""
    until = utcnow() + timedelta(seconds=hold_seconds) if hold_seconds else None
    with sessions.begin() as session:
        session.execute(
            update(InboxLane)
            .where(InboxLane.key == key, InboxLane.lease_owner == owner)
            .values(lease_owner=None if until is None else owner, lease_expires_at=until)
        )


def release_lanes(sessions: sessionmaker[Session], keys: Sequence[str], owner: str) -> None:
    """Give back several lanes in one statement (the end of a worker's round)."""
    if not keys:
        return
    with sessions.begin() as session:
        session.execute(update(InboxLane).where(InboxLane.key.in_(list(keys)), InboxLane.lease_owner == owner)
                        .values(lease_owner=None, lease_expires_at=None))


def acquire_named(sessions: sessionmaker[Session], name: str, owner: str, *, ttl_seconds: float,
                  now: datetime | None = None) -> bool:
    """Take or renew a named lease; True while `owner` holds it."""
    now = now or utcnow()
    expires = now + timedelta(seconds=ttl_seconds)
    with sessions.begin() as session:
        session.execute(
            conflict_insert(session)(Lease).values(name=name, owner=owner, expires_at=expires).on_conflict_do_nothing()
        )
        # An UPDATE's result is a CursorResult (it has rowcount); Session.execute is typed as the base Result.
        result = cast("CursorResult[Any]", session.execute(
            update(Lease)
            .where(Lease.name == name, or_(Lease.owner == owner, Lease.expires_at < now))
            .values(owner=owner, expires_at=expires)
        ))
        return result.rowcount == 1


def release_named(sessions: sessionmaker[Session], name: str, owner: str) -> None:
    with sessions.begin() as session:
        session.execute(
            update(Lease).where(and_(Lease.name == name, Lease.owner == owner)).values(expires_at=utcnow())
        )
