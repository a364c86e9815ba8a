"""Saved segments, broadcasts with their recipients and control group, and lead campaigns.

Why a recipient row per customer: the control group must be drawn once and kept (results compare
it with the treated group weeks later), each recipient's status must be shown, and customers left
out for lack of consent are counted, not silently dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Segment(Base):
    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    criteria: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("console_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Broadcast(Base):
    """One marketing message to a segment. A recurring broadcast is a parent whose occurrences are
    child broadcasts (`parent_id`), each with its own recipients, control group and results."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="SET NULL"))
    criteria: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the segment as it was when planned
    text: Mapped[str] = mapped_column(Text)  # in the shop's default language, and for anyone without a translation
    translations: Mapped[dict[str, Any]] = mapped_column(default=dict)  # language -> text, for customers who speak it
    coupon_template_id: Mapped[int | None] = mapped_column(ForeignKey("coupon_templates.id", ondelete="SET NULL"))
    image_url: Mapped[str | None] = mapped_column(String(1000))  # https; shown above the card, or alone
    card: Mapped[dict[str, Any] | None]  # {"title", "text", "fields": [{label, value}], "buttons": [{label, data, action}]}
    channel_policy: Mapped[str] = mapped_column(String(20), default="preferred")
    # scheduled | recurring | sending | paused | done | cancelled | failed
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    send_at: Mapped[datetime | None]
    recur_kind: Mapped[str | None] = mapped_column(String(10))  # daily | weekly
    recur_weekday: Mapped[int | None]  # 0 = Monday
    recur_time: Mapped[str | None] = mapped_column(String(5))  # HH:MM in the shop's timezone
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    rate_per_minute: Mapped[int | None]
    holdout_percent: Mapped[int] = mapped_column(default=0)
    results_window_days: Mapped[int] = mapped_column(default=7)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id", ondelete="SET NULL"), index=True)
    random_seed: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("console_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    planned_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class BroadcastRecipient(Base):
    """A customer of the segment: treated (sent), control (held out), or skipped with a reason."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (Index("ix_broadcast_recipients_broadcast_group", "broadcast_id", "group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    group: Mapped[str] = mapped_column(String(10))  # treated | control | skipped
    skip_reason: Mapped[str | None] = mapped_column(String(30))  # no_consent | unreachable
    channel: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(250))
    outbox_id: Mapped[int | None] = mapped_column(index=True)
    coupon_id: Mapped[int | None]  # the coupon issued with this broadcast, if it carries one
    # why a treated recipient was left out when their message was due (consent withdrawn after planning)
    withheld: Mapped[str | None] = mapped_column(String(20))


class LeadCampaign(Base):
    """An incentive with a source code: deep links and QR codes carry the code, and customers who
    arrive through them get it as their lead source."""

    __tablename__ = "lead_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    incentive: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
