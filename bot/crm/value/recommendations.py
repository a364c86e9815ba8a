"""Recommendations from order lines: "bought together" per product and, per customer, the top
products they have not bought yet.

In plain words: two products are "bought together" when more customers bought both than chance
would give. Lift = (customers who bought both x all customers) / (buyers of one x buyers of the
other): 1 is chance, 3 is three times more often than chance. Best-sellers are in everyone's
basket, so their lift with anything stays near 1 and they do not top every list; a pair needs at
least `min_support` customers in common so two rare products bought once together are not "related".

Per customer (item-to-item): each product they bought votes for its related products, weighted by
cosine similarity (both / sqrt(buyers of one x buyers of the other)); products already bought are
left out; products of the categories the customer chose as interests at sign-up come first.

Why sparse matrices: the customer x product matrix has one entry per (customer, product) bought;
its product with itself gives every pair's count at once (scipy.sparse), with no loop over pairs
or customers. Scores are computed in blocks of customers (`BLOCK` products bought at a time) to keep memory flat,
from each product's `NEIGHBOURS` most similar products.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

BLOCK = 200_000  # products bought by the customers scored at once (times NEIGHBOURS candidates at most)
NEIGHBOURS = 10  # each product's most similar products that can be recommended from it


@dataclass(frozen=True)
class Related:
    sku: np.ndarray  # product index
    related: np.ndarray  # product index
    together: np.ndarray
    lift: np.ndarray
    rank: np.ndarray  # 1 = best for this product


def basket_matrix(customer: np.ndarray, product: np.ndarray, customers: int, products: int) -> sparse.csr_matrix:
    """Customer x product, 1 where the customer ever bought the product."""
    matrix = sparse.csr_matrix((np.ones(len(customer), dtype=np.float32), (customer, product)), shape=(customers, products))
    matrix.data[:] = 1.0  # duplicates summed by the constructor: bought at all
    return matrix


def bought_together(baskets: sparse.csr_matrix, min_support: int, per_product: int = 10) -> tuple[Related, sparse.csr_matrix]:
    """The related products of each product (lift, at least `min_support` customers in common),
    and the cosine similarity matrix the per-customer scores use."""
    together = (baskets.T @ baskets).tocoo()
    buyers = np.asarray(baskets.sum(axis=0)).ravel()
    keep = (together.row != together.col) & (together.data >= min_support)
    row, col, both = together.row[keep], together.col[keep], together.data[keep]
    customers = baskets.shape[0]
    lift = both * customers / (buyers[row] * buyers[col])
    cosine = both / np.sqrt(buyers[row] * buyers[col])
    similarity = sparse.csr_matrix((cosine, (row, col)), shape=together.shape)
    order = np.lexsort((-both, -lift, row))  # per product: highest lift first
    row, col, both, lift = row[order], col[order], both[order], lift[order]
    starts = np.searchsorted(row, row, side="left")
    rank = np.arange(len(row)) - starts + 1
    top = rank <= per_product
    return Related(row[top], col[top], both[top].astype(np.int64), lift[top], rank[top]), similarity


def top_related(similarity: sparse.csr_matrix, per_product: int = NEIGHBOURS) -> sparse.csr_matrix:
    """Each product's `per_product` most similar products only: the per-customer scores then have
    at most (products bought x per_product) candidates each, not the whole catalogue."""
    coo = similarity.tocoo()
    order = np.lexsort((-coo.data, coo.row))
    row, col, data = coo.row[order], coo.col[order], coo.data[order]
    keep = np.arange(len(row)) - np.searchsorted(row, row, side="left") < per_product
    return sparse.csr_matrix((data[keep], (row[keep], col[keep])), shape=similarity.shape)


def blocks(baskets: sparse.csr_matrix) -> list[tuple[int, int]]:
    """Row ranges holding about `BLOCK` products bought each: the candidates of a block grow with
    its customers' baskets, and the biggest buyers (hundreds of products each) come together."""
    ends = np.searchsorted(baskets.indptr, np.arange(BLOCK, baskets.indptr[-1] + BLOCK, BLOCK), side="right") - 1
    bounds = np.unique(np.concatenate([[0], np.maximum(ends, 1), [baskets.shape[0]]]))
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


def recommend(baskets: sparse.csr_matrix, similarity: sparse.csr_matrix, interest: sparse.csr_matrix | None,
              top: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer index, product index, score) of each customer's top products not yet bought,
    interest categories first (`interest`: customer x product, 1 where the product's category is
    one of the customer's interests). Customers with no candidate get nothing.

    Sparse throughout, in blocks of customers who bought `BLOCK` products in all: basket x (each product's nearest
    `NEIGHBOURS`) gives only the candidates, the products already bought are subtracted, and each
    customer's best `top` are picked by one sort of (customer, -score): no dense customer x
    catalogue matrix, no loop over customers."""
    out_c, out_p, out_s = [], [], []
    scorer = top_related(similarity)
    for start, stop in blocks(baskets):
        block = baskets[start:stop]
        scores = sparse.csr_matrix(block @ scorer)
        scores = (scores - scores.multiply(block)).tocoo()  # the products already bought drop out
        keep = scores.data > 0
        row, col, value = scores.row[keep], scores.col[keep], scores.data[keep].astype(np.float64)
        ranked = value
        if interest is not None and len(row):
            chosen = np.asarray(interest[start:stop][row, col]).ravel() > 0
            ranked = value + chosen * (value.max() + 1.0)
        order = np.lexsort((-ranked, row))
        row, col, value = row[order], col[order], value[order]
        best = np.arange(len(row)) - np.searchsorted(row, row, side="left") < top
        out_c.append(row[best].astype(np.int32) + np.int32(start))  # int32: five per customer, millions in all
        out_p.append(col[best].astype(np.int32))
        out_s.append(value[best])
    if not out_c:
        return np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0)
    return np.concatenate(out_c), np.concatenate(out_p), np.concatenate(out_s)


def hit_rate(recommended: tuple[np.ndarray, np.ndarray], next_bought: tuple[np.ndarray, np.ndarray], customers: np.ndarray,
             products: int) -> float | None:
    """Share of `customers` with at least one of their next purchases among their recommendations
    (pairs encoded as customer * products + product, compared with np.isin)."""
    if len(customers) == 0:
        return None
    hit = np.isin(next_bought[0] * products + next_bought[1], recommended[0] * products + recommended[1])
    return float(len(np.intersect1d(next_bought[0][hit], customers)) / len(customers))


def best_sellers(baskets: sparse.csr_matrix, customers: np.ndarray, top: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """The baseline: each customer's top best-sellers (most buyers) not yet bought."""
    popularity = np.asarray(baskets.sum(axis=0)).ravel()
    ranking = np.argsort(-popularity, kind="stable")[: top + 50]
    bought = baskets[customers][:, ranking].toarray() > 0
    score = np.where(bought, -np.inf, -np.arange(len(ranking), dtype=np.float64))
    k = min(top, len(ranking))
    best = np.argsort(-score, axis=1)[:, :k]
    ok = np.take_along_axis(score, best, axis=1) > -np.inf
    rows = np.repeat(customers, k).reshape(-1, k)
    return rows[ok], ranking[best][ok]
