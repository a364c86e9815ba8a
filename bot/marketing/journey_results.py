"""A journey's numbers: who entered and where they are, what each step did, and the goal's
conversion for the treated group against the holdout (the broadcasts' `Lift`: rates, difference,
Newcombe's 95 % interval, a "too small to conclude" verdict, the minimum detectable effect), and for
an A/B split each variant's conversion and the one ahead against the runner-up with the same rule.

Why grouped counts only: a journey with 100,000 entries is summed by the database in a few grouped
queries, never loaded row by row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.crm.journeys.definition import walk
from bot.crm.journeys.links import step_runs_clicked
from bot.marketing.results import Lift
from models import Journey, JourneyEnrollment, JourneyStepRun, JourneyVersion, OutboxMessage, utcnow


@dataclass
class StepStats:
    step_id: str
    kind: str
    waiting: int = 0  # active entries whose next step this is
    outcomes: dict[str, int] = field(default_factory=dict)
    failed_delivery: int = 0  # messages the platform refused in the end
    clicked: int = 0  # messages whose tracked link was clicked (once per message)


@dataclass
class Variant:
    name: str
    entered: int
    converted: int

    @property
    def rate(self) -> float:
        return self.converted / self.entered if self.entered else 0.0


@dataclass
class JourneyStats:
    entered: int
    holdout: int
    waiting: int
    completed: int
    converted: int  # exited by the goal
    exited_other: int
    sent: int
    failed: int
    withheld_consent: int
    withheld_cap: int
    steps: list[StepStats]
    lift: Lift | None
    variants: list[Variant]
    start: datetime | None = None
    end: datetime | None = None

    def _ranked(self) -> list[Variant]:
        return sorted(self.variants, key=lambda v: v.rate, reverse=True)

    @property
    def ahead_variant(self) -> str | None:
        """The variant with the highest conversion, when there is a split and one is ahead at all."""
        ranked = self._ranked()
        return ranked[0].name if len(ranked) >= 2 and ranked[0].rate > ranked[1].rate else None

    @property
    def runner_up_variant(self) -> str | None:
        ranked = self._ranked()
        return ranked[1].name if len(ranked) >= 2 else None

    @property
    def variant_comparison(self) -> Lift | None:
        """The variant ahead against the runner-up, with the broadcasts' honest interval and
        verdict (`Lift`: Newcombe, "too small to conclude", minimum detectable effect)."""
        ranked = self._ranked()
        if len(ranked) < 2 or self.start is None or self.end is None:
            return None
        first, second = ranked[0], ranked[1]
        return Lift(first.entered, first.converted, second.entered, second.converted, self.start, self.end)

    @property
    def leading_variant(self) -> str | None:
        """The variant that leads: ahead, and by more than chance (its interval against the
        runner-up excludes zero). A variant ahead on a handful of customers does not lead."""
        comparison = self.variant_comparison
        return self.ahead_variant if comparison is not None and comparison.verdict == "raised" else None


def journey_stats(session: Session, journey: Journey, now: datetime | None = None) -> JourneyStats:
    now = now or utcnow()
    mine = JourneyEnrollment.journey_id == journey.id
    statuses = dict(session.execute(select(JourneyEnrollment.status, func.count()).where(mine)
                                    .group_by(JourneyEnrollment.status)).all())
    outcomes: dict[tuple[str, str], int] = {
        (step, outcome): n for step, outcome, n in session.execute(
            select(JourneyStepRun.step, JourneyStepRun.outcome, func.count())
            .where(JourneyStepRun.journey_id == journey.id).group_by(JourneyStepRun.step, JourneyStepRun.outcome))}
    failed_by_step = dict(session.execute(
        select(JourneyStepRun.step, func.count()).join(OutboxMessage, OutboxMessage.id == JourneyStepRun.outbox_id)
        .where(JourneyStepRun.journey_id == journey.id, OutboxMessage.status == "failed")
        .group_by(JourneyStepRun.step)).all())
    waiting_at = dict(session.execute(select(JourneyEnrollment.step, func.count())
                                      .where(mine, JourneyEnrollment.status == "active").group_by(JourneyEnrollment.step)).all())
    clicked = step_runs_clicked(session, journey.id)
    version = session.get(JourneyVersion, journey.current_version_id) if journey.current_version_id else None
    steps = []
    for step in walk(list(version.steps) if version else []):
        stats = StepStats(step["id"], step["kind"], waiting_at.get(step["id"], 0),
                          {o: n for (s, o), n in outcomes.items() if s == step["id"]}, failed_by_step.get(step["id"], 0),
                          clicked.get(step["id"], 0))
        steps.append(stats)

    def total(outcome: str) -> int:
        return sum(n for (_, o), n in outcomes.items() if o == outcome)

    entered = sum(statuses.values())
    first_entry = session.scalar(select(func.min(JourneyEnrollment.entered_at)).where(mine))
    return JourneyStats(
        entered=entered, holdout=statuses.get("held_out", 0), waiting=statuses.get("active", 0),
        completed=statuses.get("completed", 0), converted=statuses.get("converted", 0),
        exited_other=statuses.get("exited", 0), sent=total("sent"), failed=sum(failed_by_step.values()) + total("failed"),
        withheld_consent=total("withheld_consent"), withheld_cap=total("withheld_cap"), steps=steps,
        lift=_lift(session, journey, now) if journey.goal else None, variants=_variants(session, journey),
        start=first_entry, end=now)


def _lift(session: Session, journey: Journey, now: datetime) -> Lift | None:
    """Conversion of the treated group against the holdout: share of each that reached the goal."""
    rows = session.execute(select(JourneyEnrollment.group, func.count(), func.count(JourneyEnrollment.converted_at),
                                  func.min(JourneyEnrollment.entered_at))
                           .where(JourneyEnrollment.journey_id == journey.id).group_by(JourneyEnrollment.group)).all()
    if not rows:
        return None
    by_group = {group: (n, converted) for group, n, converted, _ in rows}
    start = min(first for *_, first in rows)
    treated, holdout = by_group.get("treated", (0, 0)), by_group.get("holdout", (0, 0))
    return Lift(treated[0], treated[1], holdout[0], holdout[1], start, now)


def _variants(session: Session, journey: Journey) -> list[Variant]:
    rows = session.execute(select(JourneyEnrollment.variant, func.count(), func.count(JourneyEnrollment.converted_at))
                           .where(JourneyEnrollment.journey_id == journey.id, JourneyEnrollment.variant.is_not(None))
                           .group_by(JourneyEnrollment.variant).order_by(JourneyEnrollment.variant)).all()
    return [Variant(name or "", n, converted) for name, n, converted in rows]


def customer_journeys(session: Session, customer_id: int) -> list[tuple[Journey, JourneyEnrollment]]:
    """The journeys a customer is in or was in, newest entry first, for the customer's page."""
    rows = session.execute(select(Journey, JourneyEnrollment).join(JourneyEnrollment, JourneyEnrollment.journey_id == Journey.id)
                           .where(JourneyEnrollment.customer_id == customer_id)
                           .order_by(JourneyEnrollment.entered_at.desc(), JourneyEnrollment.id.desc()).limit(20)).all()
    return [(journey, enrollment) for journey, enrollment in rows]

