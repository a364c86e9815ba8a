"""JSON shapes of coupons, customers and orders as the API returns them (documented in openapi.json).
Money is a string with two decimals, times are ISO 8601 in UTC, so nothing is lost in transit."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.crm import coupons, loyalty
from bot.crm.value import reads
from models import Coupon, Customer, Order


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def money(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


def coupon_json(coupon: Coupon, now: datetime) -> dict[str, Any]:
    return {
        "code": coupon.code, "template": coupon.template.code, "name": dict(coupon.template.name),
        "kind": coupon.kind, "value": money(coupon.value), "item": dict(coupon.template.item) or None,
        "customer_id": coupon.customer_id, "issued_at": iso(coupon.issued_at), "expires_at": iso(coupon.expires_at),
        "max_uses": coupon.max_uses, "uses": coupon.uses, "status": coupons.status(coupon, now),
    }


def order_json(order: Order) -> dict[str, Any]:
    return {"id": order.id, "customer_id": order.customer_id, "amount": money(order.amount), "currency": order.currency,
            "items": order.items, "placed_at": iso(order.placed_at), "source": order.source, "refund_of": order.refund_of_id}


def stamps_json(settings: Settings, count: int) -> dict[str, Any]:
    size = settings.loyalty.stamp_card_size
    return {"count": count, "on_card": count % size, "card_size": size}


def customer_json(session: Session, settings: Settings, customer: Customer, now: datetime) -> dict[str, Any]:
    held, _ = coupons.customer_coupons(session, customer.id, now, limit=50)
    tier = settings.tiers[customer.tier - 1]
    return {
        "id": customer.id, "display_name": customer.display_name, "email": customer.email, "phone": customer.phone,
        "member_code": customer.member_code,
        "language": customer.language, "stage": customer.stage, "lead_source": customer.lead_source,
        "tier": customer.tier, "tier_name": dict(tier.name),
        "rfm": {"recency": customer.rfm_recency, "frequency": customer.rfm_frequency, "monetary": customer.rfm_monetary},
        "points": loyalty.balance(session, customer.id),
        "stamps": stamps_json(settings, loyalty.stamp_count(session, customer.id)),
        "coupons": [coupon_json(c, now) for c in held if coupons.status(c, now) == "active"],
        "created_at": iso(customer.created_at),
        **value_json(session, settings, customer.id),
    }


def value_json(session: Session, settings: Settings, customer_id: int) -> dict[str, Any]:
    """The nightly models' figures (null before the first run) and the recommended SKUs."""
    figures = reads.customer_figures(session, customer_id)
    value = None if figures is None else {
        "horizon_weeks": settings.value.horizon_weeks,
        "expected_purchases": None if figures.expected_purchases is None else round(figures.expected_purchases, 3),
        "expected_spend": None if figures.expected_spend is None else round(figures.expected_spend, 2),
        "p_alive": None if figures.p_alive is None else round(figures.p_alive, 4),
        "churn_risk": None if figures.churn_risk is None else round(figures.churn_risk, 4),
        "churn_model_trusted": figures.churn_trusted, "cluster": figures.cluster, "strategy": figures.strategy,
        "computed_at": iso(figures.computed_at)}
    return {"value": value, "recommendations": [sku for sku, _, _ in reads.customer_recommendations(session, customer_id)]}
