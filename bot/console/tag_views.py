"""Tags in the console: the list with how many customers carry each (rename, colour), tag and
untag on the customer's page with the history of changes, and tagging a saved segment at once.

Every change goes through `bot.crm.tags` with the staff member as its source ("console:<email>"),
so the history says who did it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console import security
from bot.console.i18n import gettext as _
from bot.console.views import form_text, reading, writing
from bot.crm import tags
from bot.marketing.segments import member_ids
from models import Customer, Segment, TagChange, utcnow

tag_pages = Blueprint("tags", __name__)


Result = TypeVar("Result")


def _source() -> str:
    return f"console:{g.user.email}"


def _change(change: Callable[[Session], Result], refused: Callable[[str], str]) -> Result | None:
    """Run one tag change in its own transaction; a refusal (`TagError`) is rolled back and flashed
    as `refused(reason)`, and None says so, so every tag form reports the same way."""
    try:
        with writing() as db:
            return change(db)
    except tags.TagError as exc:
        flash(refused(str(exc)), "error")
        return None


@tag_pages.app_template_global()
def tag_history(customer_id: int) -> list[TagChange]:
    """The customer page's tag panel reads its history through this (newest first)."""
    with reading() as db:
        return tags.history(db, customer_id, limit=20)


@tag_pages.get("/tags")
@security.allow("tags")
def index() -> Any:
    with reading() as db:
        found = tags.list_tags(db)
        saved = list(db.scalars(select(Segment).order_by(Segment.name)))
    return render_template("console/tags.html", tags=found, segments=saved)


@tag_pages.post("/tags/rename")
@security.allow("tags")
def rename() -> Any:
    old, new = form_text("old", 200), form_text("new", 200)
    changed = _change(lambda db: tags.rename_tag(db, old, new, source=_source(), now=utcnow()),
                      lambda reason: _("Not renamed: {reason}", reason=reason))
    if changed is not None:
        flash(_("Renamed; {n} customers changed.", n=changed))
    return redirect(url_for("tags.index"))


@tag_pages.post("/tags/colour")
@security.allow("tags")
def colour() -> Any:
    name, chosen = form_text("name", 200), form_text("colour", 20) or None
    _change(lambda db: tags.set_colour(db, name, chosen), lambda reason: _("Not saved: {reason}", reason=reason))
    return redirect(url_for("tags.index"))


@tag_pages.post("/segments/<int:segment_id>/tag")
@security.allow("tags")
def tag_segment(segment_id: int) -> Any:
    """Everyone in a saved segment gets the tag (their ids read now, like a broadcast's audience)."""
    name = form_text("name", 200)

    def tag_members(db: Session) -> int:
        segment = db.get(Segment, segment_id)
        if segment is None:
            abort(404, "no such segment")
        source = f"{_source()} segment:{segment.name}"[:100]
        return tags.tag_customers(db, member_ids(db, segment.criteria), name, source=source, now=utcnow())

    added = _change(tag_members, lambda reason: _("Not tagged: {reason}", reason=reason))
    if added is not None:
        flash(_("{n} customers tagged.", n=added))
    return redirect(url_for("tags.index"))


@tag_pages.post("/customers/<int:customer_id>/tags")
@security.allow("tags")
def customer_tag(customer_id: int) -> Any:
    change = tags.remove_tag if request.form.get("action") == "remove" else tags.add_tag
    name = form_text("name", 200)

    def apply(db: Session) -> bool:
        customer = db.get(Customer, customer_id)
        if customer is None:
            abort(404, "no such customer")
        return change(db, customer, name, source=_source(), now=utcnow())

    _change(apply, lambda reason: _("Not tagged: {reason}", reason=reason))
    return redirect(url_for("staff.customer", customer_id=customer_id) + "#tags-panel")
