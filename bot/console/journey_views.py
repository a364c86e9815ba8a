"""Journey pages: the list with the built-in templates, the builder, the numbers, the status.

Who: marketers and admins build, switch on and pause journeys (capability "journeys"); staff do
not see these pages (they see, read-only, which journeys a customer is in on the customer's page).
Every form carries the CSRF token (checked for every POST by `bot.console.security`).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from bot.console import journey_form, labels, security
from bot.console.i18n import gettext as _
from bot.console.journey_labels import journey_label
from bot.console.views import reading, runtime, writing
from bot.crm.journeys.definition import GOALS, JOURNEY_STATUSES, REENTRY, STEP_KINDS, TRIGGERS, JourneyError, walk
from bot.crm.journeys.store import save_journey, set_status
from bot.crm.journeys.templates import CHURN_RISK, TEMPLATES, enable, made_from, upgrade_available, uses_churn_risk
from bot.crm.value.intervals import mde_by_audience
from bot.marketing.journey_results import journey_stats
from models import Journey, JourneyEnrollment, JourneyVersion, Segment, utcnow

journeys = Blueprint("journeys", __name__)
# the trigger's one parameter, by kind: what the "trigger value" field means
TRIGGER_VALUE = {"tag_added": "tag", "event": "name", "no_purchase": "days", "segment": "segment_id",
                 "tier_down_expected": "days"}


@journeys.get("/journeys")
@security.allow("journeys")
def index() -> Any:
    with reading() as db:
        rows = list(db.scalars(select(Journey).order_by(Journey.id)))
        counts = {(j, s): n for j, s, n in db.execute(
            select(JourneyEnrollment.journey_id, JourneyEnrollment.status, func.count())
            .group_by(JourneyEnrollment.journey_id, JourneyEnrollment.status))}
        made = {j.template for j in rows if j.template}
        settings = runtime().settings
        newer = {name for name in made if (j := made_from(db, name)) is not None and upgrade_available(db, settings, j)}
    templates = [(name, build(settings)) for name, build in TEMPLATES.items()]
    return render_template("console/journeys.html", journeys=rows, counts=counts, templates=templates, made=made,
                           newer=newer, uses_churn_risk=uses_churn_risk, default_churn_risk=CHURN_RISK,
                           journey_label=journey_label)


@journeys.post("/journeys/templates/<name>")
@security.allow("journeys")
def switch_on(name: str) -> Any:
    if name not in TEMPLATES:
        abort(404, "no such template")
    holdout = request.form.get("holdout", "").strip()
    if holdout and (not holdout.isdigit() or int(holdout) > 90):
        flash(_("Holdout: a whole number from 0 to 90."), "error")
        return redirect(url_for("journeys.index"))
    risk = request.form.get("churn_risk", "").strip()
    churn_risk = _probability(risk) if risk else None
    if churn_risk is not None and not (isinstance(churn_risk, float) and 0 <= churn_risk <= 1):
        flash(_("Churn risk: a number from 0 to 1, e.g. 0.6."), "error")
        return redirect(url_for("journeys.index"))
    upgrade = request.form.get("upgrade") == "1"
    with writing() as db:
        journey = enable(db, runtime().settings, name, utcnow(), holdout=int(holdout) if holdout else None,
                         churn_risk=churn_risk, upgrade=upgrade)
        journey_id = journey.id
    flash(_("Journey upgraded to the template's newer version.") if upgrade else _("Journey switched on."))
    return redirect(url_for("journeys.page", journey_id=journey_id))


@journeys.get("/journeys/new")
@security.allow("journeys")
def new() -> Any:
    return _builder(None, _settings_form(None), [], {})


@journeys.get("/journeys/<int:journey_id>")
@security.allow("journeys")
def page(journey_id: int) -> Any:
    with reading() as db:
        journey = db.get(Journey, journey_id)
        if journey is None:
            abort(404, "no such journey")
        version = db.get(JourneyVersion, journey.current_version_id) if journey.current_version_id else None
        tree = list(version.steps) if version else []
    return _builder(journey, _settings_form(journey), tree, {})


def _settings_form(journey: Journey | None) -> MultiDict[str, str]:
    form: MultiDict[str, str] = MultiDict()
    if journey is None:
        form.update({"trigger_kind": "lead_captured", "reentry": "once", "holdout_percent": "0", "goal_days": "30"})
        return form
    trigger = journey.trigger
    form.update({"name": journey.name, "trigger_kind": trigger.get("kind", ""),
                 "trigger_value": str(trigger.get(TRIGGER_VALUE.get(trigger.get("kind", ""), ""), "")),
                 "trigger_churn_risk": str(trigger.get("churn_risk", "")),
                 "reentry": journey.reentry, "reentry_days": str(journey.reentry_days or ""),
                 "holdout_percent": str(journey.holdout_percent), "goal": journey.goal or "",
                 "goal_days": str(journey.goal_days)})
    return form


def _builder(journey: Journey | None, form: MultiDict[str, str], tree: list[Any], errors: dict[str, Any],
             status: int = 200) -> Any:
    stats = None
    if journey is not None:
        with reading() as db:
            stats = journey_stats(db, db.get(Journey, journey.id) or journey)
    settings = runtime().settings
    return render_template("console/journey.html", journey=journey, form=form, tree=tree, errors=errors, stats=stats,
                           tree_json=json.dumps(tree, ensure_ascii=False), places=journey_form.places(tree),
                           kinds=STEP_KINDS, triggers=TRIGGERS, goals=GOALS, reentries=REENTRY, statuses=JOURNEY_STATUSES,
                           condition_kinds=journey_form.CONDITION_KINDS, buttons_text=journey_form.buttons_text,
                           preview=lambda step: journey_form.preview(step, settings.shop.name),
                           journey_label=journey_label, channels=labels.CHANNELS, mde_rows=_mde_rows(form)), status


def _mde_rows(form: MultiDict[str, str]) -> list[tuple[int, float | None]]:
    """What the chosen holdout could detect at a 5 % conversion, for a few numbers of entries."""
    chosen = (form.get("holdout_percent") or "").strip()
    percent = max(0, min(90, int(chosen))) if chosen.isdigit() else 0
    return mde_by_audience(percent, 0.05)


def _trigger(form: MultiDict[str, str], previous: dict[str, Any] | None) -> dict[str, Any]:
    """The trigger from the form. The parts the form does not show (a win-back's gap factor and
    tiers) are kept from the journey's trigger while its kind stays the same."""
    kind = form.get("trigger_kind", "")
    trigger: dict[str, Any] = dict(previous) if previous and previous.get("kind") == kind else {"kind": kind}
    value = (form.get("trigger_value") or "").strip()
    key = TRIGGER_VALUE.get(kind)
    if key:
        trigger.pop(key, None)
    if key and value:
        trigger[key] = int(value) if key in ("days", "segment_id") and value.isdigit() else value
    if kind == "no_purchase":
        trigger.pop("churn_risk", None)
        risk = (form.get("trigger_churn_risk") or "").strip()
        if risk:
            trigger["churn_risk"] = _probability(risk)
    return trigger


def _probability(value: str) -> Any:
    """A number when the field holds one (validation checks its range), else the text as typed."""
    try:
        return float(value)
    except ValueError:
        return value


def _number(form: MultiDict[str, str], name: str, default: int) -> Any:
    value = (form.get(name) or "").strip()
    return int(value) if value.isdigit() else (default if not value else value)


@journeys.post("/journeys")
@journeys.post("/journeys/<int:journey_id>")
@security.allow("journeys")
def save(journey_id: int | None = None) -> Any:
    journey = None
    if journey_id is not None:
        with reading() as db:
            journey = db.get(Journey, journey_id)
        if journey is None:
            abort(404, "no such journey")
    form = request.form
    tree = journey_form.read_fields(journey_form.load_tree(form.get("steps_json")), form)
    action = form.get("action", "save")
    if action != "save":  # a change of the tree's shape: show it again, nothing saved yet
        if action == "add":
            tree = journey_form.add_step(tree, form.get("add_kind", ""), form.get("add_where", "end"))
        elif action.startswith("remove:"):
            tree = journey_form.remove_step(tree, action.split(":", 1)[1])
        elif action.startswith(("up:", "down:")):
            tree = journey_form.move_step(tree, action.split(":", 1)[1], -1 if action.startswith("up:") else 1)
        return _builder(journey, MultiDict(form), tree, {})
    trigger = _trigger(form, journey.trigger if journey else None)
    data = {"name": (form.get("name") or "").strip(), "trigger": trigger, "reentry": form.get("reentry", "once"),
            "reentry_days": _number(form, "reentry_days", 0), "holdout_percent": _number(form, "holdout_percent", 0),
            "goal": form.get("goal") or None, "goal_days": _number(form, "goal_days", 30), "steps": tree}
    segment_problem = _segments_to_criteria(tree)
    try:
        if segment_problem:
            raise JourneyError([segment_problem])
        with writing() as db:
            saved = save_journey(db, data, utcnow(), journey=db.get(Journey, journey.id) if journey else None)
            saved_id = saved.id
    except JourneyError as error:
        return _builder(journey, MultiDict(form), tree, {"problems": error.problems}, 422)
    flash(_("Journey saved."))
    return redirect(url_for("journeys.page", journey_id=saved_id))


def _segments_to_criteria(tree: list[Any]) -> str | None:
    """A condition on a saved segment names it by id in the form; the journey keeps its criteria."""
    with reading() as db:
        for step in walk(tree):
            test = step.get("if") if step.get("kind") == "condition" else None
            if isinstance(test, dict) and isinstance(test.get("segment"), str):
                value = test["segment"]
                segment = db.get(Segment, int(value)) if value.isdigit() else None
                if segment is None:
                    return f"step {step['id']!r} (condition): if.segment: the id of a saved segment"
                test["segment"] = dict(segment.criteria)
    return None


@journeys.post("/journeys/<int:journey_id>/status")
@security.allow("journeys")
def change_status(journey_id: int) -> Any:
    status = request.form.get("status", "")
    try:
        with writing() as db:
            journey = db.get(Journey, journey_id)
            if journey is None:
                abort(404, "no such journey")
            set_status(db, journey, status, utcnow())
    except JourneyError as error:
        flash(_(error.problems[0]), "error")
    else:
        flash(_("Journey status changed."))
    return redirect(url_for("journeys.page", journey_id=journey_id))
