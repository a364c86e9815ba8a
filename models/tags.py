"""Tags a shop puts on customers, and the history of every tag change.

`Customer.tags` keeps the current set (segments filter on it cheaply); `Tag` gives each name a
colour and a place to rename it; `TagChange` keeps who or what added or removed a tag, and when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    colour: Mapped[str | None] = mapped_column(String(7))  # "#rrggbb", or none for the console's default
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TagChange(Base):
    """`source` says who or what made the change: "staff:3", "journey:5", "button", "import", "segment:7"."""

    __tablename__ = "tag_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(10))  # "added" | "removed" | "renamed"
    source: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
