"""Facts about a customer that every part of the application reads the same way.

Why here: the jobs, the console and the dialogue all need "which language does this customer
read", and a customer we do not know reads the shop's default language everywhere.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from models import Customer


def customer_language(session: Session, customer_id: int | None, settings: Settings) -> str:
    if customer_id is None:
        return settings.app.default_language
    return session.scalar(select(Customer.language).where(Customer.id == customer_id)) or settings.app.default_language
