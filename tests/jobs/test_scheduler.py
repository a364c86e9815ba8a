"""The scheduler: each job runs once per due time (job_runs), a failed run leaves no half work,
jobs of modules not installed yet wait, and on PostgreSQL two schedulers - threads racing for one
due time, and two real `python -m bot scheduler` processes with a leader killed - run each due
job once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import pipeline
from bot.crm import booking
from bot.events import Outbound
from jobs.runs import JobSpec, run_job
from jobs.scheduler import DAILY_JOBS, LeaderScheduler
from models import Appointment, ChannelIdentity, Consent, Customer, JobRun, OutboxMessage, Service, utcnow
from tests.conftest import ACCESS_TOKEN, CHANNEL_SECRET

ROOT = Path(__file__).resolve().parents[2]
DUE = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)


def queue_one(session, settings, now):
    pipeline.enqueue(session, "line", "Ujob", [Outbound(f"run for {now.isoformat()}")], purpose="test")
    return 1


def queue_then_fail(session, settings, now):
    queue_one(session, settings, now)
    raise RuntimeError("the job broke half way")


def count(db, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where))


def test_a_job_runs_once_per_due_time(runtime, db):
    spec = JobSpec("queue_one", queue_one)
    assert run_job(runtime.sessions, runtime.settings, spec, DUE, "a") == "done"
    assert run_job(runtime.sessions, runtime.settings, spec, DUE, "b") == "taken"
    assert run_job(runtime.sessions, runtime.settings, spec, DUE + timedelta(minutes=1), "b") == "done"
    assert count(db, OutboxMessage) == 2
    assert [(r.owner, r.status, r.result) for r in db.all(select(JobRun).order_by(JobRun.id))] == [("a", "done", "1"), ("b", "done", "1")]


def test_a_failed_run_is_recorded_and_leaves_no_half_done_work(runtime, db):
    spec = JobSpec("queue_then_fail", queue_then_fail)
    assert run_job(runtime.sessions, runtime.settings, spec, DUE, "a") == "failed"
    assert count(db, OutboxMessage) == 0
    run = db.scalar(select(JobRun))
    assert (run.status, run.result) == ("failed", "RuntimeError: the job broke half way")


def test_every_daily_job_runs_once_per_due_time(runtime, db):
    """The commerce jobs (tiers and RFM, points expiry, coupon reminders, the journeys' daily triggers) run from the
    scheduler: each is done once for its due time, and a second scheduler finds it taken."""
    assert [spec.name for spec in DAILY_JOBS] == ["purge_old_inbox", "tiers_and_rfm", "points_expiry",
                                                  "coupon_expiry_reminders", "points_expiry_reminders", "journey_triggers"]
    first, second = (LeaderScheduler(runtime.settings, runtime.sessions, owner) for owner in ("a", "b"))
    outcomes = {spec.name: first.run_spec(spec, DUE) for spec in DAILY_JOBS}
    assert set(outcomes.values()) == {"done"}, outcomes
    assert {spec.name: second.run_spec(spec, DUE) for spec in DAILY_JOBS} == dict.fromkeys(outcomes, "taken")
    runs = db.all(select(JobRun).order_by(JobRun.job))
    assert sorted(r.job for r in runs) == sorted(outcomes) and {r.status for r in runs} == {"done"}


def test_due_broadcasts_are_planned_by_the_minutely_job_once_per_minute(runtime, db):
    from jobs.scheduler import MINUTELY_JOBS
    from models import Broadcast

    [spec] = MINUTELY_JOBS
    assert (spec.name, spec.every_seconds, spec.own_transactions) == ("broadcasts", 60, True)
    with runtime.sessions.begin() as session:
        customer = Customer(display_name="A", language="zh-TW", interests=[], tags=[])
        session.add(customer)
        session.flush()
        session.add(ChannelIdentity(customer_id=customer.id, channel="line", platform_user_id="Ubroadcast"))
        session.add(Consent(customer_id=customer.id, channel="line", purpose="marketing", granted=True, source="test"))
        broadcast = Broadcast(name="due", criteria={}, text="hello {name}", channel_policy="preferred", holdout_percent=0,
                              status="scheduled", send_at=DUE - timedelta(minutes=5))
        session.add(broadcast)
    scheduler = LeaderScheduler(runtime.settings, runtime.sessions, "a")
    assert scheduler.run_spec(spec, DUE + timedelta(seconds=10)) == "done"
    assert scheduler.run_spec(spec, DUE + timedelta(seconds=50)) == "taken"  # the same minute
    assert db.scalar(select(Broadcast.status)) == "sending"
    assert [m["text"] for row in db.all(select(OutboxMessage).where(OutboxMessage.purpose == "marketing")) for m in row.messages] == ["hello A"]
    run = db.scalar(select(JobRun).where(JobRun.job == "broadcasts"))
    assert (run.status, run.due_at, run.result) == ("done", DUE, "planned [1], failed [], finished []")
    assert LeaderScheduler(runtime.settings, runtime.sessions, "b").run_spec(spec, DUE + timedelta(minutes=1)) == "done"
    assert count(db, OutboxMessage) == 1  # planned once, whoever runs the next minute


def slow_queue(session, settings, now):
    queue_one(session, settings, now)
    time.sleep(0.3)  # hold the transaction while the other scheduler arrives


def test_two_schedulers_racing_for_one_due_time_on_postgresql(runtime, db, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrent schedulers are the scaled mode's: PostgreSQL")
    spec = JobSpec("slow_queue", slow_queue)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def schedule(owner: str) -> None:
        barrier.wait()
        outcomes.append(run_job(runtime.sessions, runtime.settings, spec, DUE, owner))

    threads = [threading.Thread(target=schedule, args=(owner,)) for owner in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == ["done", "taken"]
    assert count(db, OutboxMessage) == 1 and count(db, JobRun) == 1


def appointment_due_for_a_reminder(runtime, now: datetime) -> int:
    """A booking tomorrow, made yesterday: its 24 h reminder is due at `now`."""
    with runtime.sessions.begin() as session:
        booking.sync_services(session, runtime.settings)
        service = session.scalar(select(Service).where(Service.code == "consult"))
        customer = Customer(language="zh-TW", interests=[], tags=[])
        session.add(customer)
        session.flush()
        starts = now + timedelta(hours=23, minutes=59)
        appointment = Appointment(customer_id=customer.id, service_id=service.id, starts_at=starts, ends_at=starts + timedelta(minutes=30),
                                  channel="line", address="Ureminded", booked_at=now - timedelta(days=1))
        session.add(appointment)
        session.flush()
        return appointment.id


def test_two_schedulers_running_the_care_jobs_at_once_send_one_reminder(runtime, db, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrent schedulers are the scaled mode's: PostgreSQL")
    now = datetime(2026, 3, 3, 2, 0, 30, tzinfo=UTC)
    appointment_due_for_a_reminder(runtime, now)
    schedulers = [LeaderScheduler(runtime.settings, runtime.sessions, owner) for owner in ("a", "b")]
    barrier = threading.Barrier(2)
    results: list[dict[str, str]] = []

    def run(scheduler: LeaderScheduler) -> None:
        barrier.wait()
        results.append(scheduler.run_interval_jobs(now))

    threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(r["appointment_reminders"] for r in results) == ["done", "taken"]
    assert count(db, OutboxMessage, OutboxMessage.purpose == "reminder") == 1
    assert Counter(r.job for r in db.all(select(JobRun))) == Counter(
        {"appointment_reminders": 1, "appointment_no_shows": 1, "sla_escalation": 1, "surveys": 1, "journeys": 1})


def start_scheduler(db_url: str, tmp_path: Path) -> subprocess.Popen:
    env = {
        **os.environ, "BOT_APP_ENV": "test", "BOT_APP_DATA_DIR": str(tmp_path / "var"), "DATABASE_URL": db_url,
        "BOT_LINE_CHANNEL_SECRET": CHANNEL_SECRET, "BOT_LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "BOT_LINE_API_BASE": "http://127.0.0.1:9", "BOT_SCHEDULER_LOCK_TTL_SECONDS": "3", "BOT_SCHEDULER_TICK_SECONDS": "1",
    }
    return subprocess.Popen([sys.executable, "-m", "bot", "scheduler"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def wait_for(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting")
        time.sleep(0.1)


def test_a_second_scheduler_process_waits_and_takes_over_when_the_leader_dies(runtime, db, db_url, tmp_path):
    if not db_url.startswith("postgresql"):
        pytest.skip("the multi-process scheduler is the scaled mode's: PostgreSQL")
    appointment_due_for_a_reminder(runtime, utcnow())
    first = start_scheduler(db_url, tmp_path)
    second = None
    try:
        owner_a = first.stdout.readline().split()[1]
        wait_for(lambda: count(db, JobRun, JobRun.owner == owner_a, JobRun.job == "appointment_reminders") >= 1)
        second = start_scheduler(db_url, tmp_path)
        owner_b = second.stdout.readline().split()[1]
        time.sleep(2.5)
        assert count(db, JobRun, JobRun.owner == owner_b) == 0, "the second scheduler ran jobs while the first led"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = utcnow()
        wait_for(lambda: count(db, JobRun, JobRun.owner == owner_b, JobRun.job == "appointment_reminders") >= 2)
        taken_over = db.scalar(select(func.min(JobRun.started_at)).where(JobRun.owner == owner_b))
        assert taken_over - killed_at < timedelta(seconds=6)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(10)
    runs = db.all(select(JobRun))
    assert max(Counter((r.job, r.due_at) for r in runs).values()) == 1
    assert {r.owner for r in runs} == {owner_a, owner_b}
    assert count(db, OutboxMessage, OutboxMessage.purpose == "reminder") == 1


def test_the_inbox_purge_removes_old_settled_events_and_keeps_pending_and_failed_ones(runtime, db):
    """Rejected events (malformed bodies kept as history) expire like handled ones; work not done stays."""
    from jobs.scheduler import purge_inbox
    from models import InboxEvent

    old = utcnow() - timedelta(days=400)
    with runtime.sessions.begin() as session:
        for index, status in enumerate(("done", "ignored", "rejected", "pending", "failed")):
            session.add(InboxEvent(channel="line", event_id=f"purge-{index}", lane_key=f"line:U{index}", kind="text",
                                   occurred_at=old, received_at=old, payload={}, status=status, attempts=0))
    with runtime.sessions.begin() as session:
        assert purge_inbox(session, 30, utcnow()) == 3
    assert sorted(e.status for e in db.all(select(InboxEvent))) == ["failed", "pending"]
