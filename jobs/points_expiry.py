"""Points past their validity leave the balance: one set-based ledger insert per run (see
`bot.crm.loyalty.expire_points` for the first-in first-out rule)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.crm.loyalty import expire_points
from models import utcnow


def run(sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None) -> int:
    """Returns how many customers had points expire."""
    if not settings.loyalty.points_valid_days:
        return 0
    with sessions.begin() as session:
        return expire_points(session, now or utcnow())
