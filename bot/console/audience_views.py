"""A saved segment as a LINE audience: upload it (marketers, admins) and see where it stands."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from sqlalchemy import select

from bot.console import security
from bot.console.i18n import gettext as _
from bot.console.views import reading, runtime, writing
from bot.marketing import audiences as line_audiences
from models import LineAudience, Segment

audiences = Blueprint("audiences", __name__)


def _segment_or_404(db: Any, segment_id: int) -> Segment:
    segment = db.get(Segment, segment_id)
    if segment is None:
        abort(404, "no such segment")
    return segment


@audiences.get("/segments/<int:segment_id>/line-audiences")
@security.allow("segments")
def page(segment_id: int) -> Any:
    with reading() as db:
        segment = _segment_or_404(db, segment_id)
        rows = list(db.scalars(select(LineAudience).where(LineAudience.segment_id == segment_id).order_by(LineAudience.id.desc())))
        reachable = len(line_audiences.line_user_ids(db, segment))
    return render_template("console/line_audiences.html", segment=segment, audiences=rows, reachable=reachable)


@audiences.post("/segments/<int:segment_id>/line-audiences")
@security.allow("segments")
def upload(segment_id: int) -> Any:
    with writing() as db:
        segment = _segment_or_404(db, segment_id)
        audience = line_audiences.upload_segment(db, segment, g.user.email)
        ok = audience.status != "failed"
    flash(_("The upload to LINE is queued; its status is below.") if ok else _("The upload to LINE failed; see the error below."))
    return redirect(url_for("audiences.page", segment_id=segment_id))


@audiences.post("/line-audiences/<int:audience_id>/refresh")
@security.allow("segments")
def refresh(audience_id: int) -> Any:
    with writing() as db:
        audience = db.get(LineAudience, audience_id)
        if audience is None:
            abort(404, "no such audience")
        line_audiences.refresh_status(db, runtime().settings, audience)
        segment_id = audience.segment_id
    if segment_id is None:
        return redirect(url_for("segments.index"))
    return redirect(url_for("audiences.page", segment_id=segment_id))
