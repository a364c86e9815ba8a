"""Segment criteria inside journeys (entry conditions, a condition step, a segment trigger).

Why a registered function: the criteria's query lives in `bot.marketing.segments`, above the
domain; the domain may not import it. Whoever assembles the process (routing, the scheduler's job,
the CLI) registers `segment_query` here once; with none registered, criteria match nobody, so a
journey never messages a customer it was not meant for.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from models import Customer

SegmentQuery = Callable[[Session, dict[str, Any], datetime], Select[Any]]
_query: list[SegmentQuery] = []


def register(query: SegmentQuery) -> None:
    """Install the criteria query (`bot.marketing.segments.segment_query`); the last one wins."""
    _query[:] = [query]


def matching_query(session: Session, criteria: dict[str, Any], now: datetime) -> Select[Any] | None:
    """`SELECT customers.id` for the criteria, or None when no query is installed."""
    return _query[0](session, criteria, now) if _query else None


def matching(session: Session, criteria: dict[str, Any], customer_ids: Collection[int], now: datetime) -> set[int]:
    """Which of the customers meet the criteria (empty criteria: all of them)."""
    if not criteria:
        return set(customer_ids)
    query = matching_query(session, criteria, now)
    if query is None or not customer_ids:
        return set()
    return set(session.scalars(query.where(Customer.id.in_(list(customer_ids)))))
