"""Order lines and interests from the database as index arrays for `recommendations`, the nightly
"bought together" and per-customer recommendations with their offline check, and their storage.

One scan of order lines: PostgreSQL groups them by (customer, product) and sends each pair once
(first bought before the holdout cut-off or not, quantity) through binary COPY into integer
arrays; ten million lines never become Python objects. The same pairs give the clusters each
customer's items and categories (`customer_items`).

Why a sample for "bought together": the pair counts are basket x basket, whose cost grows with
the square of each basket. They are counted on at most `pair_sample` customers drawn at random
(200,000: lift and cosine are ratios, which a sample of that size estimates to within a few per
cent for any pair with the minimum support), leaving out customers who bought more than
`WIDE_BASKET` different products: a customer who bought most of the catalogue says nothing
about which products go together and would cost millions of pairs alone. Every customer is then
scored from these pairs.

The offline check: fit on the pairs first bought before the last `holdout_weeks`; for each
customer who bought before and then something new after that cut-off (at most `CHECK_CUSTOMERS`
of them, drawn at random), was one of the new products among their top 5? The same for the top
5 best-sellers they had not bought, as the baseline to beat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy import sparse
from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm.value import recommendations as recs
from bot.crm.value.arrays import copy_in, query_array
from bot.crm.value.store import bulk_write
from models import CustomerRecommendation, Product, ProductPair
from models.base import UTCDateTime

TOP = 5
PAIR_SAMPLE = 200_000
WIDE_BASKET = 100
CHECK_CUSTOMERS = 20_000

# products by their integer id (0 for a line whose sku is not in the catalogue), so the pairs
# come into numpy as integers, not strings
LINES_SQL = """
SELECT ol.customer_id, COALESCE(p.id, 0), CASE WHEN MIN(ol.placed_at) < %(cut)s THEN 1 ELSE 0 END,
       CAST(SUM(ol.quantity) AS INTEGER)
FROM order_lines ol LEFT JOIN products p ON p.sku = ol.sku
WHERE ol.placed_at < %(now)s
GROUP BY ol.customer_id, COALESCE(p.id, 0)
"""

INTERESTS_SQL = {
    "postgresql": """SELECT c.id, p.id FROM customers c
                     CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(c.interests) = 'array'
                                                                       THEN c.interests ELSE '[]'::jsonb END) AS i(v)
                     JOIN products p ON p.category = i.v""",
    "sqlite": """SELECT c.id, p.id FROM customers c, json_each(c.interests) AS i JOIN products p ON p.category = i.value""",
}


@dataclass(frozen=True)
class Lines:
    """Each (customer, product) bought, once: `person` and `product` index `people` (customer ids,
    sorted) and `catalogue` (product ids, sorted; without 0, the unknown skus)."""
    people: np.ndarray
    person: np.ndarray
    catalogue: np.ndarray
    product: np.ndarray  # -1 for lines of unknown skus
    before: np.ndarray  # first bought before the holdout cut-off
    quantity: np.ndarray


def read_lines(session: Session, settings: Settings, now: datetime) -> Lines:
    cut = now - timedelta(weeks=settings.value.holdout_weeks)
    typed = [bindparam("cut", type_=UTCDateTime()), bindparam("now", type_=UTCDateTime())]
    pairs = query_array(session, LINES_SQL, {"cut": cut, "now": now}, 4, np.int32, typed)
    people, person = _index(pairs[:, 0])
    known = pairs[:, 1] > 0
    catalogue, product = _index(np.where(known, pairs[:, 1], 0))
    if len(catalogue) and catalogue[0] == 0:  # the unknown skus' 0 is not a product
        catalogue, product = catalogue[1:], product - 1
    product[~known] = -1
    before, quantity = pairs[:, 2].astype(bool), pairs[:, 3].copy()
    del pairs
    return Lines(people.astype(np.int64), person, catalogue, product, before, quantity)


def _index(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct ids sorted, each row's position among them), as np.unique(return_inverse)
    does; through a lookup table when the ids are small serial numbers (ten million rows: no sort,
    int32 positions)."""
    if not len(ids):
        return np.empty(0, np.int64), np.empty(0, np.int32)
    top = int(ids.max())
    if top > 8 * len(ids) + 1_000_000 or int(ids.min()) < 0:
        distinct, inverse = np.unique(ids, return_inverse=True)
        return distinct, inverse.ravel().astype(np.int32)
    distinct = np.flatnonzero(np.bincount(ids, minlength=top + 1))
    lookup = np.zeros(top + 1, dtype=np.int32)
    lookup[distinct] = np.arange(len(distinct), dtype=np.int32)
    return distinct, lookup[ids]


def customer_items(session: Session, lines: Lines, customer_id: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(items bought, distinct categories bought) for each of `customer_id` (sorted), zero where
    they bought no line."""
    names = dict(session.execute(select(Product.id, Product.category)).all())
    codes = {name: k for k, name in enumerate(sorted({str(v) for v in names.values()}))}
    category = np.array([codes[str(names[int(p)])] if int(p) in names else -1 for p in lines.catalogue.tolist()], dtype=np.int64)
    n = len(lines.people)
    items = np.bincount(lines.person, weights=lines.quantity, minlength=n)
    known = lines.product >= 0
    cat = category[lines.product[known]] if known.any() else np.empty(0, np.int64)
    pairs = np.unique(lines.person[known][cat >= 0].astype(np.int64) * (len(codes) + 1) + cat[cat >= 0])
    categories = np.bincount(pairs // (len(codes) + 1), minlength=n).astype(np.float64)
    where = np.searchsorted(lines.people, customer_id)
    found = (where < n) & (lines.people[np.minimum(where, max(n - 1, 0))] == customer_id) if n else np.zeros(len(customer_id), bool)
    out_items, out_categories = np.zeros(len(customer_id)), np.zeros(len(customer_id))
    out_items[found], out_categories[found] = items[where[found]], categories[where[found]]
    return out_items, out_categories


def pair_baskets(baskets: sparse.csr_matrix, seed: int, size: int = PAIR_SAMPLE) -> sparse.csr_matrix:
    """The baskets "bought together" is counted on: at most `size` customers at random, none with
    more than `WIDE_BASKET` products."""
    widths = np.diff(baskets.indptr)
    rows = np.flatnonzero((widths > 0) & (widths <= WIDE_BASKET))
    if len(rows) > size:
        rows = np.sort(np.random.default_rng(seed).choice(rows, size, replace=False))
    return baskets[rows]


def run_recommendations(session: Session, settings: Settings, now: datetime, lines: Lines) -> dict[str, object]:
    """Compute and store pairs and per-customer recommendations; returns the model's quality."""
    session.execute(delete(ProductPair))
    session.execute(delete(CustomerRecommendation))
    known = lines.product >= 0
    if not known.any():
        return {"usable": False, "lines": 0}
    # copies only when some lines' skus are unknown: ten million pairs are 100 MB per copy
    person, product, before = (lines.person, lines.product, lines.before) if known.all() else \
        (lines.person[known], lines.product[known], lines.before[known])
    del known
    people, catalogue = lines.people, lines.catalogue
    v = settings.value
    quality = offline_check(person, product, before, len(people), len(catalogue), v.min_support, v.random_seed)
    baskets = recs.basket_matrix(person, product, len(people), len(catalogue))
    quality["lines"] = int(len(person))
    del person, product, before
    related, similarity = recs.bought_together(pair_baskets(baskets, v.random_seed), v.min_support)
    interest = interest_matrix(session, people, catalogue)
    who, what, score = recs.recommend(baskets, similarity, interest, TOP)
    del baskets, interest, similarity  # freed before the five rows per customer are written
    sku_of = dict(session.execute(select(Product.id, Product.sku).where(Product.id.in_(catalogue.tolist()))).all())
    skus = np.array([sku_of[int(i)] for i in catalogue.tolist()], dtype=object)  # one per product, not per customer
    _store_pairs(session, skus, related)
    _store_recommendations(session, people, catalogue, skus, who, what, score)
    quality.update(usable=True, products=len(catalogue), pairs=len(related.sku), customers=int(len(np.unique(who))))
    return quality


def offline_check(person: np.ndarray, product: np.ndarray, before: np.ndarray, people: int, products: int,
                  min_support: int, seed: int = 0) -> dict[str, object]:
    train = recs.basket_matrix(person[before], product[before], people, products)
    # first bought after the cut-off; int64, as hit_rate encodes pairs as customer x products + product
    new_c, new_p = person[~before].astype(np.int64), product[~before].astype(np.int64)
    has_history = np.diff(train.indptr) > 0
    customers = np.unique(new_c[has_history[new_c]])
    if len(customers) == 0:
        return {"test_customers": 0, "hit_rate": None, "best_seller_hit_rate": None}
    if len(customers) > CHECK_CUSTOMERS:
        customers = np.sort(np.random.default_rng(seed).choice(customers, CHECK_CUSTOMERS, replace=False))
    _, similarity = recs.bought_together(pair_baskets(train, seed), min_support)
    who, what, _ = recs.recommend(train[customers], similarity, None, TOP)
    model = recs.hit_rate((customers[who], what), (new_c, new_p), customers, products)
    baseline = recs.hit_rate(recs.best_sellers(train, customers, TOP), (new_c, new_p), customers, products)
    return {"test_customers": int(len(customers)), "hit_rate": model, "best_seller_hit_rate": baseline}


def interest_matrix(session: Session, people: np.ndarray, catalogue: np.ndarray) -> sparse.csr_matrix | None:
    dialect = session.get_bind().dialect.name
    rows = query_array(session, INTERESTS_SQL.get(dialect, INTERESTS_SQL["sqlite"]), {}, 2, np.int32)
    if not len(rows):
        return None
    ids, products = rows[:, 0], rows[:, 1]
    c = np.searchsorted(people, ids)
    p = np.searchsorted(catalogue, products)
    ok = (c < len(people)) & (p < len(catalogue))
    ok[ok] &= (people[c[ok]] == ids[ok]) & (catalogue[p[ok]] == products[ok])
    return recs.basket_matrix(c[ok], p[ok], len(people), len(catalogue))


def _store_pairs(session: Session, catalogue: np.ndarray, related: recs.Related) -> None:
    rows = zip(catalogue[related.sku].tolist(), catalogue[related.related].tolist(), related.together.tolist(),
               np.round(related.lift, 4).tolist(), related.rank.tolist(), strict=True)
    bulk_write(session, ProductPair, ("sku", "related_sku", "together", "lift", "rank"), rows)


RECOMMENDATIONS_TEMP = """CREATE TEMPORARY TABLE recommendation_rows (customer_id BIGINT, rank BIGINT, product_id BIGINT,
                          score FLOAT8) ON COMMIT DROP"""
RECOMMENDATIONS_INSERT = """INSERT INTO customer_recommendations (customer_id, rank, sku, score)
SELECT r.customer_id, r.rank, p.sku, r.score FROM recommendation_rows r JOIN products p ON p.id = r.product_id
ORDER BY r.customer_id, r.rank"""


def _store_recommendations(session: Session, people: np.ndarray, catalogue: np.ndarray, skus: np.ndarray, who: np.ndarray,
                           what: np.ndarray, score: np.ndarray) -> None:
    """On PostgreSQL by binary COPY of ids into a temporary table and one INSERT ... SELECT that
    looks the skus up (five rows per customer, five million at full size: no Python tuple each),
    in key order, so the primary key grows at its right edge and the customers' foreign-key checks
    read their index in order."""
    starts = np.searchsorted(who, who, side="left")  # `recommend` returns each customer's items together, best first
    rank = np.arange(len(who)) - starts + 1
    score = np.round(score, 4)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("DROP TABLE IF EXISTS recommendation_rows"))
        session.execute(text(RECOMMENDATIONS_TEMP))
        copy_in(session, "recommendation_rows", {"customer_id": people[who], "rank": rank, "product_id": catalogue[what], "score": score})
        session.execute(text(RECOMMENDATIONS_INSERT))
        session.execute(text("DROP TABLE recommendation_rows"))
        return
    rows = zip(people[who].tolist(), rank.tolist(), skus[what].tolist(), score.tolist(), strict=True)
    bulk_write(session, CustomerRecommendation, ("customer_id", "rank", "sku", "score"), rows)
