"""The staff queue: open tickets, most urgent first, refreshed by polling a JSON endpoint; claim and
assign from each row. Customers' pending deletion requests are listed above it, for staff to handle.

Everything it lists comes from `queue_source.open_tickets`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, g, jsonify, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console import security
from bot.console.queue_source import PRIORITIES, open_ticket_count, open_tickets, serialise
from bot.console.ticket_work import assignable
from bot.console.views import reading, runtime
from channels import registry
from models import DataRequest, utcnow

queue = Blueprint("queue", __name__)
CHANNELS = registry.names()


def _filters() -> dict[str, Any]:
    assignee = (request.args.get("assignee") or "").strip()[:100] or None
    return {"channel": request.args.get("channel") if request.args.get("channel") in CHANNELS else None,
            "priority": request.args.get("priority") if request.args.get("priority") in PRIORITIES else None,
            "assignee": assignee, "me": g.user.email}


def _listed(db: Session, filters: dict[str, Any], now: datetime) -> tuple[list[dict[str, Any]], int]:
    """The rows shown and the count of all that match: the page and its polling endpoint must agree."""
    return open_tickets(db, filters, now), open_ticket_count(db, filters)


@queue.get("/queue")
@security.allow("queue")
def page() -> Any:
    filters = _filters()
    now = utcnow()
    with reading() as db:
        tickets, total = _listed(db, filters, now)
        people = assignable(db, runtime().settings)
        requests = list(db.scalars(select(DataRequest).where(DataRequest.status == "pending").order_by(DataRequest.requested_at)
                                   .limit(20))) if security.can("privacy") else []
    return render_template("console/queue.html", tickets=[serialise(t, now) for t in tickets], total=total, filters=filters,
                           channels=CHANNELS, priorities=PRIORITIES, assignees=people, can_work=security.can("tickets"),
                           privacy_requests=requests, now=now)


@queue.get("/queue.json")
@security.allow("queue")
def data() -> Any:
    filters = _filters()
    now = utcnow()
    with reading() as db:
        tickets, total = _listed(db, filters, now)
    return jsonify(now=now.isoformat(), total=total, tickets=[serialise(t, now) for t in tickets])
