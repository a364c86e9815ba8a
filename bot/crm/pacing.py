"""How often and when marketing may reach a customer: the frequency cap and the quiet hours.

Why one module for journeys and broadcasts alike: a customer in three journeys who is also in
tonight's broadcast must not get five messages in a day. Everything that sends marketing records
each message in one ledger (`marketing_sends`) and asks here before sending; transactional
messages (a booking reminder, a survey after a ticket) are neither counted nor capped.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm.text import zone
from models import MarketingSend
from models.bulk import bulk_insert


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _window_end(start_text: str | None, end_text: str | None, settings: Settings, now: datetime) -> datetime | None:
    """When the daily window start-end (HH:MM, shop time) that `now` falls in ends, or None."""
    if not start_text or not end_text or start_text == end_text:
        return None
    local = now.astimezone(zone(settings))
    start, end = _clock(start_text), _clock(end_text)
    moment = local.time()
    inside = start <= moment < end if start < end else (moment >= start or moment < end)
    if not inside:
        return None
    end_at = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if end_at <= local:
        end_at += timedelta(days=1)
    return end_at.astimezone(now.tzinfo)


def quiet_until(settings: Settings, now: datetime, own: tuple[str, str] | None = None) -> datetime | None:
    """When the quiet hours that `now` falls in end (a UTC-aware datetime), or None outside them.

    `own` is one sender's extra quiet hours (a broadcast's): it can only add quiet time to the
    shop's, never open the shop's quiet hours, so the earliest send is outside both windows."""
    moment = now
    for _ in range(4):  # leaving one window may land in the other; two windows settle in a few steps
        own_start, own_end = own or (None, None)
        ends = [end for end in (_window_end(settings.journeys.quiet_start, settings.journeys.quiet_end, settings, moment),
                                _window_end(own_start, own_end, settings, moment)) if end is not None]
        if not ends:
            break
        moment = max(ends)
    return None if moment == now else moment


def earliest_send(settings: Settings, moment: datetime, own: tuple[str, str] | None = None) -> datetime:
    """`moment`, or the end of the quiet hours it falls in (the shop's, and `own` if given)."""
    return quiet_until(settings, moment, own) or moment


def _day_start(settings: Settings, now: datetime) -> datetime:
    local = now.astimezone(zone(settings))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(now.tzinfo)


def capped(session: Session, settings: Settings, customer_ids: Collection[int], now: datetime) -> set[int]:
    """The customers who already had as many marketing messages as the cap allows, today (the
    shop's calendar day) or in the last 7 days. One grouped query for any number of customers."""
    per_day, per_week = settings.journeys.cap_per_day, settings.journeys.cap_per_week
    if not customer_ids or (per_day == 0 and per_week == 0):
        return set()
    day_start = _day_start(settings, now)
    today = func.sum(case((MarketingSend.at >= day_start, 1), else_=0))
    rows: list[tuple[int, int | None, int]] = [tuple(row) for row in session.execute(  # type: ignore[misc]
        select(MarketingSend.customer_id, today, func.count())
        .where(MarketingSend.customer_id.in_(list(customer_ids)), MarketingSend.at > now - timedelta(days=7))
        .group_by(MarketingSend.customer_id))]
    return {customer for customer, day, week in rows
            if (per_day and (day or 0) >= per_day) or (per_week and week >= per_week)}


def record_sends(session: Session, customer_ids: Collection[int], source: str, now: datetime) -> None:
    """Count marketing messages that were just queued (in the caller's transaction)."""
    bulk_insert(session, MarketingSend, [{"customer_id": c, "source": source[:40], "at": now} for c in customer_ids])
