"""Bookable services, the seat counter of each slot, and the appointments customers hold.

Why a counter row per slot: "the last seat cannot be booked twice" must hold with many workers on
PostgreSQL. A conditional `UPDATE slots SET booked = booked + 1 WHERE booked < capacity` is one
atomic step on both databases (PostgreSQL re-checks the condition after a concurrent writer
commits; SQLite has one writer), so no read-then-write race exists to lose.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, partial_index, utcnow


class Service(Base):
    """A bookable service. Rows from `[[services]]` carry source 'config'; the console adds others."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[dict[str, Any]] = mapped_column(default=dict)
    duration_minutes: Mapped[int]
    capacity: Mapped[int]
    hours: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(String(20), default="config")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Slot(Base):
    """Seats taken in one slot of one service (rows appear when the first seat is taken)."""

    __tablename__ = "slots"

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(primary_key=True)
    booked: Mapped[int] = mapped_column(default=0)


class Appointment(Base):
    """A customer's visit. Moving it keeps the row (reminder buttons stay valid); status says the rest:
    booked, cancelled, attended, no_show. The delivery address is stored when it is booked."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_status_starts", "status", "starts_at"),
        partial_index("uq_appointments_one_seat_each", "customer_id", "service_id", "starts_at", unique=True,
                      where="status = 'booked'"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="booked")
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(250))
    booked_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    attended_at: Mapped[datetime | None]
    no_show_at: Mapped[datetime | None]
    times_moved: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
