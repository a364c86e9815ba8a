"""Running a scheduled job at most once per due time, and sending a notice at most once.

Why a row per (job, due time): during a leadership handover two schedulers may both believe it
is time to run the 10:05 reminders. The run inserts its `job_runs` row in the same transaction
as its work; the second insert waits for the first transaction and then fails on the unique key,
so exactly one run commits its work. A crashed run rolls back its row too, so a later due time
picks the work up (every job looks for all work that is due, not only this minute's).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from models import JobRun, SentNotice, utcnow
from models.db import conflict_insert

log = logging.getLogger(__name__)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
JobFn = Callable[[Session, Settings, datetime], Any]  # or (sessionmaker, ...) with own_transactions


@dataclass(frozen=True)
class JobSpec:
    """A job: every `tick` seconds (interval), every `every_seconds`, or daily at `at` local time.
    `target` is a function or "module:function", imported when it runs, so jobs of modules not yet
    installed wait.

    A job normally runs inside the transaction that claims its `job_runs` row: (session, settings,
    now). One with `own_transactions` gets (sessions, settings, now) and commits its own work piece
    by piece (e.g. one broadcast at a time, so one failure does not undo the others); its claim is
    committed first, so it must itself be safe to run twice (conditional UPDATEs), because a run
    that crashes half way is not rolled back as a whole.
    """

    name: str
    target: Callable[..., Any] | str
    at: tuple[int, int] | None = None
    every_seconds: int | None = None
    own_transactions: bool = False

    def due_at(self, now: datetime, settings: Settings) -> datetime:
        if self.at is not None:
            return daily_due(now, self.at, ZoneInfo(settings.app.timezone))
        return interval_due(now, self.every_seconds or settings.scheduler.tick_seconds)


def interval_due(now: datetime, seconds: int) -> datetime:
    """The start of the interval `now` falls in, aligned to a fixed epoch so every process agrees."""
    elapsed = (now - EPOCH) // timedelta(seconds=seconds)
    return EPOCH + elapsed * timedelta(seconds=seconds)


def daily_due(now: datetime, at: tuple[int, int], zone: ZoneInfo) -> datetime:
    """The latest local `at` (hour, minute) not after `now`, in UTC."""
    local = now.astimezone(zone)
    due = datetime.combine(local.date(), datetime.min.time(), zone) + timedelta(hours=at[0], minutes=at[1])
    if due > local:
        due -= timedelta(days=1)
    return due.astimezone(UTC)


def resolve(target: JobFn | str) -> JobFn | None:
    """The job's function, or None while the module a "module:function" target names is not installed."""
    if callable(target):
        return target
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    return getattr(module, attribute, None)


class _AlreadyRun(Exception):
    """Another scheduler holds this (job, due time): leave the transaction without its work."""


def run_job(sessions: sessionmaker[Session], settings: Settings, spec: JobSpec, due_at: datetime, owner: str,
            now: datetime | None = None) -> str:
    """Run `spec` for `due_at` unless some scheduler already did: "done", "skipped" (module not
    installed), "taken" (already run for this due time) or "failed"."""
    now = now or due_at
    fn = resolve(spec.target)
    if spec.own_transactions and fn is not None:
        return _run_in_own_transactions(sessions, settings, spec, fn, due_at, owner, now)
    try:
        with sessions.begin() as session:
            run = JobRun(job=spec.name, due_at=due_at, owner=owner, status="done" if fn else "skipped", started_at=utcnow())
            session.add(run)
            try:
                session.flush()
            except IntegrityError as exc:
                raise _AlreadyRun from exc
            if fn is None:
                run.result = f"{spec.target} is not installed"
            else:
                result = fn(session, settings, now)
                run.result = None if result is None else str(result)[:500]
            run.finished_at = utcnow()
            return run.status
    except _AlreadyRun:
        return "taken"
    except Exception as exc:
        log.exception("job %s for %s failed", spec.name, due_at.isoformat())
        _record_failure(sessions, spec, due_at, owner, exc)
        return "failed"


def _run_in_own_transactions(sessions: sessionmaker[Session], settings: Settings, spec: JobSpec, fn: Callable[..., Any],
                             due_at: datetime, owner: str, now: datetime) -> str:
    """Claim (job, due time) in a committed row, then let the job open its own transactions."""
    try:
        with sessions.begin() as session:
            run = JobRun(job=spec.name, due_at=due_at, owner=owner, status="running", started_at=utcnow())
            session.add(run)
            session.flush()
            run_id = run.id
    except IntegrityError:
        return "taken"
    try:
        result = fn(sessions, settings, now)
        status, text = "done", None if result is None else str(result)[:500]
    except Exception as exc:
        log.exception("job %s for %s failed", spec.name, due_at.isoformat())
        status, text = "failed", f"{type(exc).__name__}: {exc}"[:500]
    with sessions.begin() as session:
        finished = session.get(JobRun, run_id)
        assert finished is not None  # inserted and committed above
        finished.status, finished.result, finished.finished_at = status, text, utcnow()
    return status


def _record_failure(sessions: sessionmaker[Session], spec: JobSpec, due_at: datetime, owner: str, exc: Exception) -> None:
    try:
        with sessions.begin() as session:
            session.add(JobRun(job=spec.name, due_at=due_at, owner=owner, status="failed",
                               result=f"{type(exc).__name__}: {exc}"[:500], started_at=utcnow(), finished_at=utcnow()))
    except IntegrityError:
        pass  # another scheduler ran it meanwhile


def claim_notice(session: Session, key: str) -> bool:
    """True the first time `key` is claimed (in this transaction); False ever after."""
    statement = conflict_insert(session)(SentNotice).values(key=key, created_at=utcnow()).on_conflict_do_nothing().returning(SentNotice.key)
    return session.execute(statement).first() is not None
