"""Segment menus follow their segments: when membership is evaluated again (the nightly job, after
tiers and RFM are recomputed), customers who entered a segment get its rich menu and those who left
get their tier's or the default one.

Why here and not in `bot.crm.rich_menus`: a segment is evaluated by the marketing layer's query
builder; the domain only takes the resulting customer ids and writes the LINE tasks.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crm import rich_menus
from bot.marketing.segments import member_ids
from models import RichMenu, Segment


def segment_members(session: Session, menu: RichMenu) -> list[int]:
    """The customers a segment menu is for now (none when its segment was deleted)."""
    segment = session.get(Segment, menu.segment_id) if menu.segment_id else None
    return member_ids(session, segment.criteria) if segment else []


def refresh_segment_menus(session: Session, now: datetime | None = None) -> int:
    """Switch the menus of customers who entered or left a published menu's segment; returns how
    many LINE requests were queued (durable `line_tasks` rows, in this transaction)."""
    menus = session.scalars(select(RichMenu).where(RichMenu.target == "segment", RichMenu.members.is_not(None)).order_by(RichMenu.id))
    return sum(rich_menus.switch_segment_members(session, menu, segment_members(session, menu), now) for menu in menus)
