"""The value report: model quality (can the marketer trust the figures?), the clusters
as seed 003 draws them with a strategy each (changeable, one click to a segment), the distribution
of expected spend, customers flagged with losses, and CSV downloads. Marketers and admins read it;
changing a strategy or making a segment needs the segments capability."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.console import security
from bot.console.i18n import gettext as _
from bot.console.report_views import csv_response
from bot.console.value_panels import STRATEGY_WORDS
from bot.console.views import reading, runtime, writing
from bot.crm.value.clusters import STRATEGIES
from bot.marketing import value_reports as compute
from models import Segment, ValueCluster

value = Blueprint("value", __name__)

DOWNLOADS = {"clusters": compute.clusters, "clv-distribution": compute.clv_distribution, "customer-scores": compute.customer_scores}


@value.get("/value")
@security.allow("reports")
def index() -> Any:
    with reading() as db:
        tables = {name: build(db) for name, build in DOWNLOADS.items() if name != "customer-scores"}
        quality = compute.quality(db)
        losses = compute.losses(db)
    return render_template("console/value.html", tables=tables, quality=quality, losses=losses, settings=runtime().settings,
                           strategies=STRATEGIES, strategy_words=STRATEGY_WORDS)


@value.get("/value/<name>.csv")
@security.allow("reports")
def download(name: str) -> Any:
    build = DOWNLOADS.get(name)
    if build is None:
        abort(404, f"no value report called {name!r}")
    with reading() as db:
        table = build(db)
    return csv_response(name, table)


@value.post("/value/clusters/<int:cluster_id>/strategy")
@security.allow("segments")
def set_strategy(cluster_id: int) -> Any:
    chosen = request.form.get("strategy", "")
    if chosen not in (*STRATEGIES, "suggested"):
        abort(400, "unknown strategy")
    with writing() as db:
        row = db.get(ValueCluster, cluster_id)
        if row is None:
            abort(404, "no such cluster")
        row.strategy = None if chosen == "suggested" else chosen
    flash(_("Strategy saved."))
    return redirect(url_for("value.index"))


@value.post("/value/clusters/<int:cluster_id>/segment")
@security.allow("segments")
def make_segment(cluster_id: int) -> Any:
    """One click: a saved segment of this cluster's customers, for a broadcast or a journey."""
    name = _("Value cluster {number}", number=cluster_id)
    with writing() as db:
        if db.get(ValueCluster, cluster_id) is None:
            abort(404, "no such cluster")
        row = db.scalar(select(Segment).where(Segment.name == name)) or Segment(name=name, created_by_id=g.user.id)
        row.criteria = {"clusters": [cluster_id]}
        db.add(row)
        db.flush()
        saved_id = row.id
    flash(_("Segment saved."))
    return redirect(url_for("segments.edit", segment_id=saved_id))
