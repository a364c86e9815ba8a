"""The built-in journeys, ready to switch on: the seeds' customer lifecycle (crm-domain.md 1, 2,
3, 5), from the first follow to the loyal member and back from a complaint.

Why the texts come from the bot catalog: they are customer-visible and translated like every
other text; a template is built with the catalog's text in each language, its per-customer fields
(`{name}`, `{coupon}`...) left in place to be filled at send time. Once switched on, a journey is
the shop's own: editing it in the console or a TOML file never touches the template.

Why a digest of the template's steps on the journey: the template's words and steps change with
the code (a better text, a new step), while the shop's journey keeps the version it switched on.
`upgrade_available` tells the shop so, and `enable(..., upgrade=True)` takes the template's new
steps as a new version of the journey: customers entering from then on follow it, customers
already inside keep theirs (the versioning rule of store.py), and the shop's settings (name,
holdout, trigger and its churn-risk threshold) stay as the shop set them.

`ON_BY_DEFAULT`: the automations that used to be hard-coded jobs (the churn watch) are switched on
when the shop starts, so what the shop had continues.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm.journeys.definition import FIELDS, LANGUAGES, JourneyError
from bot.crm.journeys.store import export_dict, save_journey, set_status
from bot.i18n.texts import text
from models import Journey, JourneyVersion

ON_BY_DEFAULT = ("after_purchase", "winback_gold")
# Win back on the churn model when it can be trusted: customers at least this likely to buy nothing
# in the next [value] churn_days (the rule-based watch, gap_factor, otherwise). The default: the
# shop sets its own when it switches the template on, or in the journey's trigger afterwards.
CHURN_RISK = 0.6


def _say(key: str) -> dict[str, str]:
    """A catalog text in every language, the fields left as `{field}` for the send."""
    placeholders: Any = {field: "{" + field + "}" for field in FIELDS}
    return {language: text(key, language, **placeholders) for language in LANGUAGES}


def _name(settings: Settings, template: str) -> str:
    """The journey's name in the shop's default language (the shop renames it as it likes)."""
    return text(f"journeys.template_{template}", settings.app.default_language)


def _message(step_id: str, key: str, **extra: Any) -> dict[str, Any]:
    return {"id": step_id, "kind": "message", "text": _say(key), **extra}


def welcome(settings: Settings) -> dict[str, Any]:
    return {"name": _name(settings, "welcome"), "trigger": {"kind": "follow"}, "goal": "lead_captured", "goal_days": 14,
            "steps": [_message("incentive", "journeys.welcome_incentive"),
                      {"id": "two_days", "kind": "wait", "days": 2},
                      {"id": "lead_yet", "kind": "condition", "if": {"event": "lead_captured"}, "yes": [],
                       "no": [_message("reminder", "journeys.welcome_reminder")]}]}


def lead_to_first_purchase(settings: Settings) -> dict[str, Any]:
    return {"name": _name(settings, "lead_to_first_purchase"), "trigger": {"kind": "lead_captured"}, "goal": "first_purchase",
            "goal_days": 30,
            "steps": [{"id": "day1", "kind": "wait", "days": 1},
                      _message("offer", "journeys.lead_offer_recommendations"),
                      {"id": "day3", "kind": "wait", "days": 2},
                      {"id": "coupon_used", "kind": "condition", "if": {"event": "purchase"}, "yes": [],
                       "no": [_message("coupon_reminder", "journeys.lead_coupon_reminder")]},
                      {"id": "day7", "kind": "wait", "days": 4},
                      _message("stronger_offer", "journeys.lead_stronger_offer", coupon="FREECOFFEE")]}


def after_purchase(settings: Settings) -> dict[str, Any]:
    """The satisfaction question `[surveys] after_order_hours` after the order was placed (one per
    customer per `[surveys] window_days`), and with it a thank-you with the points balance."""
    wait: dict[str, Any] = {"id": "after_order", "kind": "wait", "from": "order"}
    if settings.surveys.after_order_hours:
        wait["hours"] = settings.surveys.after_order_hours
    else:
        wait["minutes"] = 1
    return {"name": _name(settings, "after_purchase"), "trigger": {"kind": "purchase"}, "reentry": "every",
            "steps": [wait, {"id": "satisfaction", "kind": "survey"},
                      {"id": "asked", "kind": "condition", "if": {"event": "survey_sent"},
                       "yes": [_message("thanks", "journeys.purchase_thanks", transactional=True)], "no": []}]}


def birthday_month(settings: Settings) -> dict[str, Any]:
    silver = next((t for t in settings.tiers if t.level == 3), None)
    coupon = silver.benefit_coupon if silver is not None and silver.benefit_coupon else "SILVER100"
    return {"name": _name(settings, "birthday_month"), "trigger": {"kind": "birthday_month", "tiers": [3]}, "reentry": "every",
            "goal": "purchase", "goal_days": 31,
            "steps": [{"id": "morning", "kind": "wait", "until": "10:00"},
                      _message("benefit", "journeys.birthday_benefit", coupon=coupon)]}


def winback_gold(settings: Settings) -> dict[str, Any]:
    return {"name": _name(settings, "winback_gold"), "reentry": "every", "goal": "purchase", "goal_days": 30,
            "trigger": {"kind": "no_purchase", "gap_factor": settings.analytics.churn_gap_factor, "churn_risk": CHURN_RISK,
                        "tiers": list(range(1, settings.analytics.gold_max_tier + 1))},
            "steps": [_message("care", "commerce.churn_care"),
                      {"id": "call", "kind": "task", "queue": "churn_watch",
                       "title": "Gold customer {name}: no purchase for {current_gap_days} days "
                                "(usually every {usual_gap_days})"},
                      {"id": "two_weeks", "kind": "wait", "days": 14},
                      {"id": "still_silent", "kind": "condition", "if": {"purchased_since_entry": True},
                       "yes": [], "no": [_message("offer", "journeys.winback_offer", coupon="GOLD300")]}]}


def tier_up(settings: Settings) -> dict[str, Any]:
    return {"name": _name(settings, "tier_up"), "trigger": {"kind": "tier_up"}, "reentry": "every",
            "steps": [_message("congratulations", "journeys.tier_up")]}


def tier_down(settings: Settings) -> dict[str, Any]:
    """A month before the tier would drop (if the customer bought nothing more), a warning with
    what keeps it; a purchase in that month is the goal."""
    return {"name": _name(settings, "tier_down"), "trigger": {"kind": "tier_down_expected", "days": 30},
            "reentry": "every", "goal": "purchase", "goal_days": 30,
            "steps": [_message("warning", "journeys.tier_down_warning")]}


def cross_sell(settings: Settings) -> dict[str, Any]:
    """A few days after a purchase, what other customers bought with it, as product cards."""
    return {"name": _name(settings, "cross_sell"), "trigger": {"kind": "purchase"}, "reentry": "every",
            "goal": "purchase", "goal_days": 14,
            "steps": [{"id": "three_days", "kind": "wait", "days": 3, "from": "order"},
                      {"id": "morning", "kind": "wait", "until": "10:00"},
                      _message("bought_together", "journeys.cross_sell")]}


def complaint_recovery(settings: Settings) -> dict[str, Any]:
    return {"name": _name(settings, "complaint_recovery"), "trigger": {"kind": "ticket_resolved"}, "reentry": "every",
            "goal": "purchase", "goal_days": settings.analytics.recovery_window_days,
            "steps": [{"id": "week", "kind": "wait", "days": 7},
                      _message("check_back", "journeys.complaint_check_back", transactional=True)]}


def after_appointment(settings: Settings) -> dict[str, Any]:
    return {"name": _name(settings, "after_appointment"), "trigger": {"kind": "appointment_completed"}, "reentry": "every",
            "steps": [{"id": "next_day", "kind": "wait", "until": "11:00"},
                      _message("book_next", "journeys.appointment_next")]}


TEMPLATES: dict[str, Callable[[Settings], dict[str, Any]]] = {
    "welcome": welcome, "lead_to_first_purchase": lead_to_first_purchase, "after_purchase": after_purchase,
    "birthday_month": birthday_month, "winback_gold": winback_gold, "tier_up": tier_up, "tier_down": tier_down,
    "complaint_recovery": complaint_recovery, "after_appointment": after_appointment, "cross_sell": cross_sell}


def uses_churn_risk(data: dict[str, Any]) -> bool:
    return "churn_risk" in data["trigger"]


def steps_digest(steps: list[Any]) -> str:
    return hashlib.sha256(json.dumps(steps, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def made_from(session: Session, name: str) -> Journey | None:
    """The journey the shop made from template `name` (the latest, if it made several)."""
    return session.scalar(select(Journey).where(Journey.template == name).order_by(Journey.id.desc()))


def upgrade_available(session: Session, settings: Settings, journey: Journey) -> bool:
    """True when the template's steps differ from the ones the journey was made from (or last
    upgraded to). A journey made before digests were kept is compared with its first version."""
    if journey.template not in TEMPLATES:
        return False
    made = journey.template_digest
    if made is None:
        first = session.scalar(select(JourneyVersion.steps).where(JourneyVersion.journey_id == journey.id)
                               .order_by(JourneyVersion.number).limit(1))
        made = steps_digest(list(first or []))
    return made != steps_digest(TEMPLATES[journey.template](settings)["steps"])


def enable(session: Session, settings: Settings, name: str, now: datetime, *, holdout: int | None = None,
           churn_risk: float | None = None, upgrade: bool = False) -> Journey:
    """Switch a template on: create its journey the first time, then (re)activate it; `upgrade`
    takes the template's current steps as a new version. Raises KeyError for an unknown template
    name, JourneyError for a setting out of range or a churn risk for a template without one."""
    data = TEMPLATES[name](settings)
    if churn_risk is not None and not uses_churn_risk(data):
        raise JourneyError([f"churn_risk: the template {name} does not enter customers by churn risk"])
    journey = made_from(session, name)
    if journey is None:
        if holdout is not None:
            data["holdout_percent"] = holdout
        if churn_risk is not None:
            data["trigger"]["churn_risk"] = churn_risk
        journey = save_journey(session, data, now, template=name)
        journey.template_digest = steps_digest(data["steps"])
    elif holdout is not None or churn_risk is not None or upgrade:
        changed = export_dict(session, journey)
        if holdout is not None:
            changed["holdout_percent"] = holdout
        if churn_risk is not None:
            changed["trigger"] = {**changed["trigger"], "churn_risk": churn_risk}
        if upgrade:
            changed["steps"] = data["steps"]
            journey.template_digest = steps_digest(data["steps"])
        save_journey(session, changed, now, journey=journey)
    set_status(session, journey, "active", now)
    return journey


def install_defaults(session: Session, settings: Settings, now: datetime) -> list[str]:
    """Switch on the templates that replace what the shop did before, unless the shop already has
    them (in any status: a paused or archived one was the shop's choice)."""
    installed = []
    for name in ON_BY_DEFAULT:
        if session.scalar(select(Journey.id).where(Journey.template == name)) is None:
            try:
                with session.begin_nested():  # two processes starting at once: the second finds it made
                    enable(session, settings, name, now)
            except IntegrityError:
                continue
            installed.append(name)
    return installed
