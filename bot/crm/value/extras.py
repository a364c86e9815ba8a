"""The rest of a customer's behaviour for the clusters, in bulk: items and categories bought,
coupons redeemed (count and value), refunds, complaints. Items and categories come from the order
lines already read for the recommendations, refunds from the one scan of orders (`history`);
coupons and complaints from one GROUP BY each (small tables), aligned to the buyers' arrays by
customer id (`np.searchsorted`), never a Python loop over customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.crm.value.history import CHUNK, History

# Percent coupons are valued at their share of the customer's average purchase (see `loss_flags`).
COUPONS_SQL = """
SELECT c.customer_id, COUNT(*),
       SUM(CASE WHEN c.kind = 'amount' THEN CAST(c.value AS DOUBLE PRECISION) ELSE 0 END),
       SUM(CASE WHEN c.kind = 'percent' THEN CAST(c.value AS DOUBLE PRECISION) ELSE 0 END)
FROM coupon_redemptions r JOIN coupons c ON c.id = r.coupon_id
GROUP BY c.customer_id
"""

COMPLAINTS_SQL = """
SELECT customer_id, COUNT(*) FROM tickets WHERE category = 'complaint' AND customer_id IS NOT NULL GROUP BY customer_id
"""


@dataclass(frozen=True)
class Extras:
    items: np.ndarray
    categories: np.ndarray
    coupons: np.ndarray
    coupon_amount: np.ndarray  # currency value of amount coupons redeemed
    coupon_percent: np.ndarray  # sum of the percentages of percent coupons redeemed
    refunds: np.ndarray
    complaints: np.ndarray


def _aligned(session: Session, sql: str, customer_id: np.ndarray, width: int) -> np.ndarray:
    """`width` value columns of `sql` (first column the customer id) for each of `customer_id`
    (sorted), zero where the query has no row."""
    out = np.zeros((len(customer_id), width))
    if not len(customer_id):
        return out
    result = session.execute(text(sql).execution_options(stream_results=True, max_row_buffer=CHUNK))
    for part in result.partitions(CHUNK):
        block = np.fromiter(chain.from_iterable(part), dtype=np.float64, count=len(part) * (width + 1)).reshape(-1, width + 1)
        ids = block[:, 0].astype(np.int64)
        where = np.searchsorted(customer_id, ids)
        found = (where < len(customer_id)) & (customer_id[np.minimum(where, len(customer_id) - 1)] == ids)
        out[where[found]] = block[found, 1:]
    return np.nan_to_num(out)


def extras(session: Session, today: History, items: tuple[np.ndarray, np.ndarray]) -> Extras:
    """`items`: (items bought, categories bought) per customer of `today` (`baskets.customer_items`)."""
    coupons = _aligned(session, COUPONS_SQL, today.customer_id, 3)
    refunds = today.refunds if today.refunds is not None else np.zeros(len(today))
    return Extras(items=items[0], categories=items[1], coupons=coupons[:, 0], coupon_amount=coupons[:, 1],
                  coupon_percent=coupons[:, 2], refunds=refunds,
                  complaints=_aligned(session, COMPLAINTS_SQL, today.customer_id, 1)[:, 0])
