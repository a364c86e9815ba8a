"""The scheduler: APScheduler running the periodic jobs, in exactly one process at a time.

Why a lease and not "start it in one place": under gunicorn or on several machines every process
would start its own scheduler (the flask-apscheduler trap). Each candidate tries to hold the named
lease `scheduler`; only the holder runs jobs; if it dies its lease expires and another takes over.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.leasing import acquire_named, release_named
from models import InboxEvent, utcnow

log = logging.getLogger(__name__)
LEASE_NAME = "scheduler"


def purge_old_inbox(sessions: sessionmaker[Session], retention_days: int) -> int:
    """Handled inbox events are kept for a while (for audits and redelivery checks), then purged."""
    cutoff = utcnow() - timedelta(days=retention_days)
    with sessions.begin() as session:
        result = session.execute(
            delete(InboxEvent).where(InboxEvent.status.in_(("done", "ignored")), InboxEvent.received_at < cutoff)
        )
        return result.rowcount or 0


class LeaderScheduler:
    def __init__(self, settings: Settings, sessions: sessionmaker[Session], owner: str) -> None:
        self.settings = settings
        self.sessions = sessions
        self.owner = owner
        self.leading = False
        self._stop = threading.Event()
        self._scheduler: BackgroundScheduler | None = None

    def _jobs(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(timezone=self.settings.app.timezone)
        scheduler.add_job(purge_old_inbox, "cron", hour=3, minute=30, id="purge_old_inbox",
                          args=(self.sessions, self.settings.scheduler.inbox_retention_days),
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
