"""Reports with charts (SVG drawn on the server: no chart library, no script) and CSV downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, render_template
from sqlalchemy.orm import Session

from bot.console import security
from bot.console.base import current_language
from bot.console.views import reading, runtime
from bot.crm import tiers
from bot.crm.exports import csv_safe
from bot.marketing import care_reports as care
from bot.marketing import reports as compute
from bot.marketing.reports import Table

reports = Blueprint("reports", __name__)


def _builders() -> dict[str, Callable[[Session], Table]]:
    zone = ZoneInfo(runtime().settings.app.timezone)
    return {
        "funnel": compute.funnel,
        "tiers": lambda session: compute.tier_pyramid(session, _tier_names()),
        "rfm": compute.rfm_grid,
        "retention": lambda session: compute.retention(session, zone),
        "campaign-lift": compute.campaign_lift,
        "csat": lambda session: care.csat(session, zone),
        "sla": lambda session: care.sla_compliance(session, zone),
        "recovery": lambda session: care.complaint_recovery(session, runtime().settings),
    }


def _tier_names() -> dict[int, str]:
    settings = runtime().settings
    return {tier.level: tiers.tier_name(settings, tier.level, current_language()) for tier in settings.tiers}


@reports.get("/reports")
@security.allow("reports")
def index() -> Any:
    with reading() as db:
        tables = {name: build(db) for name, build in _builders().items()}
    return render_template("console/reports.html", tables=tables)


@reports.get("/reports/<name>.csv")
@security.allow("reports")
def download(name: str) -> Any:
    build = _builders().get(name)
    if build is None:
        abort(404, f"no report called {name!r}")
    with reading() as db:
        table = build(db)
    return csv_response(name, table)


def csv_response(name: str, table: Table) -> Response:
    """A table as a CSV download (also the value report's)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    writer.writerows([_csv_safe(cell) for cell in row] for row in table.rows)
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")  # the BOM makes Excel read UTF-8
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _csv_safe(cell: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading quote (CSV injection)."""
    return csv_safe(cell)
