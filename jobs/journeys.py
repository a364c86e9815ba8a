"""The journeys' scheduled work: the tick that advances due enrollments, and the daily triggers.

Why the tick commits batch by batch: 100,000 customers due at once must not be one transaction
that a crash throws away whole; each batch is its own transaction, and each enrollment inside it
moves exactly once (see bot/crm/journeys/tick.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.crm.journeys import triggers
from bot.crm.journeys.templates import install_defaults
from bot.crm.journeys.tick import advance_due
from bot.marketing.journey_wiring import install
from models import utcnow

MAX_BATCHES = 1000  # one run advances at most this many batches; the next tick takes the rest


def tick(sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None) -> int:
    """Advance every due enrollment, batch by batch; how many moved."""
    if not settings.journeys.enabled:
        return 0
    install()
    now = now or utcnow()
    moved = 0
    for _ in range(MAX_BATCHES):
        with sessions.begin() as session:
            count = advance_due(session, settings, now)
        moved += count
        if count == 0:
            break
    return moved


def daily(sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None) -> int:
    """Switch on the default templates once, then enter the customers of the date and silence triggers."""
    if not settings.journeys.enabled:
        return 0
    install()
    now = now or utcnow()
    with sessions.begin() as session:
        install_defaults(session, settings, now)
    with sessions.begin() as session:
        entered = triggers.run_scheduled(session, settings, now)
    return sum(entered.values())
