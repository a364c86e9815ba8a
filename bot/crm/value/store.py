"""Writing the nightly results: per-customer arrays into `customer_values`, each model's
parameters and quality into `value_models`.

Why delete and insert in chunks: every buyer's figures change every night, so an UPDATE per
customer would touch every row anyway; chunks of plain tuples keep memory flat however many
customers there are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from models import CustomerValue, ValueModel

CHUNK = 20_000
COLUMNS = ("expected_purchases", "expected_spend", "p_alive", "churn_risk", "cluster")


def _column(values: np.ndarray | None, n: int) -> list[Any]:
    if values is None:
        return [None] * n
    cleaned = np.where(np.isfinite(values), values, np.nan).astype(object)
    cleaned[np.isnan(values.astype(np.float64))] = None
    return cleaned.tolist()


def write_customer_values(session: Session, customer_id: np.ndarray, columns: dict[str, np.ndarray | None], now: datetime) -> int:
    """Replace every row of `customer_values` with these arrays (one entry per customer)."""
    session.execute(delete(CustomerValue))
    table = CustomerValue.__table__
    total = len(customer_id)
    for start in range(0, total, CHUNK):
        stop = min(start + CHUNK, total)
        ids = customer_id[start:stop].tolist()
        parts = [_column(None if columns.get(name) is None else columns[name][start:stop], stop - start) for name in COLUMNS]
        rows = [dict(zip(("customer_id", *COLUMNS, "computed_at"), (cid, *values, now), strict=True))
                for cid, *values in zip(ids, *parts, strict=True)]
        session.execute(insert(table), rows)
    return total


def save_model(session: Session, name: str, params: dict[str, Any], quality: dict[str, Any], now: datetime) -> None:
    row = session.get(ValueModel, name) or ValueModel(name=name)
    row.params, row.quality, row.computed_at = params, quality, now
    session.add(row)
