"""The scheduler: APScheduler running the periodic jobs, in exactly one process at a time.

Why a lease and not "start it in one place": under gunicorn or on several machines every process
would start its own scheduler (the flask-apscheduler trap). Each candidate tries to hold the named
lease `scheduler`; only the holder runs jobs; if it dies its lease expires and another takes over.
A handover can still overlap for a moment, so every run also claims its (job, due time) row in
`job_runs` (see jobs/runs.py): no job runs twice for one due time.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any, cast

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import CursorResult, delete
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.leasing import acquire_named, release_named
from jobs import broadcasts, care, coupon_reminders, journeys, points_expiry, points_reminders, recompute
from jobs.runs import JobSpec, run_job
from models import InboxEvent, utcnow

log = logging.getLogger(__name__)
LEASE_NAME = "scheduler"


def purge_old_inbox(sessions: sessionmaker[Session], retention_days: int) -> int:
    """Handled inbox events are kept for a while (for audits and redelivery checks), then purged."""
    with sessions.begin() as session:
        return purge_inbox(session, retention_days, utcnow())


def purge_inbox(session: Session, retention_days: int, now: datetime) -> int:
    cutoff = now - timedelta(days=retention_days)
    result = cast("CursorResult[Any]", session.execute(
        delete(InboxEvent).where(InboxEvent.status.in_(("done", "ignored", "rejected")), InboxEvent.received_at < cutoff)
    ))
    return result.rowcount or 0


def _purge(session: Session, settings: Settings, now: datetime) -> int:
    return purge_inbox(session, settings.scheduler.inbox_retention_days, now)


# Every `[scheduler] tick_seconds`: look for work that has come due.
INTERVAL_JOBS = (
    JobSpec("appointment_reminders", care.send_reminders),
    JobSpec("appointment_no_shows", care.record_no_shows),
    JobSpec("sla_escalation", care.escalate_sla),
    JobSpec("surveys", care.send_surveys),
    JobSpec("journeys", journeys.tick, own_transactions=True),  # due journey steps (the post-purchase survey too)
)
# Every minute whatever the tick: a broadcast scheduled for 10:00 should not wait for a slow tick.
# Planning commits broadcast by broadcast, so this job opens its own transactions.
MINUTELY_JOBS = (
    JobSpec("broadcasts", broadcasts.scheduled_run, every_seconds=60, own_transactions=True),
)
# Daily, at local time. The commerce jobs (coupons, points, tiers, journey triggers) manage their own
# transactions; the job_runs row still makes each run happen once per due time.
DAILY_JOBS = (
    JobSpec("purge_old_inbox", _purge, at=(3, 30)),
    JobSpec("tiers_and_rfm", recompute.run, at=(2, 30), own_transactions=True),
    JobSpec("points_expiry", points_expiry.run, at=(2, 0), own_transactions=True),
    JobSpec("coupon_expiry_reminders", coupon_reminders.run, at=(10, 0), own_transactions=True),
    JobSpec("points_expiry_reminders", points_reminders.run, at=(10, 15), own_transactions=True),
    JobSpec("journey_triggers", journeys.daily, at=(10, 30), own_transactions=True),
)


class LeaderScheduler:
    def __init__(self, settings: Settings, sessions: sessionmaker[Session], owner: str, clock: Clock | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.owner = owner
        self.clock: Clock = clock or SystemClock()
        self.leading = False
        self._stop = threading.Event()
        self._scheduler: BackgroundScheduler | None = None

    def run_spec(self, spec: JobSpec, now: datetime | None = None) -> str:
        """Run one job for the due time `now` falls in (its outcome: done, taken, skipped, failed)."""
        now = now or self.clock.now()
        return run_job(self.sessions, self.settings, spec, spec.due_at(now, self.settings), self.owner, now)

    def run_interval_jobs(self, now: datetime | None = None) -> dict[str, str]:
        """One round of the interval jobs (what each tick does; tests call it with a moved clock)."""
        now = now or self.clock.now()
        return {spec.name: self.run_spec(spec, now) for spec in INTERVAL_JOBS}

    def _jobs(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(timezone=self.settings.app.timezone)
        scheduler.add_job(self.run_interval_jobs, "interval", seconds=self.settings.scheduler.tick_seconds,
                          id="care_jobs", coalesce=True, max_instances=1, next_run_time=utcnow())
        for spec in MINUTELY_JOBS:
            assert spec.every_seconds is not None
            scheduler.add_job(self.run_spec, "interval", seconds=spec.every_seconds, id=spec.name, args=(spec,),
                              coalesce=True, max_instances=1, next_run_time=utcnow())
        for spec in DAILY_JOBS:
            assert spec.at is not None
            scheduler.add_job(self.run_spec, "cron", hour=spec.at[0], minute=spec.at[1], id=spec.name, args=(spec,),
                              coalesce=True, max_instances=1, misfire_grace_time=3600)
        return scheduler

    def tick(self) -> bool:
        """Take or renew the lease, starting or stopping the jobs to match. True while leading."""
        try:
            holding = acquire_named(self.sessions, LEASE_NAME, self.owner,
                                    ttl_seconds=self.settings.scheduler.lock_ttl_seconds)
        except Exception:
            log.exception("scheduler lease check failed")
            holding = False
        if holding and not self.leading:
            log.info("scheduler leadership taken", extra={"owner": self.owner})
            self._scheduler = self._jobs()
            self._scheduler.start()
        elif not holding and self.leading and self._scheduler is not None:
            log.warning("scheduler leadership lost", extra={"owner": self.owner})
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        self.leading = holding
        return holding

    def run(self) -> None:
        interval = max(self.settings.scheduler.lock_ttl_seconds / 3, 1)
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(interval)
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        if self.leading:
            release_named(self.sessions, LEASE_NAME, self.owner)

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="scheduler", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
