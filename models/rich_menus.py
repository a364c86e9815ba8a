"""Rich menus the console manages, and the LINE calls waiting to be made for them.

A menu's image is kept here (PNG or JPEG, at most 1 MB, validated) so it can be published again
after a change; `line_id` is the id LINE gave it at the last publication.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class RichMenu(Base):
    __tablename__ = "rich_menus"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # "default" (everyone without a more specific menu), "tier" (customers of `tier`), "segment"
    target: Mapped[str] = mapped_column(String(10), default="default")
    tier: Mapped[int | None]
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="SET NULL"))
    chat_bar_text: Mapped[str] = mapped_column(String(14), default="選單")
    width: Mapped[int] = mapped_column(default=2500)
    height: Mapped[int] = mapped_column(default=1686)
    areas: Mapped[list[Any]] = mapped_column(default=list)
    image: Mapped[bytes | None] = mapped_column(LargeBinary)
    image_type: Mapped[str | None] = mapped_column(String(20))
    alias: Mapped[str | None] = mapped_column(String(32), unique=True)
    line_id: Mapped[str | None] = mapped_column(String(100))
    # A segment's menu: the customer ids it was last linked to (None until first published).
    members: Mapped[list[Any] | None]
    published_at: Mapped[datetime | None]
    # Deleted in the console: hidden and never linked again, kept until the worker deleted it on LINE.
    deleted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LineTask(Base):
    """One Messaging API call to make (publish a menu, link up to 500 users to it), done by the
    worker; written in the transaction that decided it, so a crash loses none."""

    __tablename__ = "line_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    menu_id: Mapped[int] = mapped_column(ForeignKey("rich_menus.id", ondelete="CASCADE"))
    user_ids: Mapped[list[Any]] = mapped_column(default=list)
    due_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    # "delete": the LINE id of the menu to delete; "delete_alias": the alias to delete
    line_id: Mapped[str | None] = mapped_column(String(100))
    # Given up (LINE refused, or too many tries): kept with `last_error` so the console shows why.
    failed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RichMenuPin(Base):
    """A customer linked to one menu by hand or by a journey step: it outranks their segment's and
    tier's menus (bot.crm.rich_menus.menus_for) until it is replaced or its menu deleted."""

    __tablename__ = "rich_menu_pins"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    menu_id: Mapped[int] = mapped_column(ForeignKey("rich_menus.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
