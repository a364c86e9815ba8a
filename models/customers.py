"""Who the customers are and how to reach them: one customer, many channel identities."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="zh-TW")
    stage: Mapped[str] = mapped_column(String(20), default="stranger")
    lead_source: Mapped[str | None] = mapped_column(String(100))
    # Profile fields (crm-domain section 1: region, interest and age are segment keys).
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    birthday_month: Mapped[int | None]
    region: Mapped[str | None] = mapped_column(String(100))
    age_group: Mapped[str | None] = mapped_column(String(20))
    interests: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    # The member code: the shop's own membership number (from its POS or loyalty card, matched on
    # import), or one we give on first showing the member card; the till scans it (QR / Code 128).
    member_code: Mapped[str | None] = mapped_column(String(50), unique=True)
    # The platform profile's picture (LINE's https://profile.line-scdn.net/...), shown to staff.
    picture_url: Mapped[str | None] = mapped_column(String(1000))
    # Derived values, recomputed by jobs (crm-domain section 3): value tier 1 (key) .. 5 (potential)
    # and RFM scores 1..5. Stored so segments and the queue can filter on them cheaply.
    tier: Mapped[int] = mapped_column(default=5, index=True)
    rfm_recency: Mapped[int | None]
    rfm_frequency: Mapped[int | None]
    rfm_monetary: Mapped[int | None]
    scores_updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    identities: Mapped[list["ChannelIdentity"]] = relationship(back_populates="customer", foreign_keys="ChannelIdentity.customer_id")


class ChannelIdentity(Base):
    """A customer's account on one platform. `reachable` turns false on block / unfollow."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    platform_user_id: Mapped[str] = mapped_column(String(200))
    reachable: Mapped[bool] = mapped_column(default=True)
    unreachable_reason: Mapped[str | None] = mapped_column(String(200))
    # Soft delivery failures in a row (an email "mailbox full" bounce); enough of them make it unreachable.
    soft_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the platform's profile (name, picture, language) was last read; None: never.
    profile_fetched_at: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship(back_populates="identities")


class Consent(Base):
    """One record per customer, channel and purpose (`marketing` or `transactional`)."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("customer_id", "channel", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool]
    source: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
