"""Clusters of customers with a strategy each, as seed 003 draws them (slides 18-20).

In plain words: every buyer is described by seven numbers (days since the last purchase,
purchases, spend, days since the first purchase, categories bought, share of purchases made with
a coupon, complaints), put on a common scale (logarithms for counts and money, then each feature
to mean 0 and spread 1), and grouped by k-means: customers close to each other in these numbers
end up together. The number of groups k (2 to `max_clusters`) is the one with the best silhouette
score: how much closer customers are to their own group than to the next one.

Each cluster is then described by share of revenue, share of customers, product index (average
items bought over everyone's average), leverage (revenue share over customer share) and average
tenure, and gets a suggested strategy from this rule (thresholds in [value]):

- leverage >= retain_leverage (1.5): **retain** (they bring much more than their share);
- leverage >= grow_leverage (0.7): **grow**, i.e. cross-sell / up-sell;
- otherwise, if their average days since the last purchase <= watch_recency_days (180): **watch**;
- otherwise: **abandon** (excluded from promotions, still served).

The marketer can override the strategy of any cluster on the value report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from bot.crm.value.extras import Extras
from bot.crm.value.history import History

STRATEGIES = ("retain", "grow", "watch", "abandon")
FEATURES = ("recency_days", "purchases", "spend", "tenure_days", "categories", "coupon_reliance", "complaints")


@dataclass(frozen=True)
class StrategyRule:
    retain_leverage: float = 1.5
    grow_leverage: float = 0.7
    watch_recency_days: float = 180.0


def feature_matrix(h: History, e: Extras) -> np.ndarray:
    reliance = np.minimum(e.coupons / np.maximum(h.purchases, 1.0), 1.0)
    return np.column_stack([np.log1p(h.recency_days), np.log1p(h.purchases), np.log1p(np.maximum(h.total_amount, 0.0)),
                            np.log1p(h.tenure_days), np.log1p(e.categories), reliance, np.log1p(e.complaints)])


def choose_k(scaled: np.ndarray, max_clusters: int, seed: int, sample: int = 2000) -> tuple[int, dict[int, float]]:
    """The k in 2..max_clusters with the best silhouette on a sample; (k, every k's score)."""
    rng = np.random.default_rng(seed)
    rows = scaled if len(scaled) <= sample else scaled[rng.choice(len(scaled), sample, replace=False)]
    scores: dict[int, float] = {}
    for k in range(2, min(max_clusters, len(np.unique(rows, axis=0)) - 1) + 1):
        labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(rows)
        scores[k] = float(silhouette_score(rows, labels))
    return (max(scores, key=lambda k: scores[k]) if scores else 1), scores


@dataclass(frozen=True)
class Clustering:
    labels: np.ndarray  # 1..k per customer, 1 the highest leverage
    stats: list[dict[str, float]]  # per cluster, index 0 is cluster 1
    silhouette: dict[int, float]


def cluster(h: History, e: Extras, max_clusters: int, seed: int, fit_sample: int = 50_000) -> Clustering | None:
    if len(h) < 10:
        return None
    x = feature_matrix(h, e)
    scaler = StandardScaler().fit(x)
    scaled = scaler.transform(x)
    k, scores = choose_k(scaled, max_clusters, seed)
    if k < 2:
        return None
    rng = np.random.default_rng(seed)
    fit_rows = scaled if len(scaled) <= fit_sample else scaled[rng.choice(len(scaled), fit_sample, replace=False)]
    model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(fit_rows)
    raw = model.predict(scaled)
    stats = describe(raw, k, h, e)
    order = np.argsort([-s["leverage"] for s in stats])  # cluster 1 brings the most per customer
    renumber = np.empty(k, dtype=np.int64)
    renumber[order] = np.arange(1, k + 1)
    centres = scaler.inverse_transform(model.cluster_centers_)
    ordered = []
    for old in order:
        row = dict(stats[old])
        row["centre"] = dict(zip(FEATURES, (round(float(v), 3) for v in centres[old]), strict=True))
        ordered.append(row)
    return Clustering(labels=renumber[raw], stats=ordered, silhouette={k_: round(v, 4) for k_, v in scores.items()})


def describe(labels: np.ndarray, k: int, h: History, e: Extras) -> list[dict[str, float]]:
    """Seed 003's columns per cluster, from bincounts (no loop over customers)."""
    n = np.bincount(labels, minlength=k).astype(np.float64)
    revenue = np.bincount(labels, weights=np.maximum(h.total_amount, 0.0), minlength=k)
    # product index on items from order lines, or on purchases when the shop sends no lines
    items = e.items if e.items.sum() > 0 else h.purchases
    per_cluster_items = np.bincount(labels, weights=items, minlength=k) / np.maximum(n, 1)
    overall_items = items.mean() if len(items) else 1.0
    total_revenue = revenue.sum() or 1.0

    def means(values: np.ndarray) -> np.ndarray:
        return np.bincount(labels, weights=values, minlength=k) / np.maximum(n, 1)

    tenure, recency, purchases, spend = means(h.tenure_days), means(h.recency_days), means(h.purchases), means(h.total_amount)
    out = []
    for c in range(k):
        customer_share = n[c] / len(labels)
        revenue_share = revenue[c] / total_revenue
        out.append({"customers": int(n[c]), "customer_share": round(customer_share, 4), "revenue_share": round(revenue_share, 4),
                    "product_index": round(float(per_cluster_items[c] / overall_items) if overall_items else 0.0, 3),
                    "leverage": round(revenue_share / customer_share, 3) if customer_share else 0.0,
                    "tenure_days": round(float(tenure[c]), 1), "recency_days": round(float(recency[c]), 1),
                    "purchases": round(float(purchases[c]), 2), "spend": round(float(spend[c]), 2)})
    return out


def suggest(stats: dict[str, float], rule: StrategyRule) -> str:
    if stats["leverage"] >= rule.retain_leverage:
        return "retain"
    if stats["leverage"] >= rule.grow_leverage:
        return "grow"
    if stats["recency_days"] <= rule.watch_recency_days:
        return "watch"
    return "abandon"


def loss_flags(h: History, e: Extras, margin_rate: float) -> np.ndarray:
    """Customers whose refunds and coupon value exceed the margin on what they bought: for a
    person to look at, never acted on automatically."""
    coupon_value = e.coupon_amount + e.coupon_percent / 100.0 * h.average_amount
    return np.asarray((e.refunds + coupon_value) > margin_rate * np.maximum(h.total_amount, 0.0), dtype=np.bool_)
