"""Saving journeys: create, edit (a new version), change status, and the TOML-shaped dict a
journey exports to and imports from.

Why a new version on every edit of the steps: customers already inside stay on the version they
entered (their enrollment points at it), and the new version applies to whoever enters next.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.crm.journeys.definition import JOURNEY_STATUSES, JourneyError, validate_journey
from models import Journey, JourneyEnrollment, JourneyVersion

SETTINGS_KEYS = ("trigger", "entry_criteria", "reentry", "reentry_days", "holdout_percent", "goal", "goal_days")


def save_journey(session: Session, data: Mapping[str, Any], now: datetime, *, journey: Journey | None = None,
                 template: str | None = None) -> Journey:
    """Create a journey (a draft) or update one from its dict; raises JourneyError listing every problem.
    A change to the steps adds a version; settings apply to new entries."""
    problems = validate_journey(data)
    other = session.scalar(select(Journey.id).where(Journey.name == data.get("name")))
    if other is not None and (journey is None or other != journey.id):
        problems.append(f"name: a journey named {data.get('name')!r} exists already")
    if problems:
        raise JourneyError(problems)
    if journey is None:
        journey = Journey(name=data["name"], status="draft", template=template, created_at=now)
        session.add(journey)
    journey.name = str(data["name"]).strip()
    journey.trigger = dict(data["trigger"])
    journey.entry_criteria = dict(data.get("entry_criteria") or {})
    journey.reentry = str(data.get("reentry", "once"))
    journey.reentry_days = int(data.get("reentry_days", 0))
    journey.holdout_percent = int(data.get("holdout_percent", 0))
    journey.goal = data.get("goal")
    journey.goal_days = int(data.get("goal_days", 30))
    journey.updated_at = now
    session.flush()
    current = session.get(JourneyVersion, journey.current_version_id) if journey.current_version_id else None
    if current is not None and current.steps != list(data["steps"]) and not _entered(session, current):
        current.steps = list(data["steps"])  # nobody is on this version yet: no need to keep it
    elif current is None or current.steps != list(data["steps"]):
        number = (session.scalar(select(func.max(JourneyVersion.number)).where(JourneyVersion.journey_id == journey.id))
                  or 0) + 1
        version = JourneyVersion(journey_id=journey.id, number=number, steps=list(data["steps"]), created_at=now)
        session.add(version)
        session.flush()
        journey.current_version_id = version.id
    return journey


def set_status(session: Session, journey: Journey, status: str, now: datetime) -> None:
    """draft -> active -> paused -> active ... -> archived. Paused customers wait where they are;
    archiving ends every entry still inside."""
    if status not in JOURNEY_STATUSES:
        raise JourneyError([f"status: must be one of {', '.join(JOURNEY_STATUSES)}"])
    if journey.status == "archived" and status != "archived":
        raise JourneyError(["status: an archived journey stays archived; import or copy it to use it again"])
    journey.status, journey.updated_at = status, now
    if status == "archived":
        session.execute(update(JourneyEnrollment).where(
            JourneyEnrollment.journey_id == journey.id, JourneyEnrollment.status == "active").values(
            status="exited", exit_reason="archived", exited_at=now, due_at=None, wait_event=None))


def export_dict(session: Session, journey: Journey) -> dict[str, Any]:
    """The journey as the TOML file holds it (settings, then the current version's steps)."""
    version = session.get(JourneyVersion, journey.current_version_id) if journey.current_version_id else None
    data: dict[str, Any] = {"name": journey.name}
    for key in SETTINGS_KEYS:
        value = getattr(journey, key)
        if value not in (None, {}, 0) or key in ("trigger", "reentry", "holdout_percent"):
            data[key] = value
    data["steps"] = list(version.steps) if version else []
    return data


def _entered(session: Session, version: JourneyVersion) -> bool:
    return session.scalar(select(JourneyEnrollment.id).where(JourneyEnrollment.version_id == version.id).limit(1)) is not None
