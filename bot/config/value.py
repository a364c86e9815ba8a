"""[value]: the customer-value models (lifetime value, churn risk, clusters,
recommendations): horizons, validation windows and the thresholds below which a model says it is
not to be trusted."""

from __future__ import annotations

from typing import Annotated

from bot.config.fields import Float, Int, at_least, rule, section


@section
class ValueSettings:
    enabled: bool = True  # run the value models in the nightly recompute
    horizon_weeks: Annotated[Int, at_least(1)] = 52  # lifetime value: expected purchases and spend over this
    holdout_weeks: Annotated[Int, at_least(1)] = 13  # validation: the last weeks kept out of the fit
    # the fit uses a random sample of this many customers (a 4-parameter model needs no more)
    fit_sample: Annotated[Int, at_least(100)] = 10_000
    churn_days: Annotated[Int, at_least(7)] = 90  # churn: no purchase in the next this many days
    # fewer customers with two purchases than this: the churn model says it is not trustworthy
    churn_min_repeaters: Annotated[Int, at_least(10)] = 300
    # an AUC on the later period below this: the console says the churn model is not useful
    churn_min_auc: Annotated[Float, rule(lambda auc: 0.5 <= auc < 1, "must be between 0.5 and 1")] = 0.6
    # clusters: k-means with k up to this, chosen by silhouette; the strategy rule's thresholds
    max_clusters: Annotated[Int, rule(lambda k: 2 <= k <= 12, "must be between 2 and 12")] = 8
    retain_leverage: Annotated[Float, at_least(0)] = 1.5  # revenue share / customer share at or above: retain
    grow_leverage: Annotated[Float, at_least(0)] = 0.7  # at or above: cross-sell / up-sell
    watch_recency_days: Annotated[Int, at_least(1)] = 180  # below grow: watch if they bought this recently, else abandon
    # a customer whose refunds and coupon value exceed this share of their spend is flagged for a person
    margin_rate: Annotated[Float, rule(lambda rate: 0 < rate <= 1, "must be between 0 and 1")] = 0.3
    # recommendations: a "bought together" pair needs this many customers in common
    min_support: Annotated[Int, at_least(1)] = 3
    random_seed: Int = 16
