"""A segment uploaded to LINE as an audience for LINE Ads, and where that upload stands."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class LineAudience(Base):
    __tablename__ = "line_audiences"

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="SET NULL"), index=True)
    description: Mapped[str] = mapped_column(String(120))
    # LINE's audience group id once created; the status is ours until every id is sent (pending, uploading,
    # failed) and LINE's after (IN_PROGRESS while it matches the ids, READY, FAILED, EXPIRED).
    audience_group_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # The worker's upload (jobs/line_audiences.py): the LINE user ids read when it was asked for, how
    # many of them LINE has taken (committed after each chunk, so a restart goes on from there),
    # the failed tries and when to try again (None: nothing left to send).
    user_ids: Mapped[list[Any] | None]
    uploaded: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    user_count: Mapped[int] = mapped_column(default=0)  # LINE user ids we sent
    audience_count: Mapped[int | None]  # how many LINE says it holds
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
