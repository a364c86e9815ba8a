"""What puts customers into journeys and moves them on from outside the tick.

* Signals (`bot.crm.hooks.fire_signal`): follow, lead captured, a tag added, a tier changed, a
  ticket resolved, a custom event from the shop API, a button answered... enter the journeys that
  start from that signal, wake enrollments waiting for it, and end those whose goal it is.
* Orders (`bot.crm.hooks.on_order`): first purchase / any purchase triggers, and the purchase
  goals (a customer who buys exits wherever they are, counted converted; a held-out customer is
  counted converted too, so the two groups compare).
* Scheduled triggers, run by the daily job: the birthday month begins, no purchase for N days
  (or N times the customer's own usual gap), a saved segment's new members, a tier that would drop
  within N days without another purchase. Each selects its
  customers in SQL and enters them with one INSERT ... SELECT.

Why in the domain's own transaction: the reaction commits or rolls back with its cause.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm import hooks
from bot.crm.analytics import churn_candidates
from bot.crm.hooks import CustomerSignal, OrderPlaced
from bot.crm.journeys import criteria
from bot.crm.journeys.enrollment import enroll, enroll_query
from bot.crm.journeys.links import note_event
from bot.crm.text import zone
from bot.crm.tiers import expected_drops
from bot.crm.value.reads import churn_trusted
from models import Customer, CustomerValue, Journey, JourneyEnrollment, Order, Segment

GOAL_OF_SIGNAL = {"lead_captured": "lead_captured"}


def _active(session: Session, kinds: tuple[str, ...]) -> list[Journey]:
    return [j for j in session.scalars(select(Journey).where(Journey.status == "active").order_by(Journey.id))
            if j.trigger.get("kind") in kinds]


def _trigger_matches(journey: Journey, properties: dict[str, Any]) -> bool:
    """Optional filters on a trigger: `tag` for tag_added, `name` for a custom event, `to` for a tier."""
    trigger = journey.trigger
    if trigger["kind"] == "tag_added" and trigger.get("tag") and properties.get("tag") != trigger["tag"]:
        return False
    if trigger["kind"] == "event" and properties.get("name") != trigger.get("name"):
        return False
    return not (trigger.get("to") is not None and properties.get("to") != trigger["to"])


def on_signal(event: CustomerSignal) -> None:
    session, customer, now = event.session, event.customer, event.now
    properties = dict(event.properties)
    signal = event.name
    label = str(properties.get("name")) if signal == "event" else signal
    _wake_waiting(session, customer.id, label, now)
    if signal in GOAL_OF_SIGNAL:
        reach_goal(session, customer.id, (GOAL_OF_SIGNAL[signal],), now)
    for journey in _active(session, (signal,)):
        if _trigger_matches(journey, properties):
            hint = str(properties.get("key") or properties.get("idempotency_key") or f"{signal}:{now.isoformat()}")
            enroll(session, journey, customer.id, now, hint=hint, context={"trigger": signal, **_plain(properties)})


def _plain(properties: dict[str, Any]) -> dict[str, Any]:
    """Only JSON scalars from a signal's properties go into an enrollment's context."""
    return {k: v for k, v in properties.items() if isinstance(v, str | int | float | bool) or v is None}


def _wake_waiting(session: Session, customer_id: int, label: str, now: datetime) -> None:
    """Remember the event on the customer's active enrollments (conditions read it) and make the
    ones waiting for it due now."""
    for enrollment in session.scalars(select(JourneyEnrollment).where(
            JourneyEnrollment.customer_id == customer_id, JourneyEnrollment.status == "active")):
        note_event(enrollment, label, now)


def on_order(event: OrderPlaced) -> None:
    if event.order.amount <= 0:  # a refund is no purchase
        return
    goals = ("purchase", "first_purchase") if event.first_purchase else ("purchase",)
    reach_goal(event.session, event.customer.id, goals, min(event.now, event.order.placed_at))
    _wake_waiting(event.session, event.customer.id, "purchase", event.now)
    for journey in _active(event.session, goals):
        enroll(event.session, journey, event.customer.id, event.now, hint=f"order:{event.order.id}",
               due_at=event.order.placed_at,
               context={"trigger": "purchase", "order_id": event.order.id, "amount": str(event.order.amount),
                        "placed_at": event.order.placed_at.isoformat()})


def reach_goal(session: Session, customer_id: int, goals: tuple[str, ...], now: datetime) -> int:
    """Mark the customer's entries into journeys with one of these goals as converted, when `now`
    (the purchase's time, for a purchase) falls in the entry's goal window; treated customers still
    inside exit. Returns how many converted."""
    journeys = {j.id: j for j in session.scalars(select(Journey).where(Journey.goal.in_(goals)))}
    converted = 0
    for journey in journeys.values():
        window = and_(JourneyEnrollment.journey_id == journey.id, JourneyEnrollment.customer_id == customer_id,
                      JourneyEnrollment.converted_at.is_(None), JourneyEnrollment.entered_at <= now,
                      JourneyEnrollment.entered_at >= now - timedelta(days=journey.goal_days))
        inside = session.execute(update(JourneyEnrollment).where(window, JourneyEnrollment.status == "active").values(
            status="converted", converted_at=now, exited_at=now, exit_reason="goal", due_at=None, wait_event=None)
            .execution_options(synchronize_session=False))
        others = session.execute(update(JourneyEnrollment).where(window).values(converted_at=now)
                                 .execution_options(synchronize_session=False))
        converted += int(inside.rowcount or 0) + int(others.rowcount or 0)  # type: ignore[attr-defined]
    return converted


_registered: list[bool] = []


def register() -> None:
    """Listen to the domain's signals and orders, once per process."""
    if not _registered:
        hooks.on_signal(on_signal)
        hooks.on_order(on_order)
        _registered.append(True)


# --- scheduled triggers (the daily job) ---------------------------------------------------------

def run_scheduled(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Enter customers into the journeys that start on a date or a silence; how many per journey."""
    entered: dict[str, int] = {}
    for journey in _active(session, ("birthday_month", "no_purchase", "segment", "tier_down_expected")):
        kind = journey.trigger["kind"]
        if kind == "tier_down_expected":
            count = _tier_down_expected(session, settings, journey, now)
        elif kind == "birthday_month":
            count = _birthday_month(session, settings, journey, now)
        elif kind == "no_purchase":
            count = _no_purchase(session, settings, journey, now)
        else:
            query = criteria.matching_query(session, segment_criteria(session, journey.trigger), now)
            count = enroll_query(session, journey, query, now, key="segment") if query is not None else 0
        entered[journey.name] = count
    return entered


def _birthday_month(session: Session, settings: Settings, journey: Journey, now: datetime) -> int:
    """On the first days of a month, the customers born in it (once a year: the key names the year)."""
    local = now.astimezone(zone(settings))
    query = select(Customer.id).where(Customer.birthday_month == local.month)
    if journey.trigger.get("tiers"):
        query = query.where(Customer.tier.in_(list(journey.trigger["tiers"])))
    return enroll_query(session, journey, query, now, key=f"birthday:{local.year}-{local.month:02d}")


def _no_purchase(session: Session, settings: Settings, journey: Journey, now: datetime) -> int:
    """Customers silent for `days`, or for `gap_factor` x their own usual gap (the churn rule of
    `bot.crm.analytics`, gold tiers only unless `tiers` says otherwise), or, with `churn_risk` and a
    churn model that says it can be trusted, the customers whose nightly churn risk is at least
    that (the rule-based watch stays for shops with too little history). One entry per silence:
    the key is the last purchase's time, the same whichever rule found them."""
    trigger = journey.trigger
    if trigger.get("churn_risk") is not None and churn_trusted(session):
        return _churn_risk(session, journey, now)
    if trigger.get("gap_factor") is not None:
        entered = 0
        for risk in churn_candidates(session, settings, now):
            customer = session.get(Customer, risk.customer_id)
            if customer is None or (trigger.get("tiers") and customer.tier not in trigger["tiers"]):
                continue
            context = {"trigger": "no_purchase", "orders": risk.orders, "usual_gap_days": risk.usual_gap_days,
                       "current_gap_days": risk.current_gap_days, "last_order_at": risk.last_order_at.isoformat(),
                       "tier": customer.tier}
            entered += enroll(session, journey, customer.id, now, hint=f"silence:{risk.last_order_at.isoformat()}",
                              context=context) is not None
        return entered
    last = func.max(Order.placed_at)
    silent = (select(Order.customer_id).where(Order.amount > 0).group_by(Order.customer_id)
              .having(last < now - timedelta(days=int(trigger["days"]))))
    if trigger.get("tiers"):
        silent = silent.where(Order.customer_id.in_(select(Customer.id).where(Customer.tier.in_(trigger["tiers"]))))
    return enroll_query(session, journey, silent, now, key=f"silence:{now.date().isoformat()}")


def _churn_risk(session: Session, journey: Journey, now: datetime) -> int:
    trigger = journey.trigger
    last = func.max(Order.placed_at)
    query = (select(Customer.id, CustomerValue.churn_risk, last).join(CustomerValue, CustomerValue.customer_id == Customer.id)
             .join(Order, Order.customer_id == Customer.id)
             .where(CustomerValue.churn_risk >= float(trigger["churn_risk"]), Order.amount > 0)
             .group_by(Customer.id, CustomerValue.churn_risk).order_by(Customer.id))
    if trigger.get("tiers"):
        query = query.where(Customer.tier.in_(list(trigger["tiers"])))
    entered = 0
    for customer_id, risk, last_order_at in session.execute(query).all():
        context = {"trigger": "churn_risk", "churn_risk": round(float(risk or 0), 3), "last_order_at": last_order_at.isoformat(),
                   "current_gap_days": (now - _aware(last_order_at, now)).days}
        entered += enroll(session, journey, customer_id, now, hint=f"silence:{last_order_at.isoformat()}",
                          context=context) is not None
    return entered


def _aware(moment: datetime, like: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=like.tzinfo)


def _tier_down_expected(session: Session, settings: Settings, journey: Journey, now: datetime) -> int:
    """Customers whose tier would drop within `days` (30 unless told) if they bought nothing more
    (`bot.crm.tiers.expected_drops`). Once per expected drop: the key names the tiers and the last
    purchase the forecast stands on, so the daily run does not warn again, and a customer who buys
    and is still short later is a new forecast."""
    entered = 0
    for drop in expected_drops(session, settings, now, int(journey.trigger.get("days", 30))):
        hint = f"tier-drop:{drop.tier}>{drop.expected_tier}:{drop.last_order_at.isoformat()}"
        context = {"trigger": "tier_down_expected", "tier": drop.tier, "expected_tier": drop.expected_tier}
        entered += enroll(session, journey, drop.customer_id, now, hint=hint, context=context) is not None
    return entered


def segment_criteria(session: Session, trigger: dict[str, Any]) -> dict[str, Any]:
    """A segment trigger's criteria: a saved segment's (`segment_id`, read each day, so an edit of
    the segment applies) or its own (`criteria`)."""
    if trigger.get("segment_id") is not None:
        segment = session.get(Segment, int(trigger["segment_id"]))
        return dict(segment.criteria) if segment is not None else {"stages": ["__none__"]}
    return dict(trigger.get("criteria") or {})


def record_answer(session: Session, customer_id: int, enrollment_id: int, answer: str, now: datetime) -> bool:
    """A button a journey's message offered was pressed: remember `answer:<name>` on the customer's
    active entries (a condition reads it, a wait for it ends). False for a button that is not this
    customer's (forged or from another account)."""
    owner = session.scalar(select(JourneyEnrollment.customer_id).where(JourneyEnrollment.id == enrollment_id))
    if owner != customer_id:
        return False
    hooks.signal(session, customer_id, f"answer:{answer}", {"enrollment": enrollment_id}, now)
    return True
