"""The version stamp of the reference data: what the bot reads on almost every message and staff
rarely change (FAQ answers, console-edited settings such as the complaint phrases, coupon templates).

Why a stamp in the database, bumped by triggers: each process caches that data and re-reads it
only when the stamp has changed (`bot/crm/reference_cache.py`), so an edit takes effect on the
next message in every process on every machine. Triggers (migration 0010_hot_path) bump it in
the same transaction as any write to those tables, whoever writes: the console, an import, a
seed at start-up, a test with a bare connection. The stamp is a random number, not a counter,
because a counter starts over when the table is emptied or a backup restored, and a cache could
then take new data for the old.
"""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

# The tables whose writes bump the stamp; the migration installs a trigger on each.
REFERENCE_TABLES = ("faq_answers", "console_settings", "coupon_templates")
STAMP_ROW = 1


class ReferenceVersion(Base):
    """One row (id 1): the stamp of the reference data's current version."""

    __tablename__ = "reference_versions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
