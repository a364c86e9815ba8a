"""Journeys: automated flows a customer enters on a trigger and moves through step by step.

Why these tables: a customer's progress must survive a crash and be advanced exactly once, so it
is a durable row (`JourneyEnrollment`) found by its due time through an index, never by polling
customers; each executed step leaves one `JourneyStepRun` row, unique per (enrollment, step), so a
step can never run twice; the steps live in immutable `JourneyVersion` rows, so editing an active
journey leaves the customers already inside on the version they entered. `MarketingSend` is the
one ledger the frequency cap counts, written by journeys and broadcasts alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

JOURNEY_STATUSES = ("draft", "active", "paused", "archived")


class Journey(Base):
    __tablename__ = "journeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    template: Mapped[str | None] = mapped_column(String(40))  # the built-in template it came from
    template_digest: Mapped[str | None] = mapped_column(String(64))  # which version of that template
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | active | paused | archived
    trigger: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"kind": "lead_captured", ...}
    entry_criteria: Mapped[dict[str, Any]] = mapped_column(default=dict)  # segment criteria, {} = everyone
    reentry: Mapped[str] = mapped_column(String(10), default="once")  # once | every | days
    reentry_days: Mapped[int] = mapped_column(default=0)
    holdout_percent: Mapped[int] = mapped_column(default=0)
    goal: Mapped[str | None] = mapped_column(String(30))  # first_purchase | purchase | lead_captured | <signal>
    goal_days: Mapped[int] = mapped_column(default=30)  # conversion counted within this many days of entry
    current_version_id: Mapped[int | None]  # the version new entrants get (no FK: the two tables point at each other)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class JourneyVersion(Base):
    """The steps as validated JSON; never changed once a customer has entered it."""

    __tablename__ = "journey_versions"
    __table_args__ = (UniqueConstraint("journey_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    number: Mapped[int]
    steps: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class JourneyEnrollment(Base):
    """One customer's one entry into a journey.

    `status`: active (waiting for `due_at`), held_out (the control group: sent nothing), completed,
    converted (reached the goal), exited (another reason in `exit_reason`). `revision` grows with
    every advance: the tick updates a row only at the revision it read, so two ticks cannot both
    advance it. `entry_key` makes the re-entry policy a unique constraint.
    """

    __tablename__ = "journey_enrollments"
    __table_args__ = (
        UniqueConstraint("journey_id", "customer_id", "entry_key"),
        Index("ix_journey_enrollments_status_due_at", "status", "due_at"),
        Index("ix_journey_enrollments_customer_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("journey_versions.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(100))
    group: Mapped[str] = mapped_column(String(10), default="treated")  # treated | holdout
    variant: Mapped[str | None] = mapped_column(String(40))  # the A/B split's branch taken
    status: Mapped[str] = mapped_column(String(20), default="active")
    step: Mapped[str | None] = mapped_column(String(60))  # the step to run when due (None: past the last)
    due_at: Mapped[datetime | None]
    wait_event: Mapped[str | None] = mapped_column(String(60))  # waiting for this signal (due_at = timeout)
    revision: Mapped[int] = mapped_column(default=0)
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)  # trigger properties, events seen
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    exited_at: Mapped[datetime | None]
    converted_at: Mapped[datetime | None]
    exit_reason: Mapped[str | None] = mapped_column(String(40))


class JourneyStepRun(Base):
    """A step executed for an enrollment: `outcome` sent | withheld_consent | withheld_cap |
    unreachable | failed | done | yes | no | <variant>; the outbox row it queued, if any."""

    __tablename__ = "journey_step_runs"
    __table_args__ = (UniqueConstraint("enrollment_id", "step"), Index("ix_journey_step_runs_journey_step",
                                                                        "journey_id", "step"))

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("journey_enrollments.id", ondelete="CASCADE"))
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(30))
    outbox_id: Mapped[int | None]
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    clicked_at: Mapped[datetime | None]  # the first click on one of this message's tracked links


class MarketingSend(Base):
    """One marketing message that reached the outbox for a customer, whatever sent it
    ("journey:3", "broadcast:7"): what the frequency cap counts."""

    __tablename__ = "marketing_sends"
    __table_args__ = (Index("ix_marketing_sends_customer_at", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(default=utcnow)
