"""Each step runs once per enrollment: two ticks at once, and a real process killed with SIGKILL
in the middle of a tick, leave every customer with exactly one message per step."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from bot.crm.journeys.enrollment import enroll_query
from models import (
    ChannelIdentity,
    Consent,
    Conversation,
    Customer,
    Journey,
    JourneyEnrollment,
    JourneyStepRun,
    OutboxMessage,
)
from tests.conftest import service_environ
from tests.journeys.helpers import T0, count, journey, message, tick, with_journeys
from tests.spine.test_crash import wait_until

ROOT = Path(__file__).resolve().parents[2]


def crowd(runtime, size: int) -> None:
    """`size` reachable customers with marketing consent, written in bulk, all entered into one journey."""
    jid = journey(runtime, {"name": "crowd", "steps": [message("hello", "hi {name}"), message("again", "again")]})
    with runtime.sessions.begin() as session:
        first = (session.scalar(select(func.max(Customer.id))) or 0) + 1
        ids = range(first, first + size)
        session.execute(insert(Customer), [{"id": i, "display_name": f"c{i}", "language": "zh-TW", "tags": [],
                                            "interests": []} for i in ids])
        session.execute(insert(ChannelIdentity), [{"customer_id": i, "channel": "line", "platform_user_id": f"U{i}"}
                                                  for i in ids])
        session.execute(insert(Conversation), [{"customer_id": i, "channel": "line", "address": f"U{i}", "kind": "user"}
                                               for i in ids])
        session.execute(insert(Consent), [{"customer_id": i, "channel": "line", "purpose": "marketing", "granted": True,
                                           "source": "test"} for i in ids])
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.setval("customers_id_seq", first + size)))
        assert enroll_query(session, session.get(Journey, jid), select(Customer.id).where(Customer.id.in_(ids)), T0) == size


def assert_each_step_once(runtime, size: int) -> None:
    with runtime.sessions() as session:
        per_customer = session.execute(select(OutboxMessage.customer_id, func.count())
                                       .group_by(OutboxMessage.customer_id)).all()
    assert len(per_customer) == size and {n for _, n in per_customer} == {2}  # "hello" and "again", once each
    assert count(runtime, JourneyStepRun) == 2 * size
    assert count(runtime, JourneyEnrollment, JourneyEnrollment.status == "completed") == size


def test_two_ticks_at_once_advance_each_enrollment_once(runtime):
    crowd(runtime, 300)
    settings = with_journeys(runtime.settings, batch=50, cap_per_day=0, cap_per_week=0)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            while tick(runtime, T0, settings):
                pass
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if runtime.settings.database.url.startswith("sqlite"):
        # SQLite has one writer: a tick that could not get the lock fails whole and the other does the work
        errors = [e for e in errors if "database is locked" not in str(e)]
        while tick(runtime, T0, settings):
            pass
    assert errors == []
    assert_each_step_once(runtime, 300)


@pytest.mark.slow
def test_a_tick_killed_with_sigkill_loses_no_step_and_sends_none_twice(runtime, db_url, tmp_path, standin):
    size = 3000
    crowd(runtime, size)
    env = {**os.environ, **service_environ(db_url, tmp_path, standin.url, BOT_JOURNEYS_BATCH="10",
                                           BOT_JOURNEYS_CAP_PER_DAY="0", BOT_JOURNEYS_CAP_PER_WEEK="0")}
    code = ("from datetime import datetime, UTC\n"
            "from bot.config import load_settings\nfrom bot.runtime import build_runtime\nfrom jobs.journeys import tick\n"
            "runtime = build_runtime(load_settings())\n"
            f"tick(runtime.sessions, runtime.settings, datetime.fromisoformat('{T0.isoformat()}'))\n")
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        wait_until(lambda: count(runtime, JourneyStepRun) >= 200, timeout=60)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    done = count(runtime, JourneyStepRun)
    assert process.returncode == -signal.SIGKILL and done < 2 * size, "killed after it finished: nothing tested"
    assert count(runtime, OutboxMessage) == done  # what committed is whole: each step run has its message
    settings = with_journeys(runtime.settings, cap_per_day=0, cap_per_week=0)
    while tick(runtime, T0, settings):
        pass
    assert_each_step_once(runtime, size)
