"""The console's own records: its users, failed logins, internal notes, canned replies, FAQ answers.

Why failed logins are rows: the web tier may run as several processes on several machines, and a
lock that lives in one process's memory would let an attacker spread guesses across them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

ROLES = ("staff", "marketer", "admin")


class ConsoleUser(Base):
    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class LoginFailure(Base):
    """One wrong password, counted against the account (`email:...`) and the address (`ip:...`)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400))
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsoleSession(Base):
    """One signed-in browser. The cookie carries a random id; this row keeps its SHA-256.

    Why rows and not only the signed cookie: a signed cookie stays valid until it expires, so a copy
    taken before sign-out would still open the console. Deleting the row ends that session on the
    server, whoever holds the cookie; a password change or deactivation deletes the user's rows."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie's id
    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class InternalNote(Base):
    """A note staff leave on a customer for each other; never sent to the customer."""

    __tablename__ = "internal_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("console_users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CannedReply(Base):
    """A prepared answer staff can drop into the reply box; admins keep the list."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FaqAnswer(Base):
    """A keyword answer, edited in the console. Seeded from config.toml's [[faq]] on first run;
    while the table is empty the bot answers from config."""

    __tablename__ = "faq_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    answer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConsoleSetting(Base):
    """A setting an admin edits in the console (complaint phrase lists, ...), stored as JSON by key.

    Why a table and not config.toml: the web tier may run on several machines and cannot rewrite
    a file on each; config gives the first value, the row (once saved) is the truth."""

    __tablename__ = "console_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("console_users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
