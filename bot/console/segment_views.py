"""Segment builder pages: the form, the live count and sample (JSON, as the form changes), saving."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from bot.console import security
from bot.console.i18n import gettext as _
from bot.console.views import form_text, reading, writing
from bot.crm import products
from bot.marketing.segments import CHANNELS, LIST_FIELDS, TIERS, count_and_sample, describe, parse_criteria, stage_choices
from models import Segment

segments = Blueprint("segments", __name__)


def criteria_form(criteria: dict[str, Any]) -> MultiDict:
    """Saved criteria back into form values, to show a segment in the builder."""
    values: MultiDict[str, str] = MultiDict()
    for key, value in criteria.items():
        if key in LIST_FIELDS:
            values[key] = ", ".join(value)
        elif isinstance(value, list):
            for item in value:
                values.add(key, str(item))
        else:
            values[key] = str(value)
    return values


def _builder(segment: Segment | None, form: MultiDict, errors: dict[str, str], status: int = 200) -> Any:
    with reading() as db:
        criteria, _errors = parse_criteria(form)
        count, sample = count_and_sample(db, criteria) if not _errors else (0, [])
        saved = list(db.scalars(select(Segment).order_by(Segment.name)))
        stages = stage_choices(db)
        categories = products.categories(db)
    return render_template("console/segments.html", segment=segment, form=form, errors=errors, count=count, sample=sample,
                           saved=saved, stages=stages, tiers=TIERS, channels=CHANNELS, describe=describe,
                           categories=categories), status


@segments.get("/segments")
@security.allow("segments")
def index() -> Any:
    return _builder(None, MultiDict(), {})


@segments.get("/segments/<int:segment_id>")
@security.allow("segments")
def edit(segment_id: int) -> Any:
    with reading() as db:
        segment = db.get(Segment, segment_id)
    if segment is None:
        abort(404, "no such segment")
    form = criteria_form(segment.criteria)
    form["name"] = segment.name
    return _builder(segment, form, {})


@segments.get("/segments/preview.json")
@security.allow("segments")
def preview() -> Any:
    criteria, errors = parse_criteria(request.args)
    if errors:
        return jsonify(errors={k: _(v) for k, v in errors.items()}, count=None, sample=[]), 400
    with reading() as db:
        count, sample = count_and_sample(db, criteria)
    return jsonify(count=count, criteria=criteria, errors={},
                   sample=[{"id": c.id, "name": c.display_name, "stage": c.stage, "tier": c.tier,
                            "url": url_for("staff.customer", customer_id=c.id)} for c in sample])


@segments.post("/segments")
@segments.post("/segments/<int:segment_id>")
@security.allow("segments")
def save(segment_id: int | None = None) -> Any:
    criteria, errors = parse_criteria(request.form)
    name = form_text("name", 100)
    if not name:
        errors.add("name", "required")
    with reading() as db:
        segment = db.get(Segment, segment_id) if segment_id else None
    if segment_id and segment is None:
        abort(404, "no such segment")
    if errors:
        return _builder(segment, request.form, {k: _(v) for k, v in errors.items()}, 400)
    try:
        with writing() as db:
            row = db.get(Segment, segment_id) if segment_id else Segment(created_by_id=g.user.id)
            assert row is not None  # a missing segment was answered with 404 above
            row.name, row.criteria = name, criteria
            db.add(row)
            db.flush()
            saved_id = row.id
    except IntegrityError:
        return _builder(segment, request.form, {"name": _("A segment with this name exists already.")}, 400)
    flash(_("Segment saved."))
    return redirect(url_for("segments.edit", segment_id=saved_id))


@segments.post("/segments/<int:segment_id>/delete")
@security.allow("segments")
def delete(segment_id: int) -> Any:
    with writing() as db:
        segment = db.get(Segment, segment_id)
        if segment is None:
            abort(404, "no such segment")
        db.delete(segment)
    flash(_("Segment deleted."))
    return redirect(url_for("segments.index"))
