"""The staff queue: open work, most urgent first, refreshed by polling a JSON endpoint.

Everything it shows comes from `queue_source.open_tickets`, the seam the tickets model replaces.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request

from bot.console import security
from bot.console.queue_source import PRIORITIES, open_ticket_count, open_tickets, serialise
from bot.console.views import reading
from models import utcnow

queue = Blueprint("queue", __name__)
CHANNELS = ("line", "telegram", "email")


def _filters() -> dict[str, Any]:
    return {"channel": request.args.get("channel") if request.args.get("channel") in CHANNELS else None,
            "priority": request.args.get("priority") if request.args.get("priority") in PRIORITIES else None,
            "assignee": request.args.get("assignee") if request.args.get("assignee") in ("me", "none") else None}


@queue.get("/queue")
@security.allow("queue")
def page() -> Any:
    filters = _filters()
    with reading() as db:
        tickets = open_tickets(db, filters)
        total = open_ticket_count(db, filters)
    return render_template("console/queue.html", tickets=[serialise(t) for t in tickets], total=total, filters=filters,
                           channels=CHANNELS, priorities=PRIORITIES, now=utcnow())


@queue.get("/queue.json")
@security.allow("queue")
def data() -> Any:
    filters = _filters()
    with reading() as db:
        tickets = open_tickets(db, filters)
        total = open_ticket_count(db, filters)
    return jsonify(now=utcnow().isoformat(), total=total, tickets=[serialise(t) for t in tickets])
