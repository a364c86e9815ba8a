"""The FAQ answers the bot gives: from the `faq_answers` table once it has rows (edited in the
console), else from config.toml's [[faq]]. `seed_faq` copies config into the table on first run.

Why this order: a fresh install answers from config with no step in between; once an admin edits
answers in the console, the table is the truth and config's list is only the seed.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import FaqEntry, Settings
from bot.crm.reference_cache import cached
from models import FaqAnswer


def faq_entries(session: Session, settings: Settings) -> tuple[FaqEntry, ...]:
    rows: Sequence[tuple[list[Any], dict[str, Any], bool]] = session.execute(select(FaqAnswer.keywords, FaqAnswer.answer, FaqAnswer.active)
                           .order_by(FaqAnswer.position, FaqAnswer.id)).all()
    if not rows:
        return settings.faq
    return tuple(FaqEntry(tuple(k.lower() for k in keywords), types.MappingProxyType(dict(answer)))
                 for keywords, answer, active in rows if active and keywords and answer)


def cached_faq_entries(session: Session, settings: Settings) -> tuple[FaqEntry, ...]:
    """`faq_entries`, from this process's cache until the FAQ is edited (bot/crm/reference_cache.py)."""
    return cached(session, "faq", settings, lambda s: faq_entries(s, settings))


def seed_faq(session: Session, settings: Settings) -> int:
    """Copy config's FAQ into the table if it has never had a row. Returns how many were added."""
    if session.scalar(select(func.count()).select_from(FaqAnswer)):
        return 0
    for position, entry in enumerate(settings.faq):
        session.add(FaqAnswer(position=position, keywords=list(entry.keywords), answer=dict(entry.answer)))
    return len(settings.faq)


def parse_keywords(text: str) -> list[str]:
    """Comma-separated keywords (either comma), lower case, in the order given, no repeats."""
    return list(dict.fromkeys(k.strip().lower() for k in text.replace("，", ",").split(",") if k.strip()))
