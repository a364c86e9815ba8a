"""Rate-limit slots shared by every delivery process (the scaled mode's per-bot and per-chat caps)."""

from __future__ import annotations

from sqlalchemy import Double, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class RateSlot(Base):
    """When the next request on a key may go out, in seconds since the epoch on the database's clock.

    Why a number and not a timestamp: the reservation arithmetic is `max(now, next_at) + interval`
    on every send, and the database's own clock keeps several machines in step.
    """

    __tablename__ = "rate_slots"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_at: Mapped[float] = mapped_column(Double, default=0.0)
    # Nothing goes out on this key before this time, catch-up allowance or not (the platform said wait).
    paused_until: Mapped[float] = mapped_column(Double, default=0.0)
