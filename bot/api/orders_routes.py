"""`POST /api/v1/orders`: a shop system reports a purchase, or a refund: a negative amount with
`refund_of`, the id of the purchase it takes back (never more than is left of that purchase)."""

from __future__ import annotations

import re

from flask import request

from bot.api import validation as check
from bot.api.blueprint import Call, Result, api, endpoint, idempotent, json_body
from bot.api.customers_routes import customer_ref, resolve_customer
from bot.api.errors import ApiError, invalid
from bot.api.serialize import coupon_json, order_json, stamps_json
from bot.crm.orders import OrderError, record_order
from models import utcnow

FIELDS = {"customer", "amount", "currency", "items", "placed_at", "idempotency_key", "refund_of"}


@api.post("/orders")
@endpoint("orders:write")
def post_order(call: Call) -> Result:
    body, key = check.keyed_body(json_body(), FIELDS, request.headers.get("Idempotency-Key"))
    ref = customer_ref(body.get("customer"))
    amount = check.amount(body)
    currency = check.text(body, "currency", max_length=3) or "TWD"
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise invalid("currency", "must be a three-letter ISO 4217 code such as TWD")
    items = check.items(body)
    placed_at = check.timestamp(body, "placed_at")
    refund_of = check.positive_int(body, "refund_of")
    if amount < 0 and refund_of is None:
        raise invalid("refund_of", "is required for a refund (a negative amount): the id of the order it refunds")

    def work() -> Result:
        now = utcnow()
        customer = resolve_customer(call.session, ref)
        try:
            outcome = record_order(call.session, call.settings, customer.id, amount=amount, items=items,
                                   placed_at=placed_at or now, source=f"api:{call.key.name}"[:50], currency=currency,
                                   idempotency_key=f"api:{call.key.id}:{key}", now=now, refund_of=refund_of)
        except OrderError as exc:
            if exc.field is None:  # pragma: no cover - "duplicate": the idempotency record answers replays before this
                raise ApiError(409, exc.reason, str(exc)) from exc
            raise ApiError(404 if exc.reason == "refund_order_not_found" else 422, exc.reason, str(exc), field=exc.field) from exc
        return 201, {
            "order": order_json(outcome.order),
            "customer": {"id": customer.id, "stage": outcome.stage, "tier": outcome.tier},
            "first_purchase": outcome.first_purchase,
            "points_earned": outcome.points,
            "points_balance": outcome.balance,
            "stamps": stamps_json(call.settings, outcome.stamps),
            "coupons_issued": [coupon_json(c, now) for c in (outcome.stamp_reward, outcome.tier_coupon) if c is not None],
            "referral_bonus": outcome.referral_bonus,
            "unknown_skus": list(outcome.unknown_skus),
        }

    return idempotent(call, "orders", key, body, work)
