"""Helpers for the journeys' tests: reachable customers, journeys from dicts, a tick at a time."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot.config import Settings
from bot.crm.journeys.store import save_journey, set_status
from bot.crm.journeys.tick import advance_due
from bot.marketing.journey_wiring import install
from bot.runtime import Runtime
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

# Tuesday 3 March 2026, 11:00 in Taipei: a working morning, outside the default quiet hours.
T0 = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)


def customer(runtime: Runtime, user: str, *, consent: bool = True, language: str = "zh-TW", **fields: Any) -> int:
    """A customer with a LINE chat: reachable, and with marketing consent unless told otherwise."""
    with runtime.sessions.begin() as session:
        row = Customer(language=language, display_name=fields.pop("display_name", user), **fields)
        session.add(row)
        session.flush()
        session.add(ChannelIdentity(customer_id=row.id, channel="line", platform_user_id=user))
        session.add(Conversation(customer_id=row.id, channel="line", address=user, kind="user"))
        session.add(Consent(customer_id=row.id, channel="line", purpose="marketing", granted=consent, source="test"))
        return row.id


def journey(runtime: Runtime, data: dict[str, Any], *, status: str = "active", now: datetime = T0) -> int:
    install()
    with runtime.sessions.begin() as session:
        row = save_journey(session, {"trigger": {"kind": "lead_captured"}, **data}, now)
        set_status(session, row, status, now)
        return row.id


def tick(runtime: Runtime, now: datetime, settings: Settings | None = None) -> int:
    with runtime.sessions.begin() as session:
        return advance_due(session, settings or runtime.settings, now)


def with_journeys(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update={"journeys": dataclasses.replace(settings.journeys, **changes)})


def texts(runtime: Runtime, customer_id: int) -> list[str]:
    with runtime.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.customer_id == customer_id)
                               .order_by(OutboxMessage.id)).all()
        return [m["text"] for row in rows for m in row.messages]


def enrollment(runtime: Runtime, customer_id: int, journey_id: int | None = None) -> JourneyEnrollment:
    with runtime.sessions() as session:
        query = select(JourneyEnrollment).where(JourneyEnrollment.customer_id == customer_id)
        if journey_id is not None:
            query = query.where(JourneyEnrollment.journey_id == journey_id)
        found = session.scalars(query.order_by(JourneyEnrollment.id.desc())).first()
        assert found is not None, "not enrolled"
        session.expunge(found)
        return found


def outcomes(runtime: Runtime, customer_id: int) -> list[tuple[str, str]]:
    with runtime.sessions() as session:
        return [(r.step, r.outcome) for r in session.scalars(
            select(JourneyStepRun).join(JourneyEnrollment, JourneyEnrollment.id == JourneyStepRun.enrollment_id)
            .where(JourneyEnrollment.customer_id == customer_id).order_by(JourneyStepRun.id))]


def count(runtime: Runtime, model: Any, *where: Any) -> int:
    with runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def journey_row(runtime: Runtime, journey_id: int) -> Journey:
    with runtime.sessions() as session:
        row = session.get(Journey, journey_id)
        assert row is not None
        session.expunge(row)
        return row


def message(step_id: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"id": step_id, "kind": "message", "text": {"zh-TW": text, "en": text + " (en)"}, **extra}
