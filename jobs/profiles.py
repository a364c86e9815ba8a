"""Reading LINE profiles after the reply: the worker's profile thread takes due look-ups
(`profile_fetches`, written by `bot.crm.profiles.note_contact`) and asks LINE for each.

Why in the worker and not the scheduler: it talks to the platform, which only the worker does.
Why a batch per round: LINE's get-profile limit is 2,000 requests a second; a round reads at
most BATCH profiles, one after another, which stays far below it even with several workers, and a
429 or an outage only moves that look-up later.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.crm import profiles
from channels.base import DeliveryError

log = logging.getLogger(__name__)
BATCH = 50


def fetch_profiles(sessions: sessionmaker[Session], channels: Mapping[str, Any], now: datetime, limit: int = BATCH) -> int:
    """Do up to `limit` due look-ups; returns how many were tried."""
    line = channels.get("line")
    if line is None or not hasattr(line, "get_profile"):
        return 0
    with sessions() as session:
        due = profiles.due_fetches(session, now, limit)
    for fetch_id, identity_id, user_id in due:
        try:
            profile = line.get_profile(user_id)
        except DeliveryError as exc:
            gone = exc.status in (400, 403, 404)
            log.info("LINE profile not read (%s)", exc.status or "unreachable")
            with sessions.begin() as session:
                profiles.fetch_failed(session, fetch_id, exc.reason, now, final=gone)
            continue
        with sessions.begin() as session:
            profiles.apply_line_profile(session, fetch_id, identity_id, profile, now)
    return len(due)
