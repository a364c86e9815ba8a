"""Entering a journey: the re-entry policy, the entry conditions and the holdout draw.

Why the holdout is drawn here and stored: the control group must be fixed at entry so results
can compare it with the treated group weeks later; a held-out customer keeps an enrollment row
(status `held_out`) and is sent nothing. Why the re-entry policy is a unique key: two triggers
firing at once for one customer (two workers, a replayed event) must enter them once.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, insert, literal, not_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.crm.journeys import criteria as entry_criteria
from bot.crm.journeys.definition import first_step
from models import Journey, JourneyEnrollment, JourneyVersion

_draw = random.SystemRandom()


def entry_key(journey: Journey, now: datetime, hint: str | None) -> str:
    """`once`: one key for ever; `days`: the entry moment (the policy is checked before insert);
    `every`: the trigger's own identity (an order, an event), so a replay still enters once."""
    if journey.reentry == "once":
        return "once"
    if journey.reentry == "days":
        return f"at:{now.isoformat()}"
    return (hint or uuid.uuid4().hex)[:100]


def _recently_entered(session: Session, journey: Journey, customer_id: int, now: datetime) -> bool:
    if journey.reentry != "days":
        return False
    since = now - timedelta(days=journey.reentry_days)
    return session.scalar(select(JourneyEnrollment.id).where(
        JourneyEnrollment.journey_id == journey.id, JourneyEnrollment.customer_id == customer_id,
        JourneyEnrollment.entered_at > since).limit(1)) is not None


def enroll(session: Session, journey: Journey, customer_id: int, now: datetime, *, hint: str | None = None,
           context: dict[str, Any] | None = None, due_at: datetime | None = None) -> JourneyEnrollment | None:
    """Enter one customer (in the caller's transaction), or None when the policy, the entry
    conditions or the journey's status keep them out. The first step is due at once (or at
    `due_at`, when what started it happened earlier, e.g. a backdated order)."""
    if journey.status != "active" or journey.current_version_id is None:
        return None
    if journey.entry_criteria and customer_id not in entry_criteria.matching(session, journey.entry_criteria,
                                                                              [customer_id], now):
        return None
    if _recently_entered(session, journey, customer_id, now):
        return None
    version = session.get(JourneyVersion, journey.current_version_id)
    assert version is not None
    held_out = _draw.random() * 100 < journey.holdout_percent
    enrollment = JourneyEnrollment(
        journey_id=journey.id, version_id=version.id, customer_id=customer_id,
        entry_key=entry_key(journey, now, hint), group="holdout" if held_out else "treated",
        status="held_out" if held_out else "active", step=None if held_out else first_step(version.steps),
        due_at=None if held_out else min(now, due_at or now), context=dict(context or {}), entered_at=now)
    try:
        with session.begin_nested():
            session.add(enrollment)
    except IntegrityError:  # entered already (once ever, or this very trigger replayed)
        return None
    return enrollment


def enroll_query(session: Session, journey: Journey, customers: Select[Any], now: datetime, *,
                 key: str | None = None) -> int:
    """Enter every customer `customers` selects (a `SELECT customers.id`), in one INSERT ... SELECT.

    Why in SQL: a segment trigger or a birthday month can bring 100,000 customers at once; one
    statement writes them all, drawing the holdout group with the database's random()."""
    if journey.status != "active" or journey.current_version_id is None:
        return 0
    version = session.get(JourneyVersion, journey.current_version_id)
    assert version is not None
    dialect = session.get_bind().dialect.name
    customer_id = customers.subquery().c[0]
    mine = [JourneyEnrollment.journey_id == journey.id, JourneyEnrollment.customer_id == customer_id]
    if journey.reentry == "days":
        mine.append(JourneyEnrollment.entered_at > now - timedelta(days=journey.reentry_days))
    key_value = entry_key(journey, now, key)
    if journey.reentry == "every":
        mine.append(JourneyEnrollment.entry_key == key_value)
    conditions: list[Any] = [not_(exists().where(*mine))]
    if journey.entry_criteria:
        wanted = entry_criteria.matching_query(session, journey.entry_criteria, now)
        if wanted is None:
            return 0
        conditions.append(customer_id.in_(wanted))
    draw = func.random() if dialect == "postgresql" else (func.abs(func.random()) % 1000000) / 1000000.0
    group = case((draw * 100 < journey.holdout_percent, "holdout"), else_="treated")
    rows = select(literal(journey.id), literal(version.id), customer_id, literal(key_value), group, literal("active"),
                  literal(first_step(version.steps)), literal(now, JourneyEnrollment.due_at.type), literal(0),
                  literal({}, JourneyEnrollment.context.type), literal(now, JourneyEnrollment.entered_at.type)
                  ).where(and_(*conditions))
    columns = ["journey_id", "version_id", "customer_id", "entry_key", "group", "status", "step", "due_at",
               "revision", "context", "entered_at"]
    # RETURNING counts the rows on every driver (some report no rowcount for INSERT ... SELECT)
    entered = len(session.connection().execute(
        insert(JourneyEnrollment).from_select(columns, rows).returning(JourneyEnrollment.id)).all())
    # the held-out rows were drawn in the same statement; they wait for nothing
    session.execute(update(JourneyEnrollment).where(
        JourneyEnrollment.journey_id == journey.id, JourneyEnrollment.group == "holdout",
        JourneyEnrollment.status == "active").values(status="held_out", step=None, due_at=None))
    return entered
