"""What the two dialogue benchmarks (`dialogue_care.py`, `dialogue_commerce.py`) share: the
FAQ-only router they compare against, and how they tell that a run is over.

Why a run's end is read from the database and not from a count of replies: a complaint hands the
conversation to staff, and the bot then rightly stays silent on that customer's later messages
until staff resolve it, while the FAQ-only service answers every message with an answer or the
menu. How many replies a run produces therefore depends on the mix and the router, and waiting for
one reply per message waits forever. A run is over when no inbox event and no outbox message is
pending: every message handled, and every reply it caused delivered (or failed for good).
"""

from __future__ import annotations

import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.engine import Router
from models import InboxEvent, OutboxMessage


def faq_only_router() -> Router:
    """The baseline service: FAQ answers and the fallback menu, nothing else."""
    from handlers import faq

    router = Router()
    router.add("faq.menu", 50, faq.on_menu_postback)
    router.add("faq.keyword", 50, faq.on_faq_keyword)
    router.add("faq.attachment", 50, faq.on_attachment)
    router.set_fallback("faq.fallback", faq.fallback)
    return router


def pending_work(sessions: sessionmaker[Session]) -> int:
    """Inbox events not yet handled plus outbox messages not yet sent (or given up on)."""
    with sessions() as session:
        inbox = session.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.status == "pending"))
        outbox = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending"))
    return inbox + outbox


def wait_until_handled(sessions: sessionmaker[Session], timeout: float = 600, poll: float = 0.05) -> None:
    """Return once nothing is pending; call it only after every event of the run is in the inbox."""
    deadline = time.monotonic() + timeout
    while (left := pending_work(sessions)) > 0:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{left} inbox events or outbox messages still pending after {timeout:.0f} s")
        time.sleep(poll)


def unhandled_events(sessions: sessionmaker[Session]) -> int:
    """Inbox events that did not end `done` (a handler failed): a run with any is invalid."""
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.status != "done"))
