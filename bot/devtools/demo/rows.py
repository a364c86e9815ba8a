"""Bulk writing for the demo: many rows per INSERT, ids back in order, roots registered as demo.

Why register only some tables: deleting a demo customer deletes their orders, points, coupons,
appointments... through ON DELETE CASCADE, so the registry needs only the rows nothing else owns
(customers, conversations, products, broadcasts, segments, campaigns, services, coupon templates).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from models import DemoRow

CHUNK = 2000


class Rows:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.counts: dict[str, int] = {}

    def add(self, model: type[Any], rows: Sequence[dict[str, Any]], *, ids: bool = False, register: bool = False) -> list[int]:
        """Insert `rows` (dicts of one shape); return their ids in order when asked (or registering)."""
        if not rows:
            return []
        table = model.__tablename__
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        if not (ids or register):
            for start in range(0, len(rows), CHUNK):
                self.session.execute(insert(model), list(rows[start:start + CHUNK]))
            return []
        made: list[int] = []
        for start in range(0, len(rows), CHUNK):
            statement = insert(model).returning(model.id, sort_by_parameter_order=True)
            made += list(self.session.scalars(statement, list(rows[start:start + CHUNK])))
        if register:
            self.session.execute(insert(DemoRow), [{"table_name": table, "row_id": row_id} for row_id in made])
        return made
