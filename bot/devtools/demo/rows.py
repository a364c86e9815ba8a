"""Bulk writing for the demo (`bot.crm.bulk`), counting what it made and registering roots as demo.

Why register only some tables: deleting a demo customer deletes their orders, points, coupons,
appointments... through ON DELETE CASCADE, so the registry needs only the rows nothing else owns
(customers, conversations, products, broadcasts, segments, campaigns).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from bot.crm.bulk import insert_rows
from models import DemoRow


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
        made = insert_rows(self.session, model, rows, ids=ids or register)
        if register:
            insert_rows(self.session, DemoRow, [{"table_name": table, "row_id": row_id} for row_id in made])
        return made
