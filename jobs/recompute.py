"""Nightly (and on demand): tiers, RFM scores and lifecycle stages for every customer, then the
congratulations for customers who moved up a tier.

Why two phases: the recompute is one transaction of set-based SQL (fast, all or nothing); the
congratulations are written in small batches afterwards so a million-customer shop never holds
one huge transaction of outbox rows, and a crash between batches resumes where it stopped
(unannounced moves keep `notified_at` empty).

The customer-value models (lifetime value, churn risk, clusters, recommendations) run
after the scores, in a transaction of their own: a model that fails one night leaves the tiers
recomputed and the congratulations sent, and logs why.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.crm.analytics import RecomputeResult, recompute_scores
from bot.crm.tiers import notify_pending
from bot.crm.value.nightly import ValueResult, run_value_models
from bot.marketing.segment_menus import refresh_segment_menus
from models import utcnow

logger = logging.getLogger(__name__)


def run(sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None) -> RecomputeResult:
    now = now or utcnow()
    with sessions.begin() as session:
        result = recompute_scores(session, settings, now)
    if settings.value.enabled:
        value(sessions, settings, now)
    with sessions.begin() as session:  # tiers and RFM moved: segments' members may have too
        refresh_segment_menus(session, now)
    announce(sessions, settings, now)
    return result


def value(sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None) -> ValueResult | None:
    """The customer-value models; None (and a log line) when they failed this time."""
    try:
        with sessions.begin() as session:
            return run_value_models(session, settings, now or utcnow())
    except Exception:
        logger.exception("customer value models failed; tiers and RFM are recomputed")
        return None


def announce(sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None) -> int:
    """Announce every recorded tier move not yet announced; returns how many were handled."""
    now = now or utcnow()
    total = 0
    while True:
        with sessions.begin() as session:
            handled = notify_pending(session, settings, now)
        total += handled
        if not handled:
            return total
