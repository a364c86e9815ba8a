"""Each buyer's purchase history at a cut-off date, as numpy arrays, from one SQL aggregation.

Why one GROUP BY into arrays: the value models need four numbers per customer (purchases, days
since the first and since the last, average amount) plus what happened after the cut-off for
validation. SQL reads every order once; the models then work on whole arrays, never a Python loop
over customers. Refunds (amount <= 0) are not purchases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy import Result, bindparam, text
from sqlalchemy.orm import Session

from bot.crm.analytics import _days_between
from models.base import UTCDateTime

CHUNK = 100_000

# numpy arrays of one dtype, one entry per customer who bought before the cut-off
FloatArray = np.ndarray
IntArray = np.ndarray


def rows_array(result: Result[Any], width: int, dtype: Any) -> np.ndarray:
    """A query's rows as one (n, width) array, read in chunks. `np.fromiter` over the flattened
    values: handing SQLAlchemy rows to `np.array` directly makes numpy probe each row for array
    attributes, which cost more than the query itself."""
    parts = []
    for part in result.partitions(CHUNK):
        flat = np.fromiter(chain.from_iterable(part), dtype=dtype, count=len(part) * width)
        parts.append(flat.reshape(-1, width))
    return np.concatenate(parts) if parts else np.empty((0, width), dtype=dtype)


@dataclass(frozen=True)
class History:
    at: datetime
    customer_id: IntArray
    purchases: FloatArray  # purchases before `at`
    tenure_days: FloatArray  # from the first purchase to `at`
    span_days: FloatArray  # from the first purchase to the last before `at`
    average_amount: FloatArray
    total_amount: FloatArray
    after: FloatArray  # purchases in [at, at + horizon)

    def __len__(self) -> int:
        return len(self.customer_id)

    @property
    def recency_days(self) -> FloatArray:
        return np.asarray(self.tenure_days - self.span_days, dtype=np.float64)


def history(session: Session, at: datetime, horizon_days: float = 0.0) -> History:
    """Buyers with a purchase before `at`, their history up to it, and their purchases in the
    `horizon_days` after it (zero when no horizon is asked for)."""
    end = at + timedelta(days=horizon_days)
    tenure = _days_between(session, ":at", "MIN(placed_at) FILTER (WHERE placed_at < :at)")
    span = _days_between(session, "MAX(placed_at) FILTER (WHERE placed_at < :at)", "MIN(placed_at) FILTER (WHERE placed_at < :at)")
    statement = text(f"""
        SELECT customer_id,
               COUNT(*) FILTER (WHERE placed_at < :at) AS purchases,
               CAST({tenure} AS DOUBLE PRECISION) AS tenure,
               CAST({span} AS DOUBLE PRECISION) AS span,
               AVG(CAST(amount AS DOUBLE PRECISION)) FILTER (WHERE placed_at < :at) AS average_amount,
               COUNT(*) FILTER (WHERE placed_at >= :at) AS after
        FROM orders
        WHERE amount > 0 AND placed_at < :end
        GROUP BY customer_id
        HAVING COUNT(*) FILTER (WHERE placed_at < :at) > 0
        ORDER BY customer_id
    """).bindparams(bindparam("at", type_=UTCDateTime()), bindparam("end", type_=UTCDateTime()))
    result = session.execute(statement.execution_options(stream_results=True, max_row_buffer=CHUNK), {"at": at, "end": end})
    # in chunks, so a million customers never sit in memory as Python rows all at once
    table = rows_array(result, 6, np.float64)
    purchases = table[:, 1]
    average = table[:, 4]
    return History(at=at, customer_id=table[:, 0].astype(np.int64), purchases=purchases,
                   tenure_days=np.maximum(table[:, 2], 0.0), span_days=np.maximum(table[:, 3], 0.0),
                   average_amount=average, total_amount=average * purchases, after=table[:, 5])
