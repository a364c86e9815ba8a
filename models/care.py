"""Small bookkeeping tables for customer care: job runs, notices sent once, email codes,
referral codes and privacy requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class JobRun(Base):
    """One run of a scheduled job for one due time. The unique key is what makes "no job runs
    twice for one due time" hold even when two schedulers overlap during a handover."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime]
    owner: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="done")  # done | failed | skipped | running
    result: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class SentNotice(Base):
    """A message that must go out once (a reminder, a breach alert): its key is inserted in the
    same transaction that queues it, so a retry or a second job run finds it and stays quiet."""

    __tablename__ = "sent_notices"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmailVerification(Base):
    """A one-time code sent to an email address before it may link this chat to another customer.
    Only a salted hash of the code is kept."""

    __tablename__ = "email_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    code_hash: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    consumed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReferralCode(Base):
    """The code a customer shares; a new customer who types it (or arrives by its deep link) is theirs."""

    __tablename__ = "referral_codes"
    __table_args__ = (UniqueConstraint("customer_id"),)

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DataRequest(Base):
    """A customer's request about their data (deletion), recorded for staff to confirm."""

    __tablename__ = "data_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="deletion")
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | withdrawn | confirmed | rejected
    channel: Mapped[str] = mapped_column(String(20))
    requested_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]
    handled_by: Mapped[str | None] = mapped_column(String(100))
