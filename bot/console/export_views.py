"""Customers out to CSV from the console: a saved segment (marketers, admins) or a search result
(whoever reads customers), with the import's columns; each export is audited, and admins see the audit."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, g, render_template, request
from sqlalchemy import select

from bot.console import security
from bot.console.customers import search_customers
from bot.console.views import reading, writing
from bot.crm.exports import customers_csv, record_export
from bot.marketing.segments import segment_query
from models import ExportRecord, Segment

exports = Blueprint("exports", __name__)


def _download(name: str, text: str) -> Response:
    return Response("\ufeff" + text, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"})


@exports.get("/segments/<int:segment_id>/export.csv")
@security.allow("segments")
def segment_csv(segment_id: int) -> Response:
    with writing() as db:
        segment = db.get(Segment, segment_id)
        if segment is None:
            abort(404, "no such segment")
        ids = list(db.scalars(segment_query(db, segment.criteria)))
        text = customers_csv(db, ids)
        record_export(db, user_email=g.user.email, what=segment.name, rows=len(ids), segment_id=segment.id)
    return _download(f"segment-{segment_id}.csv", text)


@exports.get("/customers/export.csv")
@security.allow("customers.read")
def search_csv() -> Response:
    query = (request.args.get("q") or "").strip()
    with writing() as db:
        ids = [c.id for c in search_customers(db, query)]
        text = customers_csv(db, ids)
        record_export(db, user_email=g.user.email, what=f"search: {query}" if query else "search: (newest customers)",
                      rows=len(ids))
    return _download("customers.csv", text)


@exports.get("/admin/exports")
@security.allow("admin")
def audit() -> Any:
    with reading() as db:
        records = list(db.scalars(select(ExportRecord).order_by(ExportRecord.id.desc()).limit(200)))
    return render_template("console/admin_exports.html", records=records)
