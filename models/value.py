"""What the nightly customer-value models computed.

Why tables of their own instead of columns on `customers`: they are rewritten in bulk every night
by one process, never edited by hand, and a shop that turns the models off loses nothing else.
`ValueModel` keeps each model's fitted parameters and its quality on held-out data, so the console
can say whether to trust the figures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class CustomerValue(Base):
    __tablename__ = "customer_values"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    expected_purchases: Mapped[float | None] = mapped_column(Float)  # over the horizon ([value] horizon_weeks)
    expected_spend: Mapped[float | None] = mapped_column(Float)
    p_alive: Mapped[float | None] = mapped_column(Float)
    churn_risk: Mapped[float | None] = mapped_column(Float, index=True)  # P(no purchase in the next churn_days)
    cluster: Mapped[int | None] = mapped_column(Integer, index=True)
    loss: Mapped[bool] = mapped_column(default=False)  # refunds and coupons over the margin: for a person to decide
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ValueModel(Base):
    """One row per model (`clv`, `churn`, `clusters`, `recommendations`): when, parameters, quality."""

    __tablename__ = "value_models"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    quality: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ValueCluster(Base):
    """One cluster of the last clustering: its figures as seed 003 draws them and its strategy
    (suggested by the rule in `bot.crm.value.clusters`, changeable by the marketer)."""

    __tablename__ = "value_clusters"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    customers: Mapped[int] = mapped_column(default=0)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)  # shares, product index, leverage, tenure, centre
    suggested: Mapped[str] = mapped_column(String(20), default="watch")  # retain | grow | watch | abandon
    strategy: Mapped[str | None] = mapped_column(String(20))  # the marketer's choice, when set
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProductPair(Base):
    """"Bought together": for a product, another often in the same customers' baskets (lift over chance)."""

    __tablename__ = "product_pairs"

    sku: Mapped[str] = mapped_column(String(100), primary_key=True)
    related_sku: Mapped[str] = mapped_column(String(100), primary_key=True)
    together: Mapped[int] = mapped_column(default=0)  # customers who bought both
    lift: Mapped[float] = mapped_column(Float, default=0.0)
    rank: Mapped[int] = mapped_column(default=0)


class CustomerRecommendation(Base):
    __tablename__ = "customer_recommendations"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    rank: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(100))
    score: Mapped[float] = mapped_column(Float, default=0.0)
