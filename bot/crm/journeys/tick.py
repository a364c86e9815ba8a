"""The tick: advance every enrollment whose next step is due, each step exactly once.

Why this shape:
* Due enrollments are found through the (status, due_at) index, never by visiting customers.
* On PostgreSQL the rows are locked with FOR UPDATE SKIP LOCKED, so two schedulers (a handover,
  a second process) share the work instead of doing it twice. On both databases each advance is
  also a compare-and-set on `revision`, so an enrollment read by two ticks moves once.
* A step's effects (its outbox rows, a coupon, a tag), its `journey_step_runs` row (unique per
  enrollment and step) and the enrollment's move to the next step are one transaction: a process
  killed at any point leaves the step either done and recorded, or not started.
* Steps that take no time (a tag, a condition, a message) run one after another in the same
  tick until a wait, the end, or a deferral (quiet hours).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm.journeys.bulk import advance_plain_groups
from bot.crm.journeys.definition import Placed, flatten
from bot.crm.journeys.steps import Outcome, Run, run_step
from models import Customer, Journey, JourneyEnrollment, JourneyStepRun, JourneyVersion

MAX_STEPS_PER_TICK = 50  # a guard against a definition that loops without a wait


def due_enrollments(session: Session, now: datetime, limit: int) -> list[JourneyEnrollment]:
    """Active enrollments of active journeys whose next step is due, oldest first."""
    query = (select(JourneyEnrollment)
             .where(JourneyEnrollment.status == "active", JourneyEnrollment.due_at <= now,
                    JourneyEnrollment.journey_id.in_(select(Journey.id).where(Journey.status == "active")))
             .order_by(JourneyEnrollment.due_at, JourneyEnrollment.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=JourneyEnrollment)
    return list(session.scalars(query))


def advance_due(session: Session, settings: Settings, now: datetime, limit: int | None = None) -> int:
    """Advance up to `limit` due enrollments in the caller's transaction; how many moves were made (0: none due). Groups at
    a plain step go the set-based way (bulk.py), the rest one by one."""
    limit = limit or settings.journeys.batch
    moved = advance_plain_groups(session, settings, now, limit)
    if moved >= limit:
        return moved
    versions: dict[int, dict[str, Placed]] = {}
    journeys: dict[int, Journey] = {}
    for enrollment in due_enrollments(session, now, limit - moved):
        if not _claim(session, enrollment):
            continue  # another tick moved it since we read it
        if enrollment.version_id not in versions:
            version = session.get(JourneyVersion, enrollment.version_id)
            assert version is not None
            versions[enrollment.version_id] = flatten(version.steps)
        journey = journeys.get(enrollment.journey_id) or session.get(Journey, enrollment.journey_id)
        customer = session.get(Customer, enrollment.customer_id)
        assert journey is not None and customer is not None
        journeys[journey.id] = journey
        _advance(Run(session, settings, journey, enrollment, customer, now), versions[enrollment.version_id])
        moved += 1
    return moved


def _claim(session: Session, enrollment: JourneyEnrollment) -> bool:
    """Compare-and-set on the revision read: False when another tick advanced the row meanwhile."""
    result = cast("CursorResult[Any]", session.execute(
        update(JourneyEnrollment).where(JourneyEnrollment.id == enrollment.id,
                                        JourneyEnrollment.revision == enrollment.revision,
                                        JourneyEnrollment.status == "active")
        .values(revision=JourneyEnrollment.revision + 1).execution_options(synchronize_session=False)))
    if result.rowcount != 1:
        session.expire(enrollment)
        return False
    enrollment.revision += 1
    session.flush()
    return True


def _advance(run: Run, placed_steps: dict[str, Placed]) -> None:
    enrollment = run.enrollment
    for _ in range(MAX_STEPS_PER_TICK):
        if enrollment.step is None or enrollment.step not in placed_steps:
            _finish(enrollment, run.now, "completed")
            return
        placed = placed_steps[enrollment.step]
        outcome = run_step(run, placed)
        if outcome.defer_until is not None:
            enrollment.due_at = outcome.defer_until
            return
        _record(run, placed, outcome)
        enrollment.step = outcome.next_id
        if outcome.variant is not None:
            enrollment.variant = outcome.variant
        if outcome.outcome == "sent":
            enrollment.context = {**enrollment.context,
                                  "messages_sent": int(enrollment.context.get("messages_sent", 0)) + 1}
        if outcome.due_at is not None and outcome.due_at > run.now:
            enrollment.due_at, enrollment.wait_event = outcome.due_at, outcome.wait_event
            return
    enrollment.due_at = run.now  # a long run of instant steps: the rest next tick


def _record(run: Run, placed: Placed, outcome: Outcome) -> None:
    """The step run row; unique per (enrollment, step), so a step never runs twice for one entry."""
    run.session.add(JourneyStepRun(enrollment_id=run.enrollment.id, journey_id=run.journey.id,
                                   step=placed.step["id"], kind=placed.step["kind"], outcome=outcome.outcome,
                                   outbox_id=outcome.outbox_id, detail=outcome.detail, at=run.now))
    run.session.flush()


def _finish(enrollment: JourneyEnrollment, now: datetime, status: str) -> None:
    enrollment.status, enrollment.exited_at, enrollment.due_at, enrollment.step = status, now, None, None
    enrollment.wait_event = None
