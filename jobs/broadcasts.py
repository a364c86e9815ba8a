"""The broadcast job: plan broadcasts whose time has come, start recurring occurrences, and mark
broadcasts whose every message is out as done.

`run_due_broadcasts(sessions, settings, now)` runs every minute as the scheduler's `broadcasts`
job (jobs/scheduler.py, MINUTELY_JOBS, through `scheduled_run`). It is safe to run in several
processes at once: each broadcast is claimed by a conditional UPDATE in the same
transaction that plans it, so it is planned once, and a crash mid-plan rolls the claim back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, exists, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.marketing.planning import PlanSummary, plan_broadcast
from bot.marketing.schedule import next_occurrence
from models import Broadcast, OutboxMessage, utcnow

log = logging.getLogger(__name__)
COPIED_FIELDS = ("name", "segment_id", "criteria", "text", "translations", "coupon_template_id", "image_url", "card", "channel_policy", "quiet_start",
                 "quiet_end", "rate_per_minute", "holdout_percent", "results_window_days", "created_by_id")


@dataclass
class RunReport:
    planned: dict[int, PlanSummary] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)
    finished: list[int] = field(default_factory=list)


def run_due_broadcasts(sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None) -> RunReport:
    now = now or utcnow()
    report = RunReport()
    with sessions() as session:
        due = session.scalars(select(Broadcast.id).where(Broadcast.status == "scheduled", Broadcast.send_at <= now)
                              .order_by(Broadcast.send_at)).all()
        recurring = session.scalars(select(Broadcast.id).where(Broadcast.status == "recurring", Broadcast.send_at <= now)).all()
    for parent_id in recurring:
        child_id = start_occurrence(sessions, parent_id, settings, now)
        if child_id is not None:
            due = [*due, child_id]
    for broadcast_id in due:
        plan_due(sessions, broadcast_id, settings, now, report)
    report.finished = finish_sent(sessions, now)
    return report


def scheduled_run(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> str:
    """The scheduler's entry point: run, and say in a line what happened (kept in job_runs)."""
    report = run_due_broadcasts(sessions, settings, now)
    return f"planned {sorted(report.planned)}, failed {sorted(report.failed)}, finished {sorted(report.finished)}"


def plan_due(sessions: sessionmaker[Session], broadcast_id: int, settings: Settings, now: datetime,
             report: RunReport | None = None) -> PlanSummary | None:
    """Claim one scheduled broadcast and plan it; a failure marks it failed with the reason."""
    report = report or RunReport()
    try:
        with sessions.begin() as session:
            claimed = cast("CursorResult[Any]", session.execute(update(Broadcast).where(Broadcast.id == broadcast_id,
                                                                                        Broadcast.status == "scheduled")
                                                                .values(status="planning"))).rowcount
            if claimed != 1:
                return None  # another process took it, or it was cancelled
            broadcast = session.get(Broadcast, broadcast_id)
            assert broadcast is not None  # the UPDATE above just claimed it
            summary = plan_broadcast(session, broadcast, settings, now)
    except Exception as exc:  # a bad segment or text: the broadcast shows why, the job goes on
        log.exception("planning broadcast %s failed", broadcast_id)
        with sessions.begin() as session:
            session.execute(update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status == "scheduled")
                            .values(status="failed", error=f"{type(exc).__name__}: {exc}"[:2000]))
        report.failed[broadcast_id] = str(exc)
        return None
    report.planned[broadcast_id] = summary
    log.info("broadcast planned", extra={"broadcast_id": broadcast_id, "treated": summary.treated, "control": summary.control})
    return summary


def start_occurrence(sessions: sessionmaker[Session], parent_id: int, settings: Settings, now: datetime) -> int | None:
    """Create the due occurrence of a recurring broadcast (as a scheduled child) and move the
    parent to its next time; the conditional UPDATE makes one process do it once."""
    with sessions.begin() as session:
        parent = session.get(Broadcast, parent_id)
        if parent is None or parent.status != "recurring" or parent.send_at is None or parent.send_at > now:
            return None
        following = next_occurrence(now, parent.recur_kind or "daily", parent.recur_weekday, parent.recur_time or "10:00",
                                    ZoneInfo(settings.app.timezone))
        moved = cast("CursorResult[Any]", session.execute(update(Broadcast).where(Broadcast.id == parent_id, Broadcast.status == "recurring",
                                                                                  Broadcast.send_at == parent.send_at)
                                                          .values(send_at=following))).rowcount
        if moved != 1:
            return None
        child = Broadcast(**{name: getattr(parent, name) for name in COPIED_FIELDS}, parent_id=parent_id, status="scheduled", send_at=now)
        session.add(child)
        session.flush()
        return child.id


def finish_sent(sessions: sessionmaker[Session], now: datetime) -> list[int]:
    """Broadcasts still `sending` with no row left to send are done."""
    waiting = exists().where(OutboxMessage.broadcast_id == Broadcast.id, OutboxMessage.status.in_(("pending", "paused")))
    with sessions.begin() as session:
        ids = session.scalars(select(Broadcast.id).where(Broadcast.status == "sending", ~waiting)).all()
        if ids:
            session.execute(update(Broadcast).where(Broadcast.id.in_(ids), Broadcast.status == "sending")
                            .values(status="done", finished_at=now))
    return list(ids)
