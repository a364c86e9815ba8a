"""The customer page's "Journeys" panel: which journeys the customer is in (or was), and where.

Shown to everyone who may read the customer (staff, marketers, admins): a journey's name, the
entry's state and its next step are profile facts, not what the customer wrote.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.console.commerce_panels import ProfilePanel
from bot.console.i18n import gettext as _
from bot.console.journey_labels import journey_label
from bot.crm.journeys.definition import walk
from bot.marketing.journey_results import customer_journeys
from models import JourneyVersion

PANEL_TITLE = "Journeys"


def journey_panels(session: Session, customer_id: int) -> list[ProfilePanel]:
    lines = []
    steps: dict[int, dict[str, str]] = {}
    for journey, entry in customer_journeys(session, customer_id):
        if entry.version_id not in steps:
            version = session.get(JourneyVersion, entry.version_id)
            steps[entry.version_id] = {s["id"]: s["kind"] for s in walk(list(version.steps) if version else [])}
        if entry.status == "active":
            kind = steps[entry.version_id].get(entry.step or "")
            where = _("next step {step}", step=journey_label(kind) if kind else "—")
        else:
            where = journey_label(entry.status)
        group = _("holdout") if entry.group == "holdout" else ""
        lines.append(" · ".join(part for part in (journey.name, where, group, f"{entry.entered_at:%Y-%m-%d}") if part))
    return [ProfilePanel(PANEL_TITLE, lines)] if lines else []
