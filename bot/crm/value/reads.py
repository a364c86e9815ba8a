"""What the nightly value models say about one customer or one product, for the console's
customer page and the shop API (one place, so both show the same figures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import CustomerRecommendation, CustomerValue, Product, ProductPair, ValueCluster, ValueModel


@dataclass(frozen=True)
class CustomerFigures:
    expected_purchases: float | None
    expected_spend: float | None
    p_alive: float | None
    churn_risk: float | None
    churn_trusted: bool
    cluster: int | None
    strategy: str | None
    loss: bool
    computed_at: datetime


def customer_figures(session: Session, customer_id: int) -> CustomerFigures | None:
    row = session.get(CustomerValue, customer_id)
    if row is None:
        return None
    strategy = None
    if row.cluster is not None:
        strategy = session.scalar(select(func.coalesce(ValueCluster.strategy, ValueCluster.suggested)).where(ValueCluster.id == row.cluster))
    return CustomerFigures(row.expected_purchases, row.expected_spend, row.p_alive, row.churn_risk, churn_trusted(session), row.cluster,
                           strategy, row.loss, row.computed_at)


def churn_trusted(session: Session) -> bool:
    """Whether the last churn model said it can be trusted (enough customers with two purchases, a
    useful AUC on the later period): the one answer the customer page and the win-back journey use."""
    churn = session.get(ValueModel, "churn")
    return bool(churn and churn.quality.get("trustworthy"))


def customer_recommendations(session: Session, customer_id: int) -> list[tuple[str, float, Product | None]]:
    """(sku, score, product if still in the catalogue), best first."""
    rows = session.execute(select(CustomerRecommendation.sku, CustomerRecommendation.score, Product)
                           .outerjoin(Product, Product.sku == CustomerRecommendation.sku)
                           .where(CustomerRecommendation.customer_id == customer_id).order_by(CustomerRecommendation.rank)).all()
    return [(sku, score, product) for sku, score, product in rows]


def related_products(session: Session, sku: str, limit: int = 10) -> list[tuple[ProductPair, Product | None]]:
    """Products bought together with `sku`, highest lift first."""
    rows = session.execute(select(ProductPair, Product).outerjoin(Product, Product.sku == ProductPair.related_sku)
                           .where(ProductPair.sku == sku).order_by(ProductPair.rank).limit(limit)).all()
    return [(pair, product) for pair, product in rows]
