"""The nightly customer-value run: lifetime value with its holdout check, churn risk with its
time-split check, then every buyer's figures written at once. Called by `jobs.recompute` after
tiers and RFM, in its own transaction.

Why validate every night: the marketer must see whether to trust the figures on this shop's own
data (a new shop's history may be too short), so each model stores its quality beside its
parameters and the console shows both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from bot.config import Settings
from bot.crm.value import churn, clusters, clv
from bot.crm.value.baskets import TOP, Lines, customer_items, read_lines, run_recommendations
from bot.crm.value.extras import extras
from bot.crm.value.history import History, histories
from bot.crm.value.store import save_clusters, save_model, write_customer_values

WEEK = 7.0


@dataclass
class ValueResult:
    customers: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    quality: dict[str, dict[str, object]] = field(default_factory=dict)


def _weeks(h: History) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, T) of BG/NBD in weeks: repeat purchases, first to last, first to the cut-off."""
    return h.purchases - 1, h.span_days / WEEK, h.tenure_days / WEEK


def _sample(n: int, size: int, seed: int) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


Fitted = tuple[clv.BgNbd, clv.GammaGamma]


def fit_clv(h: History, settings: Settings, start: Fitted | None = None) -> Fitted | None:
    """Both models on a random sample of `fit_sample` buyers (10,000): four and three parameters
    are pinned down to a per cent or two by that many customers, and the maximum-likelihood search
    costs the same at any shop size; the predictions then cover every buyer at once."""
    if len(h) < 20 or not np.any(h.purchases > 1):
        return None
    chosen = _sample(len(h), settings.value.fit_sample, settings.value.random_seed)
    x, t_x, T = _weeks(h)
    frequency = clv.fit_bgnbd(x[chosen], t_x[chosen], T[chosen], None if start is None else start[0])
    spend = clv.fit_gamma_gamma(h.purchases[chosen], h.average_amount[chosen], None if start is None else start[1])
    return frequency, spend


def _correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return None
    return round(float(np.corrcoef(a, b)[0, 1]), 4)


def validate_clv(calibration: History, settings: Settings) -> tuple[dict[str, object], Fitted | None]:
    """Fit on the history before the last `holdout_weeks` (`calibration`, its `after` counting the
    purchases in those weeks), predict them, compare with what happened."""
    weeks = settings.value.holdout_weeks
    fitted = fit_clv(calibration, settings)
    if fitted is None:
        return {"holdout_weeks": weeks, "customers": len(calibration), "usable": False}, None
    x, t_x, T = _weeks(calibration)
    predicted = clv.expected_purchases(fitted[0], float(weeks), x, t_x, T)
    return {"holdout_weeks": weeks, "customers": len(calibration), "usable": True,
            "correlation": _correlation(predicted, calibration.after),
            "predicted_total": round(float(predicted.sum()), 1), "actual_total": int(calibration.after.sum())}, fitted


def run_value_models(session: Session, settings: Settings, now: datetime) -> ValueResult:
    """Every model, with numpy's and scikit-learn's thread pools held to one thread: on a shared
    machine their default (a thread per core, spinning) made k-means thirty times slower."""
    with threadpool_limits(limits=1):
        return _run(session, settings, now)


def _run(session: Session, settings: Settings, now: datetime) -> ValueResult:
    result = ValueResult()
    started = time.perf_counter()
    if session.get_bind().dialect.name == "postgresql":  # the two GROUP BYs hash a million customers
        session.execute(text(f"SET LOCAL work_mem = '{int(settings.analytics.recompute_work_mem_mb)}MB'"))
    weeks, days = settings.value.holdout_weeks, float(settings.value.churn_days)
    # one scan of orders: today, the holdout's cut-off, the churn model's two cut-offs
    today, calibration, train, test = histories(session, [
        (now, 0.0), (now - timedelta(weeks=weeks), weeks * WEEK), (now - timedelta(days=2 * days), days),
        (now - timedelta(days=days), days)])
    result.customers = len(today)
    result.seconds["history"] = time.perf_counter() - started

    mark = time.perf_counter()
    clv_quality, holdout_fit = validate_clv(calibration, settings)
    fitted = fit_clv(today, settings, holdout_fit)  # today's fit starts where the holdout's ended
    columns: dict[str, np.ndarray | None] = {}
    params: dict[str, object] = {}
    if fitted is not None:
        frequency, spend = fitted
        x, t_x, T = _weeks(today)
        purchases = clv.expected_purchases(frequency, float(settings.value.horizon_weeks), x, t_x, T)
        per_purchase = clv.expected_spend_per_purchase(spend, today.purchases, today.average_amount)
        columns.update(expected_purchases=purchases, expected_spend=purchases * per_purchase, p_alive=clv.p_alive(frequency, x, t_x, T))
        params = {"bgnbd": frequency.as_dict(), "gamma_gamma": spend.as_dict(), "horizon_weeks": settings.value.horizon_weeks}
    save_model(session, "clv", params, clv_quality, now)
    result.quality["clv"] = clv_quality
    result.seconds["clv"] = time.perf_counter() - mark

    mark = time.perf_counter()
    quality, model = churn.evaluate(train, test, settings.value.churn_min_repeaters, settings.value.churn_min_auc,
                                    settings.value.random_seed, settings.value.fit_sample)
    columns["churn_risk"] = churn.risk(model, today) if model is not None else None
    save_model(session, "churn", {"days": settings.value.churn_days}, quality.as_dict(), now)
    result.quality["churn"] = quality.as_dict()
    del calibration, train, test  # only today's history is needed from here on
    result.seconds["churn"] = time.perf_counter() - mark

    mark = time.perf_counter()
    lines = read_lines(session, settings, now)  # one scan of order lines, for the clusters and the recommendations
    result.seconds["order lines"] = time.perf_counter() - mark

    mark = time.perf_counter()
    columns.update(cluster_step(session, settings, today, lines, now, result))
    result.seconds["clusters"] = time.perf_counter() - mark

    mark = time.perf_counter()
    recommendation_quality = run_recommendations(session, settings, now, lines)
    del lines
    save_model(session, "recommendations", {"top": TOP, "min_support": settings.value.min_support}, recommendation_quality, now)
    result.quality["recommendations"] = recommendation_quality
    result.seconds["recommendations"] = time.perf_counter() - mark

    mark = time.perf_counter()
    write_customer_values(session, today.customer_id, columns, now)
    result.seconds["write"] = time.perf_counter() - mark
    result.seconds["total"] = time.perf_counter() - started
    return result


def cluster_step(session: Session, settings: Settings, today: History, lines: Lines, now: datetime,
                 result: ValueResult) -> dict[str, np.ndarray | None]:
    """Clusters with their suggested strategy, and the loss flags."""
    v = settings.value
    more = extras(session, today, customer_items(session, lines, today.customer_id))
    found = clusters.cluster(today, more, v.max_clusters, v.random_seed, v.fit_sample)
    rule = clusters.StrategyRule(v.retain_leverage, v.grow_leverage, float(v.watch_recency_days))
    losses = clusters.loss_flags(today, more, v.margin_rate)
    quality: dict[str, object] = {"silhouette": {}, "k": 0, "losses": int(losses.sum())}
    if found is not None:
        save_clusters(session, found.stats, [clusters.suggest(row, rule) for row in found.stats], now)
        quality.update(silhouette={str(k): s for k, s in found.silhouette.items()}, k=len(found.stats))
    save_model(session, "clusters", {"features": list(clusters.FEATURES), "rule": rule.__dict__}, quality, now)
    result.quality["clusters"] = quality
    return {"cluster": None if found is None else found.labels, "loss": losses}
